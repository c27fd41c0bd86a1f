#!/bin/bash
# drydock lab stand-in for kubectl @KUBE_VERSION@: `kubectl version` (client, and the server through the
# kubeconfig). The lab's hosts are driven by drydock from the controller; other subcommands say so.
set -u
VERSION="v@KUBE_VERSION@"
KUSTOMIZE="v5.0.4-0.20230601165947-6ce0bf390ce3"
major=${VERSION#v}; major=${major%%.*}
minor=${VERSION#v*.}; minor=${minor%%.*}
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
client_json() {
  printf '{\n    "major": "%s",\n    "minor": "%s",\n    "gitVersion": "%s",\n    "gitCommit": "drydock-lab-standin",\n    "gitTreeState": "clean",\n    "buildDate": "2024-01-01T00:00:00Z",\n    "goVersion": "go1.22.6",\n    "compiler": "gc",\n    "platform": "linux/%s"\n  }' "$major" "$minor" "$VERSION" "$arch"
}

kubeconfig=${KUBECONFIG:-$HOME/.kube/config}
server_version() {
  [ -f "$kubeconfig" ] || return 1
  local get; get() { sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" "$kubeconfig" | head -n1; }
  local dir; dir=$(mktemp -d)
  get certificate-authority-data | base64 -d > "$dir/ca.crt"
  local auth=()
  if [ -n "$(get token)" ]; then auth=(-H "Authorization: Bearer $(get token)")
  else get client-certificate-data | base64 -d > "$dir/c.crt"; get client-key-data | base64 -d > "$dir/c.key"; auth=(--cert "$dir/c.crt" --key "$dir/c.key"); fi
  curl -sf --max-time 5 --cacert "$dir/ca.crt" "${auth[@]}" "$(get server)/version"
  local rc=$?; rm -rf "$dir"; return $rc
}

cmd_version() {
  local client_only=false output=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --client|--client=true) client_only=true ;;
      -o|--output) output=$2; shift ;;
      -o*) output=${1#-o} ;;
      --output=*) output=${1#*=} ;;
      --kubeconfig) kubeconfig=$2; shift ;;
      --kubeconfig=*) kubeconfig=${1#*=} ;;
      --short) ;;
    esac
    shift
  done
  local server=""
  $client_only || server=$(server_version) || server=""
  case "$output" in
    json)
      printf '{\n  "clientVersion": %s,\n  "kustomizeVersion": "%s"' "$(client_json)" "$KUSTOMIZE"
      [ -n "$server" ] && printf ',\n  "serverVersion": %s' "$server"
      printf '\n}\n' ;;
    yaml)
      printf 'clientVersion:\n  buildDate: "2024-01-01T00:00:00Z"\n  compiler: gc\n  gitCommit: drydock-lab-standin\n  gitTreeState: clean\n  gitVersion: %s\n  goVersion: go1.22.6\n  major: "%s"\n  minor: "%s"\n  platform: linux/%s\nkustomizeVersion: %s\n' "$VERSION" "$major" "$minor" "$arch" "$KUSTOMIZE" ;;
    "")
      echo "Client Version: $VERSION"
      echo "Kustomize Version: $KUSTOMIZE"
      if ! $client_only; then
        if [ -n "$server" ]; then echo "Server Version: $(jq -r .gitVersion <<< "$server")"
        else echo "The connection to the server localhost:8080 was refused - did you specify the right host or port?" >&2; exit 1; fi
      fi ;;
    *) echo "error: --output must be 'yaml' or 'json'" >&2; exit 1 ;;
  esac
}

case "${1:-}" in
  version) shift; cmd_version "$@" ;;
  *) echo "error: the drydock lab's kubectl stand-in implements only \"kubectl version\"; drive the cluster from the controller (drydock, or a real kubectl with the lab's kubeconfig)" >&2; exit 1 ;;
esac
