#!/usr/bin/env bash
# Regenerates imports/ from the CRDs shipped inside Go modules: Karpenter's (NodePool, EC2NodeClass) and the
# Prometheus Operator's (ServiceMonitor, PodMonitor, PrometheusRule, from its example/prometheus-operator-crd/).
# The CRD YAML is vendored into imports/crds/ so that synth, tests and the local control plane
# never need the network; `cdk8s import` then generates the typed constructs from those local files.
#
# Any failure stops the script with a message and a non-zero exit, and leaves imports/ as it was: the constructs
# are generated into a scratch directory and moved into imports/ only when both were written.
set -euo pipefail
cd "$(dirname "$0")/.."

KARPENTER_VERSION="${KARPENTER_VERSION:-v1.14.1}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
# cdk8s-cli reads its options from CDK8S_* variables too: this is --check-upgrade=false. The check asks the npm
# registry for a newer cdk8s-cli on every run, and where that fails it prints a stack trace and carries on.
export CDK8S_CHECK_UPGRADE=false

die() {
  echo "import-crds: error: $*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH (it downloads the Karpenter and Prometheus Operator modules through the Go module proxy)"
cdk8s=node_modules/.bin/cdk8s
[ -x "$cdk8s" ] || die "$cdk8s is missing: cdk8s-cli is a dev dependency (npm ci installs it)"

# The directory of a module (at a version) in the Go module cache, downloading it first; go's own error when that fails.
module_dir() {
  local json
  json="$(go mod download -json "$1@$2")" \
    || die "go mod download $1@$2 failed: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}
core=$(module_dir sigs.k8s.io/karpenter "$KARPENTER_VERSION")
aws=$(module_dir github.com/aws/karpenter-provider-aws "$KARPENTER_VERSION")
promop=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
[ -d "$core/pkg/apis/crds" ] || die "sigs.k8s.io/karpenter@$KARPENTER_VERSION has no pkg/apis/crds"
[ -d "$aws/pkg/apis/crds" ] || die "github.com/aws/karpenter-provider-aws@$KARPENTER_VERSION has no pkg/apis/crds"
promop_crds="$promop/example/prometheus-operator-crd"
[ -d "$promop_crds" ] \
  || die "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION has no example/prometheus-operator-crd"

# Only the kinds roleplane writes: the Prometheus Operator's other CRDs (Prometheus, Alertmanager, ...) belong to the
# monitoring stack that a platform team runs, not to roleplane.
PROMETHEUS_OPERATOR_CRDS=(
  monitoring.coreos.com_servicemonitors.yaml
  monitoring.coreos.com_podmonitors.yaml
  monitoring.coreos.com_prometheusrules.yaml
)
mkdir -p imports/crds
cp "$core/pkg/apis/crds/karpenter.sh_nodepools.yaml" imports/crds/
cp "$aws/pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml" imports/crds/
for crd in "${PROMETHEUS_OPERATOR_CRDS[@]}"; do
  [ -f "$promop_crds/$crd" ] || die "prometheus-operator@$PROMETHEUS_OPERATOR_VERSION has no $crd"
  cp "$promop_crds/$crd" imports/crds/
done
chmod u+w imports/crds/*.yaml
echo "$KARPENTER_VERSION" > imports/crds/KARPENTER_VERSION
echo "$PROMETHEUS_OPERATOR_VERSION" > imports/crds/PROMETHEUS_OPERATOR_VERSION

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

# import source -> the module cdk8s writes for it and the classes that module must export. The three Prometheus
# Operator CRDs share one API group, and cdk8s writes one module per group: they are imported together, from one
# multi-document file made here, or each run would overwrite the module of the one before.
promop_source="$staging/monitoring.coreos.com.yaml"
for crd in "${PROMETHEUS_OPERATOR_CRDS[@]}"; do
  cat "imports/crds/$crd"
  echo '---'
done >"$promop_source"
declare -A expected=(
  [imports/crds/karpenter.sh_nodepools.yaml]="karpenter.sh.ts NodePool"
  [imports/crds/karpenter.k8s.aws_ec2nodeclasses.yaml]="karpenter.k8s.aws.ts Ec2NodeClass"
  [$promop_source]="monitoring.coreos.com.ts ServiceMonitor PodMonitor PrometheusRule"
)
# cdk8s import reads only the first source of a run, so one run per source. --no-save: cdk8s.yaml already lists the
# files, and a run must not edit it.
out="$staging/out"
for source in imports/crds/karpenter.sh_nodepools.yaml imports/crds/karpenter.k8s.aws_ec2nodeclasses.yaml "$promop_source"; do
  read -r module classes <<<"${expected[$source]}"
  output="$("$cdk8s" import --no-save --language typescript --output "$out" "$source" 2>&1)" \
    || die "cdk8s import $source failed:"$'\n'"$output"
  echo "$output"
  # cdk8s-cli reports a file without CRDs as a warning and exits 0.
  if grep -qi 'warning\|error' <<<"$output"; then die "cdk8s import $source reported a problem (above)"; fi
  [ -s "$out/$module" ] || die "cdk8s import $source wrote no $module"
  for class in $classes; do
    grep -q "^export class $class " "$out/$module" || die "$module from $source has no class $class"
  done
done

for source in "${!expected[@]}"; do
  read -r module _ <<<"${expected[$source]}"
  mv -f "$out/$module" "imports/$module"
done
echo "imports/ regenerated from Karpenter $KARPENTER_VERSION and the Prometheus Operator $PROMETHEUS_OPERATOR_VERSION"
