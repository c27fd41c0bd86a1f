#!/usr/bin/env bash
# Builds the real upstream programs the lab runs, from the Go module proxy, into a cache outside the
# repository, and nothing when they are already there:
#   <cache>/kube/vX.Y.Z/{kube-apiserver,kube-controller-manager,kube-scheduler,kubeadm,kubectl}
#   <cache>/etcd/vA.B.C/{etcd,etcdctl,etcdutl}
# <cache> is $DRYDOCK_KUBE_CACHE (default /var/cache/drydock). Go's own module and build caches are
# used as configured on the machine (GOMODCACHE, GOCACHE), so a rebuild after a lost output is minutes.
#
#   build-kube.sh --kube 1.36.3 [--kube 1.37.2 …] [--etcd 3.6.16 …]
# The lab (src/lab/kube/binaries.ts) passes the versions it runs (src/lab/kube/versions.ts).
#
# k8s.io/kubernetes requires its staging modules (k8s.io/api, …) at v0.0.0 with local replaces that a
# consumer does not inherit, so `go install k8s.io/kubernetes/cmd/...@v1.36.3` fails. A wrapper module per
# version pins each staging module to the matching v0.X.Y tag. The version ldflags are those of upstream's
# hack/lib/version.sh: without them /version says v0.0.0-master and kubeadm refuses to work.
set -euo pipefail

KUBE_PROGRAMS=(kube-apiserver kube-controller-manager kube-scheduler kubeadm kubectl)
CACHE=${DRYDOCK_KUBE_CACHE:-/var/cache/drydock}

KUBE_VERSIONS=(); ETCD_VERSIONS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kube) KUBE_VERSIONS+=("$2"); shift 2 ;;
    --etcd) ETCD_VERSIONS+=("$2"); shift 2 ;;
    *) echo "build-kube: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ ${#KUBE_VERSIONS[@]} -eq 0 && ${#ETCD_VERSIONS[@]} -eq 0 ]]; then
  echo "usage: build-kube.sh --kube X.Y.Z [--kube …] [--etcd A.B.C …]" >&2; exit 2
fi

command -v go >/dev/null || { echo "build-kube: no 'go' on PATH; the lab's Kubernetes is built from the Go module proxy" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

progress() { printf 'build-kube: %s\n' "$*" >&2; }

# The go and godebug lines of a module's go.mod, so the wrapper builds with the same language settings.
module_header() { grep -E '^(go|godebug) ' "$1" || true; }

have_all() { # dir program...
  local dir=$1; shift
  [[ -f $dir/.complete ]] || return 1
  for p in "$@"; do [[ -x $dir/$p ]] || return 1; done
}

# Runs "$@" while printing a line every 30 s, so a cold build (tens of minutes) shows it is alive.
with_heartbeat() {
  local what=$1; shift
  local start=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do sleep 1; kill -0 "$pid" 2>/dev/null || break; done
    kill -0 "$pid" 2>/dev/null && progress "$what: still building ($((SECONDS - start)) s)"
  done
  wait "$pid"
}

build_kube() {
  local v=$1 out=$CACHE/kube/v$1
  if have_all "$out" "${KUBE_PROGRAMS[@]}"; then return 0; fi
  local start=$SECONDS
  progress "Kubernetes v$v: building ${KUBE_PROGRAMS[*]} (cold: tens of minutes on 2 cores; cached afterwards in $out)"
  local src=$CACHE/kube/.wrappers/v$v
  mkdir -p "$src"
  local info
  info=$(cd "$src" && go mod download -json "k8s.io/kubernetes@v$v")
  local gomod date
  gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info")
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "${gomod%.mod}.info")
  local minor=${v#*.}; minor=${minor%%.*}
  {
    echo "module drydock.lab/k8s-v$v"
    echo
    module_header "$gomod"
    echo
    echo "require k8s.io/kubernetes v$v"
    echo
    # One replace per staging module, pinned to the tag of the same release.
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#replace \1 => \1 v0.'"$minor.${v##*.}"'#p' "$gomod"
  } >"$src/go.mod"
  [[ -f $src/main.go ]] || printf 'package main\n\nfunc main() {}\n' >"$src/main.go"
  local pkg=k8s.io/component-base/version cgo=k8s.io/client-go/pkg/version ld=()
  for p in $pkg $cgo; do
    ld+=("-X $p.gitVersion=v$v" "-X $p.gitMajor=1" "-X $p.gitMinor=$minor" "-X $p.gitCommit=module-proxy-v$v"
      "-X $p.gitTreeState=clean" "-X $p.buildDate=$date")
  done
  local tmp=$out.tmp
  rm -rf "$tmp"; mkdir -p "$tmp"
  local targets=()
  for p in "${KUBE_PROGRAMS[@]}"; do targets+=("k8s.io/kubernetes/cmd/$p"); done
  (cd "$src" && with_heartbeat "Kubernetes v$v" go build -trimpath -ldflags "-s -w ${ld[*]}" -o "$tmp/" "${targets[@]}")
  touch "$tmp/.complete"
  rm -rf "$out"; mv "$tmp" "$out"
  progress "Kubernetes v$v: built in $((SECONDS - start)) s ($(du -sh "$out" | cut -f1))"
}

build_etcd() {
  local v=$1 out=$CACHE/etcd/v$1
  if have_all "$out" etcd etcdctl etcdutl; then return 0; fi
  local start=$SECONDS
  progress "etcd v$v: building etcd, etcdctl, etcdutl"
  local src=$CACHE/etcd/.wrappers/v$v
  mkdir -p "$src"
  local info gomod
  info=$(cd "$src" && go mod download -json "go.etcd.io/etcd/server/v3@v$v")
  gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info")
  {
    echo "module drydock.lab/etcd-v$v"
    echo
    module_header "$gomod"
    echo
    echo "require ("
    for m in server etcdctl etcdutl; do echo "  go.etcd.io/etcd/$m/v3 v$v"; done
    echo ")"
  } >"$src/go.mod"
  [[ -f $src/main.go ]] || printf 'package main\n\nfunc main() {}\n' >"$src/main.go"
  local tmp=$out.tmp
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$src" && with_heartbeat "etcd v$v" go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcdctl" go.etcd.io/etcd/etcdctl/v3)
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcdutl" go.etcd.io/etcd/etcdutl/v3)
  touch "$tmp/.complete"
  rm -rf "$out"; mv "$tmp" "$out"
  progress "etcd v$v: built in $((SECONDS - start)) s ($(du -sh "$out" | cut -f1))"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.build-kube.lock"
flock 9
for v in "${ETCD_VERSIONS[@]+"${ETCD_VERSIONS[@]}"}"; do build_etcd "$v"; done
for v in "${KUBE_VERSIONS[@]+"${KUBE_VERSIONS[@]}"}"; do build_kube "$v"; done
