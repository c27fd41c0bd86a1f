#!/usr/bin/env bash
# Installs what drydock's tests, demo and benchmarks need on a fresh machine, and nothing when it is
# already there: npm packages from the lock file, and Debian packages for the real sshd fleet.
#   ensure-deps.sh            npm packages + openssh-server + sudo
#   ensure-deps.sh --bench    also ansible-core and pssh (the peers the benchmark measures)
#   ensure-deps.sh --kubectl  also a kubectl client (for the API simulator's fidelity tests)
set -euo pipefail
cd "$(dirname "$0")/.."

want_bench=0; want_kubectl=0
for arg in "$@"; do
  case "$arg" in
    --bench) want_bench=1 ;;
    --kubectl) want_kubectl=1 ;;
    *) echo "ensure-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

stamp=node_modules/.drydock-lock-stamp
if [[ ! -d node_modules || ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "ensure-deps: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

# bin/drydock.js runs dist/ when it is newer than src/ (fast start-up); building takes about half a second.
node scripts/build.mjs >/dev/null

apt_updated=0
apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-deps: missing Debian packages ($*) and not root; install them or run as root" >&2
    return 1
  fi
  if [[ $apt_updated -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  echo "ensure-deps: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v sudo >/dev/null || missing+=(sudo)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
if [[ $want_bench -eq 1 ]]; then
  command -v ansible >/dev/null || missing+=(ansible-core)
  command -v parallel-ssh >/dev/null || missing+=(pssh)
  command -v /usr/bin/time >/dev/null || missing+=(time)
fi
if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi

# Debian ships kubectl in the package "kubernetes-client" (bookworm: 1.20.2); there is no Debian package
# named "kubectl". The API simulator's fidelity tests pass with it and with newer kubectl (1.32 checked).
if [[ $want_kubectl -eq 1 ]] && ! command -v kubectl >/dev/null; then
  apt_install kubernetes-client
  command -v kubectl >/dev/null || { echo "ensure-deps: kubernetes-client installed no kubectl" >&2; exit 1; }
fi
# The Debian package enables and starts the machine's own sshd on port 22 when systemd runs; drydock's
# tests use their own sshd processes and never this one.
exit 0
