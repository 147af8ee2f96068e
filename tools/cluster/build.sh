#!/usr/bin/env bash
# Builds the local control plane binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the upstream Go modules pinned in tools/cluster/go/k8s and
# tools/cluster/go/kwok, into a cache outside the repo keyed by the Kubernetes version:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/roleplane/k8s-<version>/bin/
#
# A binary is rebuilt only when its stamp (module version, hash of go.mod/go.sum, Go version and
# linker flags) changed, so a warm run costs a few milliseconds and never starts the compiler.
#
# envtest convention: when KUBEBUILDER_ASSETS names a directory holding etcd, kube-apiserver or
# kubectl (or any of the others), those are used instead and only the missing ones are built. The
# binaries are then gathered as symlinks in one directory next to the cache.
#
# The last line on stdout is the directory that holds all six binaries (and kwok-stages.yaml, the
# default kwok stages of the pinned kwok version). Progress goes to stderr.
#
# Environment:
#   GOFLAGS      defaults to -mod=mod (go.sum is committed and complete; no vendor directory)
#   CGO_ENABLED  defaults to 0 (static binaries, as Kubernetes releases its server binaries)
#   ROLEPLANE_BUILD_FORCE=1  rebuild everything regardless of stamps
#   ROLEPLANE_PROGRESS_SECONDS  how often a long wait or build says it is still going (default 30)
set -euo pipefail

export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED="${CGO_ENABLED:-0}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_mod="$here/go/k8s"
kwok_mod="$here/go/kwok"

