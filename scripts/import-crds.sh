#!/usr/bin/env bash
# Regenerates imports/ from the Karpenter CRDs shipped inside the Karpenter Go modules.
# The CRD YAML is vendored into imports/crds/ so that synth, tests and the local control plane
# never need the network; `cdk8s import` then generates the typed constructs from those local files.
#
# Any failure stops the script with a message and a non-zero exit, and leaves imports/ as it was: the constructs
# are generated into a scratch directory and moved into imports/ only when both were written.
set -euo pipefail
cd "$(dirname "$0")/.."

KARPENTER_VERSION="${KARPENTER_VERSION:-v1.14.1}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
# cdk8s-cli reads its options from CDK8S_* variables too: this is --check-upgrade=false. The check asks the npm
# registry for a newer cdk8s-cli on every run, and where that fails it prints a stack trace and carries on.
export CDK8S_CHECK_UPGRADE=false

die() {
  echo "import-crds: error: $*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH (it downloads the Karpenter modules through the Go module proxy)"
cdk8s=node_modules/.bin/cdk8s
[ -x "$cdk8s" ] || die "$cdk8s is missing: cdk8s-cli is a dev dependency (npm ci installs it)"

# The directory of a module in the Go module cache, downloading it first; go's own error when that fails.
module_dir() {
  local json
  json="$(go mod download -json "$1@$KARPENTER_VERSION")" \
    || die "go mod download $1@$KARPENTER_VERSION failed: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}
core=$(module_dir sigs.k8s.io/karpenter)
aws=$(module_dir github.com/aws/karpenter-provider-aws)
[ -d "$core/pkg/apis/crds" ] || die "sigs.k8s.io/karpenter@$KARPENTER_VERSION has no pkg/apis/crds"
[ -d "$aws/pkg/apis/crds" ] || die "github.com/aws/karpenter-provider-aws@$KARPENTER_VERSION has no pkg/apis/crds"

mkdir -p imports/crds
cp "$core/pkg/apis/crds/karpenter.sh_nodepools.yaml" imports/crds/
cp "$aws/pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml" imports/crds/
chmod u+w imports/crds/*.yaml
echo "$KARPENTER_VERSION" > imports/crds/KARPENTER_VERSION

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

# crd file -> the module cdk8s writes for it and a class that module must export.
declare -A expected=(
  [imports/crds/karpenter.sh_nodepools.yaml]="karpenter.sh.ts NodePool"
  [imports/crds/karpenter.k8s.aws_ec2nodeclasses.yaml]="karpenter.k8s.aws.ts Ec2NodeClass"
)
# cdk8s import reads only the first source of a run, so one run per file. --no-save: cdk8s.yaml already lists both
# files, and a run must not edit it.
for crd in imports/crds/karpenter.sh_nodepools.yaml imports/crds/karpenter.k8s.aws_ec2nodeclasses.yaml; do
  read -r module class <<<"${expected[$crd]}"
  output="$("$cdk8s" import --no-save --language typescript --output "$staging" "$crd" 2>&1)" \
    || die "cdk8s import $crd failed:"$'\n'"$output"
  echo "$output"
  # cdk8s-cli reports a file without CRDs as a warning and exits 0.
  if grep -qi 'warning\|error' <<<"$output"; then die "cdk8s import $crd reported a problem (above)"; fi
  [ -s "$staging/$module" ] || die "cdk8s import $crd wrote no $module"
  grep -q "^export class $class " "$staging/$module" || die "$module from $crd has no class $class"
done

for crd in "${!expected[@]}"; do
  read -r module _ <<<"${expected[$crd]}"
  mv -f "$staging/$module" "imports/$module"
done
echo "imports/ regenerated from Karpenter $KARPENTER_VERSION"
