#!/usr/bin/env bash
# Regenerates imports/ from the Karpenter CRDs shipped inside the Karpenter Go modules.
# The CRD YAML is vendored into imports/crds/ so that synth, tests and the local control plane
# never need the network; `cdk8s import` then generates the typed constructs from those local files.
set -euo pipefail
cd "$(dirname "$0")/.."

KARPENTER_VERSION="${KARPENTER_VERSION:-v1.14.1}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

module_dir() {
  go mod download -json "$1@$KARPENTER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}
core=$(module_dir sigs.k8s.io/karpenter)
aws=$(module_dir github.com/aws/karpenter-provider-aws)
[ -d "$core/pkg/apis/crds" ] || { echo "import-crds: sigs.k8s.io/karpenter@$KARPENTER_VERSION has no pkg/apis/crds" >&2; exit 1; }
[ -d "$aws/pkg/apis/crds" ] || { echo "import-crds: github.com/aws/karpenter-provider-aws@$KARPENTER_VERSION has no pkg/apis/crds" >&2; exit 1; }

mkdir -p imports/crds
cp "$core/pkg/apis/crds/karpenter.sh_nodepools.yaml" imports/crds/
cp "$aws/pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml" imports/crds/
chmod u+w imports/crds/*.yaml
echo "$KARPENTER_VERSION" > imports/crds/KARPENTER_VERSION

# cdk8s import takes one source per run.
for crd in imports/crds/karpenter.sh_nodepools.yaml imports/crds/karpenter.k8s.aws_ec2nodeclasses.yaml; do
  npx cdk8s import --language typescript --output imports "$crd"
done
echo "imports/ regenerated from Karpenter $KARPENTER_VERSION"
