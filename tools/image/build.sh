#!/usr/bin/env bash
# npm run image: builds the roleplane image from the repository's own Dockerfile with podman (runc), where no
# registry is reachable. The public bases the Dockerfile names are built locally first and tagged with those names
# (base.sh), so the Dockerfile is exactly what a user runs with `docker build`. See tools/image/README.md.
#   bash tools/image/build.sh            # build (bases only when their recipe changed), then `--version` in it
# Environment: ROLEPLANE_IMAGE (the tag; default ghcr.io/roleplane/roleplane:<package.json version>),
# ROLEPLANE_DEBIAN_MIRROR, ROLEPLANE_IMAGE_CACHE (default ~/.cache/roleplane/image).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=tools/image
export CONTAINERS_CONF="$PWD/$HERE/containers.conf" CONTAINERS_REGISTRIES_CONF="$PWD/$HERE/registries.conf"
export PATH="$PATH:/usr/sbin:/sbin"

# The Debian packages are named after their commands.
missing=()
for tool in podman buildah runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "image: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# shellcheck source=tools/image/base.sh
source "$HERE/base.sh"

image="${ROLEPLANE_IMAGE:-ghcr.io/roleplane/roleplane:$(node -p 'require("./package.json").version')}"

# Every base the Dockerfile names must be one base.sh builds: anything else would need a registry.
for from in $(awk 'toupper($1) == "FROM" {print $2}' Dockerfile | grep -v -- '--' || true); do
  case "$from" in
    node:20.20-bookworm-slim | debian:bookworm-slim) ;;
    *) awk 'toupper($1) == "FROM" && toupper($3) == "AS" {print $4}' Dockerfile | grep -qx "$from" ||
      { echo "image: the Dockerfile names $from, which tools/image/base.sh does not build" >&2; exit 1; } ;;
  esac
done

started=$SECONDS
build_bases
echo "image: bases ready in $((SECONDS - started)) s"
step=$SECONDS
# The deps stage gets a tag of its own so that removing older builds' untagged images (last line) keeps the cache
# of its `npm ci`. Only images carrying this build's label are ever removed.
label=io.roleplane.image-build=1
podman build --pull=never --layers --label "$label" --target deps -t localhost/roleplane-image-cache:deps \
  -f Dockerfile .
podman build --pull=never --layers --label "$label" -t "$image" -f Dockerfile .
podman image prune -f --filter "label=$label" >/dev/null
echo "image: $image built in $((SECONDS - step)) s ($((SECONDS - started)) s in all)"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "image: $image is $((size / 1000000)) MB ($size bytes)"
echo "image: $(podman run --rm "$image" --version | tr -d '\n') runs (podman run, runc)"
