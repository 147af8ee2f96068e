#!/usr/bin/env bash
# npm run image:smoke: runs the built image as the manifests run it (UID 10001, read-only root filesystem, a
# writable /tmp, the index on a volume mounted read-only into the service) with podman and runc:
#   1. `roleplane --version` prints package.json's version, every dependency loads, and `roleplane synth` says it
#      is not part of this installation;
#   2. `roleplane search index` with the built-in tiny model writes an index of the test fixture catalog
#      (test/fixtures/search, 12 products) into a fresh volume;
#   3. `roleplane search serve` serves that volume; /readyz answers 200 and /search finds the fixture's red shoes.
# Leaves nothing behind (container and volume are removed, also on failure).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/tools/image/containers.conf" CONTAINERS_REGISTRIES_CONF="$PWD/tools/image/registries.conf"

version="$(node -p 'require("./package.json").version')"
image="${ROLEPLANE_IMAGE:-ghcr.io/roleplane/roleplane:$version}"
name="roleplane-smoke-$$"
volume="$name-data"
port="${ROLEPLANE_SMOKE_PORT:-$((20000 + $$ % 20000))}"
started=$SECONDS

podman image exists "$image" || { echo "smoke: no image $image (npm run image builds it)" >&2; exit 1; }
cleanup() {
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# As the pods run: the image's own user (10001), nothing writable but /tmp (an emptyDir in the chart) and volumes.
run_args=(--read-only --tmpfs /tmp:rw,size=64m,mode=1777 --cap-drop=ALL --security-opt=no-new-privileges)

fail() {
  echo "smoke: FAILED: $*" >&2
  podman logs "$name" 2>/dev/null | tail -30 >&2 || true
  exit 1
}

printed="$(podman run --rm "${run_args[@]}" "$image" --version)"
[ "$printed" = "$version" ] || fail "--version printed '$printed', expected '$version'"
echo "smoke: --version → $printed"

# Every dependency loads from the pruned node_modules (the operator's Kubernetes client included, which step 3
# does not reach).
podman run --rm "${run_args[@]}" --entrypoint node "$image" --input-type=module -e '
  import { readFileSync } from "node:fs";
  const names = Object.keys(JSON.parse(readFileSync("package.json", "utf8")).dependencies);
  for (const name of names) await import(name === "tsx" ? "tsx/esm/api" : name);
  console.log(`smoke: all ${names.length} dependencies load: ${names.join(", ")}`);
' || fail "a dependency does not load in the image"
said="$(podman run --rm "${run_args[@]}" "$image" synth 2>&1 || true)"
[[ "$said" == *"not part of this installation"* ]] || fail "roleplane synth said '$said', not that it is not installed"
echo "smoke: roleplane synth → not part of this installation"

podman volume create "$volume" >/dev/null
# :U hands the fresh volume to the container's user, as fsGroup does for the chart's index-build Job.
podman run --rm "${run_args[@]}" -v "$PWD/test/fixtures/search:/in:ro" -v "$volume:/data:U" "$image" \
  search index --catalog /in/catalog.jsonl --rules /in/filters.json --out /data/index ||
  fail "search index exited $?"
echo "smoke: search index wrote the fixture catalog's index into volume $volume"

podman run -d --name "$name" "${run_args[@]}" -v "$volume:/data:ro" -p "127.0.0.1:$port:8080" "$image" \
  search serve --data /data/index >/dev/null
deadline=$((SECONDS + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; do
  [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "search serve exited"
  [ "$SECONDS" -lt "$deadline" ] || fail "/readyz did not answer 200 within 60 s"
  sleep 0.5
done
echo "smoke: search serve is ready (read-only root, UID $(podman exec "$name" id -u))"

body="$(curl -sf "http://127.0.0.1:$port/search?q=red+running+shoes&limit=3")" || fail "/search failed"
node -e '
  const body = JSON.parse(process.argv[1]);
  const ids = body.results.map((r) => r.id);
  if (!ids.includes("P-001") || body.filters.color?.[0] !== "red") {
    console.error(`smoke: /search did not find the red running shoes: ${process.argv[1]}`);
    process.exit(1);
  }
  console.log(`smoke: /search?q=red+running+shoes → ${ids.join(", ")}`);
' "$body" || fail "unexpected /search answer"
echo "smoke: passed in $((SECONDS - started)) s"