log() { echo "build.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

progress_every="${ROLEPLANE_PROGRESS_SECONDS:-30}"
[[ "$progress_every" =~ ^[1-9][0-9]*$ ]] || die "ROLEPLANE_PROGRESS_SECONDS must be a positive number of seconds (got '$progress_every')"

# Runs a command in a directory without changing this script's.
in_dir() { local dir="$1"; shift; (cd "$dir" && "$@"); }

# 95 -> "1m35s"
human_seconds() { if (( $1 >= 60 )); then echo "$(($1 / 60))m$(printf '%02d' $(($1 % 60)))s"; else echo "$1s"; fi; }

# Runs a command and, while it runs, says on stderr every $progress_every seconds what it waits for and for how
# long, so a cold build or a wait for another process's build is never silent. The ticker keeps no pipe or lock
# open (only stderr), and stops with the command or with this script.
with_progress() {
  local what="$1"; shift
  local start=$SECONDS
  (
    exec 9>&- </dev/null >/dev/null
    nap=
    trap '[[ -n "$nap" ]] && kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "$progress_every" 2>/dev/null & nap=$!
      wait "$nap" || exit 0
      kill -0 $$ 2>/dev/null || exit 0
      log "still $what ($(human_seconds $((SECONDS - start))) so far)"
    done
  ) &
  local ticker=$! status=0
  "$@" || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$status"
}

command -v go >/dev/null 2>&1 || die "go is not on PATH (need the Go toolchain named in tools/cluster/go/k8s/go.mod)"

# Reads the version a go.mod requires for a module (first match in a require line or block).
required_version() {
  awk -v m="$1" '($1 == m && $2 ~ /^v/) { print $2; exit } ($1 == "require" && $2 == m) { print $3; exit }' "$2"
}

k8s_version="$(required_version k8s.io/kubernetes "$k8s_mod/go.mod")"
etcd_version="$(required_version go.etcd.io/etcd/server/v3 "$k8s_mod/go.mod")"
kwok_version="$(required_version sigs.k8s.io/kwok "$kwok_mod/go.mod")"
[[ "$k8s_version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $k8s_mod/go.mod (got '$k8s_version')"
k8s_major="${BASH_REMATCH[1]}"
k8s_minor="${BASH_REMATCH[2]}"
[[ -n "$etcd_version" ]] || die "cannot read the go.etcd.io/etcd/server/v3 version from $k8s_mod/go.mod"
[[ -n "$kwok_version" ]] || die "cannot read the sigs.k8s.io/kwok version from $kwok_mod/go.mod"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/roleplane"
out_dir="$cache_root/k8s-$k8s_version"
bin_dir="$out_dir/bin"
stamp_dir="$bin_dir/.stamps"
mkdir -p "$stamp_dir"

# One build at a time per version: two `cluster up` at once must not race on the same files. The holder names
# itself in the lock file (opened without truncating, so a waiter does not erase it) and clears it on exit, so
# a waiter can say whom it waits for.
lock_file="$out_dir/.build.lock"
exec 9>>"$lock_file"
if ! flock -n 9; then
  holder="$(head -n1 "$lock_file" 2>/dev/null || true)"
  holder="${holder:-another process}"
  wait_start=$SECONDS
  log "waiting for another build of $k8s_version to finish: $holder holds $lock_file"
  with_progress "waiting for $holder to release $lock_file" flock 9
  log "got $lock_file after $(human_seconds $((SECONDS - wait_start)))"
fi
trap ': > "$lock_file"' EXIT
echo "build.sh (pid $$, started by: $(ps -o args= -p "$PPID" 2>/dev/null | cut -c1-100))" > "$lock_file"

go_version="$(go env GOVERSION)"

# Kubernetes' own release build (hack/lib/version.sh) stamps both version packages; without this
# `kubectl version` and the apiserver's /version report v0.0.0-master.
# buildDate is the module's publication time so the binaries do not change from build to build.
# gitCommit is left empty: the module proxy does not tell the commit, and the in-tree default is
# the placeholder "$Format:%H$".
# The date is part of the cache key (through the ldflags), so it must be read the same way on every run: on a cold
# module cache the .info file appears only once the build downloads the module, and a key computed before that
# (with the 1970 fallback) made the next run rebuild everything. Fetching it first costs nothing the build would
# not download anyway.
k8s_info="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$k8s_version.info"
if [[ ! -f "$k8s_info" ]]; then
  in_dir "$k8s_mod" go mod download k8s.io/kubernetes \
    || log "could not download k8s.io/kubernetes $k8s_version to read its date; the binaries' build date will be 1970"
fi
k8s_build_date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info" 2>/dev/null || true)"
k8s_build_date="${k8s_build_date:-1970-01-01T00:00:00Z}"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$k8s_major -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$k8s_build_date -X $pkg.gitCommit="
done
kwok_ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v}"

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
k8s_key="k8s=$k8s_version etcd=$etcd_version go=$go_version cgo=$CGO_ENABLED mods=$(hash_of "$k8s_mod/go.mod" "$k8s_mod/go.sum" "$k8s_mod/cmd/etcd/main.go") ldflags=$(echo "$k8s_ldflags" | sha256sum | cut -c1-16)"
kwok_key="kwok=$kwok_version go=$go_version cgo=$CGO_ENABLED mods=$(hash_of "$kwok_mod/go.mod" "$kwok_mod/go.sum") ldflags=$(echo "$kwok_ldflags" | sha256sum | cut -c1-16)"

assets="${KUBEBUILDER_ASSETS:-}"
from_assets() { [[ -n "$assets" && -x "$assets/$1" && ! -d "$assets/$1" ]]; }

# Decides which binaries need building: not supplied by KUBEBUILDER_ASSETS, and missing or stale.
needs_build() {
  local name="$1" key="$2"
  from_assets "$name" && return 1
  [[ "${ROLEPLANE_BUILD_FORCE:-}" == 1 ]] && return 0
  [[ -x "$bin_dir/$name" && -f "$stamp_dir/$name" && "$(cat "$stamp_dir/$name")" == "$key" ]] && return 1
  return 0
}

# Builds the given "name=package" pairs of one module in one `go build`, so the compiler works on
# all of them in parallel and shares the packages they have in common; then moves them in place
# atomically and writes the stamps last, so an interrupted build is redone next time.
build_module() {
  local mod="$1" ldflags="$2" key="$3"; shift 3
  local tmp names=() pkgs=() pair
  for pair in "$@"; do names+=("${pair%%=*}"); pkgs+=("${pair#*=}"); done
  tmp="$(mktemp -d "$out_dir/.build.XXXXXX")"
  log "building ${names[*]} in $mod ($go_version)"
  local start=$SECONDS
  if ! with_progress "building ${names[*]} (a cold build takes minutes)" \
       in_dir "$mod" go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}"; then
    rm -rf "$tmp"
    die "go build of ${names[*]} failed (module $mod)"
  fi
  local i
  for i in "${!names[@]}"; do
    local built="$tmp/$(basename "${pkgs[$i]}")"
    [[ -x "$built" ]] || { rm -rf "$tmp"; die "go build produced no binary for ${names[$i]} (${pkgs[$i]})"; }
    mv -f "$built" "$bin_dir/${names[$i]}"
    echo "$key" > "$stamp_dir/${names[$i]}"
  done
  rm -rf "$tmp"
  log "built ${names[*]} in $((SECONDS - start))s"
}

k8s_targets=()
declare -A k8s_pkgs=(
  [etcd]=./cmd/etcd
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
)
for name in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  if needs_build "$name" "$k8s_key"; then k8s_targets+=("$name=${k8s_pkgs[$name]}"); fi
done
if (( ${#k8s_targets[@]} > 0 )); then
  build_module "$k8s_mod" "$k8s_ldflags" "$k8s_key" "${k8s_targets[@]}"
fi
if needs_build kwok "$kwok_key"; then
  build_module "$kwok_mod" "$kwok_ldflags" "$kwok_key" "kwok=sigs.k8s.io/kwok/cmd/kwok"
fi

# kwok ships no built-in stages: without a Stage config it refuses to start, and nodes would never
# turn Ready nor pods Running. Gather the defaults that kwokctl uses (node-initialize, heartbeat
# with leases, pod ready/complete/delete) from the pinned kwok module, so they match the binary.
stages_file="$bin_dir/kwok-stages.yaml"
if [[ "${ROLEPLANE_BUILD_FORCE:-}" == 1 || ! -f "$stages_file" || ! -f "$stamp_dir/kwok-stages.yaml" \
      || "$(cat "$stamp_dir/kwok-stages.yaml")" != "$kwok_key" ]]; then
  with_progress "downloading sigs.k8s.io/kwok $kwok_version" in_dir "$kwok_mod" go mod download sigs.k8s.io/kwok \
    || die "cannot download sigs.k8s.io/kwok $kwok_version"
  kwok_src="$(cd "$kwok_mod" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)" \
    || die "cannot locate the source of sigs.k8s.io/kwok $kwok_version in the module cache"
  stage_dir="$kwok_src/kustomize/stage"
  {
    echo "# Default kwok stages from sigs.k8s.io/kwok $kwok_version (kustomize/stage), written by build.sh."
    first=1
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      [[ -f "$stage_dir/$f" ]] || die "kwok $kwok_version has no stage file $f"
      (( first )) || echo "---"
      first=0
      cat "$stage_dir/$f"
    done
  } > "$stages_file.tmp"
  mv -f "$stages_file.tmp" "$stages_file"
  echo "$kwok_key" > "$stamp_dir/kwok-stages.yaml"
fi

all=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)
used_assets=()
for name in "${all[@]}"; do from_assets "$name" && used_assets+=("$name"); done

if (( ${#used_assets[@]} == 0 )); then
  echo "$bin_dir"
  exit 0
fi

# Some binaries come from KUBEBUILDER_ASSETS: gather all six in one directory of symlinks, keyed
# by the assets directory, so callers still get a single bin directory.
assets_abs="$(cd "$assets" && pwd -P)"
merged="$out_dir/envtest-$(echo "$assets_abs" | sha256sum | cut -c1-12)/bin"
mkdir -p "$merged"
for name in "${all[@]}"; do
  if from_assets "$name"; then target="$assets_abs/$name"; else target="$bin_dir/$name"; fi
  ln -sfn "$target" "$merged/$name"
done
ln -sfn "$stages_file" "$merged/kwok-stages.yaml"
log "using ${used_assets[*]} from KUBEBUILDER_ASSETS=$assets_abs"
echo "$merged"
