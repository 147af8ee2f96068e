#!/usr/bin/env bash
# Builds, where no registry is reachable, the images the synthesized pods name but roleplane does not build, under
# the names the manifests use, so that tools/stack runs the pod templates unchanged. Each is labelled
# io.roleplane.stand-in with what it really is:
#   valkey      Debian trixie's valkey-server (a real Valkey, 8.1.x), debootstrapped: bookworm has no Valkey
#   nginx       Debian bookworm's nginx-light, run as nginx-unprivileged runs
#   erp         an nginx answering the ERP's health path (the ERP itself is the user's)
#   storefront  the example storefront (examples/storefront), the website being the user's
#   exporters   Debian's prometheus-nginx-exporter, prometheus-redis-exporter and mtail (the monitoring sidecars)
# The roleplane image itself is `npm run image` (tools/image); this script builds the Debian and Node bases the
# same way (tools/image/base.sh) and reuses them.
# Environment: STACK_VALKEY_IMAGE, STACK_NGINX_IMAGE, STACK_ERP_IMAGE, STACK_STOREFRONT_IMAGE (default: the values'
# defaults; tools/stack passes the names read from the manifests), ROLEPLANE_DEBIAN_MIRROR, ROLEPLANE_IMAGE_CACHE.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/tools/image/containers.conf" CONTAINERS_REGISTRIES_CONF="$PWD/tools/image/registries.conf"
export PATH="$PATH:/usr/sbin:/sbin"
HERE=tools/stack/images

# shellcheck source=tools/image/base.sh
source tools/image/base.sh

valkey_image="${STACK_VALKEY_IMAGE:-docker.io/valkey/valkey:8.1.4}"
nginx_image="${STACK_NGINX_IMAGE:-docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine}"
erp_image="${STACK_ERP_IMAGE:-docker.io/odoo:18.0}"
storefront_image="${STACK_STOREFRONT_IMAGE:-ghcr.io/example/storefront:1.0.0}"
nginx_exporter_image="${STACK_NGINX_EXPORTER_IMAGE:-docker.io/nginx/nginx-prometheus-exporter:1.4.2}"
valkey_exporter_image="${STACK_VALKEY_EXPORTER_IMAGE:-docker.io/oliver006/redis_exporter:v1.74.0}"
mtail_image="${STACK_MTAIL_IMAGE:-ghcr.io/roleplane/mtail:3.0.0-rc50}"

started=$SECONDS
build_bases

# Valkey: a trixie minbase with valkey-server and valkey-cli, trimmed like the slim bases; the root filesystem is
# cached by recipe, so only the first build runs debootstrap (about two minutes).
valkey_packages=valkey-server,valkey-tools
valkey_recipe="$({ cat "$0"; debian_mirror; } | sha256sum | cut -c1-16)"
# The root filesystem depends only on what debootstrap is given, so editing this script does not redo it.
rootfs_key="$(echo "trixie minbase $valkey_packages $(debian_mirror)" | sha256sum | cut -c1-16)"
if is_current "$valkey_image" "$valkey_recipe"; then
  echo "stack images: $valkey_image is current"
else
  rootfs_tar="$CACHE_DIR/valkey-trixie-minbase-$rootfs_key.tar"
  if [ ! -s "$rootfs_tar" ]; then
    root="$(mktemp -d /tmp/roleplane-valkey.XXXXXX)"
    echo "stack images: debootstrap trixie with valkey-server (about two minutes)"
    debootstrap --variant=minbase --include="$valkey_packages" trixie "$root" "$(debian_mirror)" \
      >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; echo "stack images: debootstrap failed ($root.log)" >&2; exit 1; }
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* "$root"/usr/share/doc/* \
      "$root"/usr/share/man/* "$root"/usr/share/info/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    mkdir -p "$CACHE_DIR"
    tar --numeric-owner -C "$root" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$root" "$root.log"
  fi
  podman import --change 'CMD ["valkey-server"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change "LABEL $RECIPE_LABEL=$valkey_recipe" \
    --change 'LABEL io.roleplane.stand-in="Debian trixie valkey-server, not the upstream image"' \
    "$rootfs_tar" "$valkey_image" >/dev/null
  echo "stack images: $valkey_image ($(podman run --rm "$valkey_image" valkey-server --version | cut -d' ' -f1-3))"
fi

podman build --pull=never --layers --quiet -t "$nginx_image" -f "$HERE/nginx.Containerfile" "$HERE" >/dev/null
echo "stack images: $nginx_image (Debian nginx-light)"
podman build --pull=never --layers --quiet --build-arg "NGINX_IMAGE=$nginx_image" -t "$erp_image" \
  -f "$HERE/erp.Containerfile" "$HERE" >/dev/null
echo "stack images: $erp_image (ERP stand-in)"

# The exporter sidecars: one Debian package each, its command as the entrypoint.
for spec in "$nginx_exporter_image prometheus-nginx-exporter prometheus-nginx-exporter" \
  "$valkey_exporter_image prometheus-redis-exporter prometheus-redis-exporter" "$mtail_image mtail mtail"; do
  read -r image package command <<<"$spec"
  podman build --pull=never --layers --quiet --build-arg "PACKAGE=$package" --build-arg "COMMAND=$command" \
    -t "$image" -f "$HERE/debian-package.Containerfile" "$HERE" >/dev/null
  echo "stack images: $image (Debian $package)"
done

context="$(mktemp -d /tmp/roleplane-storefront.XXXXXX)"
trap 'rm -rf "$context"' EXIT
node_modules/.bin/esbuild examples/storefront/server.ts --platform=node --format=esm --target=node20 \
  --log-level=warning --outfile="$context/server.js"
podman build --pull=never --layers --quiet -t "$storefront_image" -f "$HERE/storefront.Containerfile" "$context" \
  >/dev/null
echo "stack images: $storefront_image (example storefront)"
echo "stack images: ready in $((SECONDS - started)) s"
