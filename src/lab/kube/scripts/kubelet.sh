#!/bin/bash
# drydock lab stand-in for the kubelet @KUBE_VERSION@: registers this node with the cluster's API server,
# reports its version and Ready every few seconds, and keeps a mirror pod for each static pod manifest,
# as a real kubelet does. It runs no containers.
set -u
VERSION="v@KUBE_VERSION@"
kubeconfig=""
config=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) echo "Kubernetes $VERSION"; exit 0 ;;
    --version=*) [ "${1#*=}" = false ] || { echo "Kubernetes $VERSION"; exit 0; } ;;
    --kubeconfig=*) kubeconfig="${1#*=}" ;;
    --kubeconfig) kubeconfig="$2"; shift ;;
    --config=*) config="${1#*=}" ;;
    --config) config="$2"; shift ;;
    -h|--help) echo "kubelet: the Kubernetes node agent (drydock lab stand-in)"; exit 0 ;;
  esac
  shift
done

log() { echo "kubelet: $*" >&2; }
if [ -n "$config" ] && [ ! -f "$config" ]; then
  log "\"command failed\" err=\"failed to load kubelet config file, path: $config, error: failed to read kubelet config file \\\"$config\\\", error: open $config: no such file or directory\""
  exit 1
fi
if [ -z "$kubeconfig" ] || [ ! -f "$kubeconfig" ]; then
  log "\"command failed\" err=\"failed to run Kubelet: unable to load bootstrap kubeconfig: stat ${kubeconfig:-/etc/kubernetes/bootstrap-kubelet.conf}: no such file or directory\""
  exit 1
fi

field() { sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" "$kubeconfig" | head -n1 | tr -d '"'; }
server=$(field server)
work=$(mktemp -d /run/kubelet-standin.XXXXXX)
trap 'rm -rf "$work"' EXIT
field certificate-authority-data | base64 -d > "$work/ca.crt"
curl_auth=()
if [ -n "$(field token)" ]; then
  curl_auth=(-H "Authorization: Bearer $(field token)")
elif [ -n "$(field client-certificate-data)" ]; then
  field client-certificate-data | base64 -d > "$work/client.crt"
  field client-key-data | base64 -d > "$work/client.key"
  curl_auth=(--cert "$work/client.crt" --key "$work/client.key")
else
  curl_auth=(--cert "$(field client-certificate)" --key "$(field client-key)")
fi

# api METHOD PATH [BODY [CONTENT-TYPE]] → prints the body, returns 0 on 2xx; HTTP code in $http_code.
api() {
  local method=$1 path=$2 body=${3:-} type=${4:-application/json} out
  out=$(curl -sS --max-time 8 --cacert "$work/ca.crt" "${curl_auth[@]}" -X "$method" -H "Content-Type: $type" \
    -H 'Accept: application/json' ${body:+--data-binary "$body"} -w '\n%{http_code}' "$server$path" 2>&1)
  http_code=${out##*$'\n'}
  printf '%s' "${out%$'\n'*}"
  [[ "$http_code" == 2* ]]
}

node=$(hostname)
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
address=$(ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
os_image=$(. /etc/os-release && echo "$PRETTY_NAME")
control_plane=false
[ -f /etc/kubernetes/manifests/kube-apiserver.yaml ] && control_plane=true

node_info() {
  jq -n --arg v "$VERSION" --arg os "$os_image" --arg kernel "$(uname -r)" --arg arch "$arch" \
    --arg machine "$(cat /etc/machine-id)" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \
    '{kubeletVersion:$v, kubeProxyVersion:$v, containerRuntimeVersion:"containerd://1.7.22", osImage:$os,
      kernelVersion:$kernel, operatingSystem:"linux", architecture:$arch, machineID:$machine, systemUUID:$machine, bootID:$boot}'
}

register() {
  api GET "/api/v1/nodes/$node" >/dev/null && return 0
  [ "$http_code" = 404 ] || { log "cannot reach the API server at $server (HTTP $http_code)"; return 1; }
  local labels taints body
  labels=$(jq -n --arg n "$node" --arg a "$arch" --argjson cp "$control_plane" \
    '{"kubernetes.io/hostname":$n, "kubernetes.io/os":"linux", "kubernetes.io/arch":$a, "beta.kubernetes.io/os":"linux", "beta.kubernetes.io/arch":$a}
     + (if $cp then {"node-role.kubernetes.io/control-plane":"", "node.kubernetes.io/exclude-from-external-load-balancers":""} else {} end)')
  taints='[]'
  $control_plane && taints='[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]'
  body=$(jq -n --arg n "$node" --argjson labels "$labels" --argjson taints "$taints" \
    '{apiVersion:"v1", kind:"Node", metadata:{name:$n, labels:$labels,
      annotations:{"kubeadm.alpha.kubernetes.io/cri-socket":"unix:///var/run/containerd/containerd.sock", "volumes.kubernetes.io/controller-managed-attach-detach":"true"}},
      spec:(if ($taints|length) > 0 then {taints:$taints} else {} end)}')
  api POST /api/v1/nodes "$body" >/dev/null || { log "registering node $node failed (HTTP $http_code)"; return 1; }
  log "successfully registered node $node"
}

# The status patch is rendered once; each heartbeat only stamps the time into it.
status_template() {
  jq -cn --arg ip "$address" --arg n "$node" --argjson info "$(node_info)" --argjson first "$1" '
    {status:{
      conditions:[{type:"Ready", status:"True", reason:"KubeletReady", message:"kubelet is posting ready status", lastHeartbeatTime:"@NOW@"}
        + (if $first then {lastTransitionTime:"@NOW@"} else {} end)],
      addresses:[{type:"InternalIP", address:$ip}, {type:"Hostname", address:$n}],
      nodeInfo:$info,
      capacity:{cpu:"2", memory:"4016084Ki", pods:"110", "ephemeral-storage":"30830320Ki"},
      allocatable:{cpu:"2", memory:"3913684Ki", pods:"110", "ephemeral-storage":"28412957554"}}}'
}
post_status() { # TEMPLATE
  local t; t=$(now)
  api PATCH "/api/v1/nodes/$node/status" "${1//@NOW@/$t}" application/strategic-merge-patch+json >/dev/null
}

# The node lease in kube-node-lease, renewed with each status post as the kubelet's lease controller does.
renew_lease() {
  local path=/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases t body
  t=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  api PATCH "$path/$node" "{\"spec\":{\"holderIdentity\":\"$node\",\"renewTime\":\"$t\"}}" application/merge-patch+json >/dev/null && return 0
  [ "$http_code" = 404 ] || return 1
  local uid; uid=$(api GET "/api/v1/nodes/$node" | jq -r '.metadata.uid // empty' 2>/dev/null)
  body=$(jq -cn --arg n "$node" --arg t "$t" --arg uid "$uid" '{apiVersion:"coordination.k8s.io/v1", kind:"Lease",
    metadata:({name:$n, namespace:"kube-node-lease"} + (if $uid != "" then {ownerReferences:[{apiVersion:"v1", kind:"Node", name:$n, uid:$uid}]} else {} end)),
    spec:{holderIdentity:$n, leaseDurationSeconds:40, renewTime:$t}}')
  api POST "$path" "$body" >/dev/null
}

# etcd is the one static pod the lab really runs (Debian's etcd unit stands in for its container): like the
# kubelet with a container, it is stopped when etcd.yaml leaves the manifest folder and started when it is back.
etcd_unit=false
[ "$(systemctl is-enabled etcd 2>/dev/null)" = enabled ] && etcd_unit=true
etcd_container() { # present|absent → 0 when etcd is in that state
  $etcd_unit || return 0
  if [ "$1" = present ]; then
    # Not blocking on the start keeps node status flowing; the mirror pod follows once etcd is active.
    case "$(systemctl is-active etcd 2>/dev/null)" in
      active) return 0 ;;
      activating) return 1 ;;
    esac
    log "starting the etcd container (etcd.yaml is in /etc/kubernetes/manifests)"
    systemctl start --no-block etcd || log "etcd did not start"
    return 1
  else
    systemctl is-active --quiet etcd || return 0
    log "stopping the etcd container (etcd.yaml left /etc/kubernetes/manifests)"
    systemctl stop etcd
  fi
}

# One mirror pod per static pod manifest, named <name>-<node>; replaced when the manifest changes.
sync_mirror_pods() {
  local node_uid="" manifest name hash image component current wanted=" " listing mirrors failed=0
  # One list of this node's mirror pods ("name hash" lines) serves every manifest, so a manifest moved out
  # or back is acted on within a second or so.
  listing=$(api GET "/api/v1/namespaces/kube-system/pods?fieldSelector=spec.nodeName%3D$node") || return 1
  mirrors=$(jq -r '.items[]? | select(.metadata.annotations["kubernetes.io/config.mirror"] != null)
    | "\(.metadata.name) \(.metadata.annotations["kubernetes.io/config.mirror"])"' <<< "$listing" 2>/dev/null) || return 1
  local -a manifests=()
  for manifest in /etc/kubernetes/manifests/*.yaml; do
    [ -f "$manifest" ] || continue
    name=$(sed -n '/^metadata:/,/^[a-z]/s/^  name:[[:space:]]*//p' "$manifest" | head -n1)
    [ -n "$name" ] || continue
    wanted+="$name-$node "
    manifests+=("$manifest")
  done
  # A pod whose manifest is gone is stopped, then its mirror pod deleted.
  [[ "$wanted" == *" etcd-$node "* ]] || etcd_container absent
  while read -r name current; do
    [ -n "$name" ] || continue
    [[ "$wanted" == *" $name "* ]] && continue
    api DELETE "/api/v1/namespaces/kube-system/pods/$name?gracePeriodSeconds=0" >/dev/null && log "deleted mirror pod kube-system/$name"
  done <<< "$mirrors"
  for manifest in "${manifests[@]}"; do
    name=$(sed -n '/^metadata:/,/^[a-z]/s/^  name:[[:space:]]*//p' "$manifest" | head -n1)
    component=$(sed -n 's/^[[:space:]]*component:[[:space:]]*//p' "$manifest" | head -n1)
    image=$(sed -n 's/^[[:space:]]*image:[[:space:]]*//p' "$manifest" | head -n1)
    [ -n "$image" ] || continue
    hash=$(md5sum "$manifest" | cut -c1-32)
    if [ "$name" = etcd ] && ! etcd_container present; then failed=1; continue; fi
    current=$(awk -v n="$name-$node" '$1 == n { print $2 }' <<< "$mirrors")
    [ "$current" = "$hash" ] && continue
    if [ -z "$node_uid" ]; then
      node_uid=$(api GET "/api/v1/nodes/$node" | jq -r '.metadata.uid // empty' 2>/dev/null)
      [ -n "$node_uid" ] || return 1
    fi
    if [ -n "$current" ]; then
      api DELETE "/api/v1/namespaces/kube-system/pods/$name-$node?gracePeriodSeconds=0" >/dev/null
    fi
    local command body
    command=$(sed -n 's/^[[:space:]]*- \(--.*\)$/\1/p' "$manifest" | jq -R . | jq -s .)
    body=$(jq -n --arg name "$name-$node" --arg c "$name" --arg comp "${component:-$name}" --arg image "$image" --arg hash "$hash" \
      --arg node "$node" --arg uid "$node_uid" --arg seen "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" --argjson command "$command" '
      {apiVersion:"v1", kind:"Pod", metadata:{name:$name, namespace:"kube-system",
        labels:{component:$comp, tier:"control-plane"},
        annotations:{"kubernetes.io/config.mirror":$hash, "kubernetes.io/config.hash":$hash, "kubernetes.io/config.seen":$seen, "kubernetes.io/config.source":"file"},
        ownerReferences:[{apiVersion:"v1", kind:"Node", name:$node, uid:$uid, controller:true}]},
       spec:{nodeName:$node, hostNetwork:true, priorityClassName:"system-node-critical", priority:2000001000,
        containers:[{name:$c, image:$image, command:([$c] + $command), imagePullPolicy:"IfNotPresent"}],
        tolerations:[{operator:"Exists", effect:"NoExecute"}]}}')
    if api POST /api/v1/namespaces/kube-system/pods "$body" >/dev/null; then
      log "created mirror pod kube-system/$name-$node ($image)"
    else
      log "creating mirror pod kube-system/$name-$node failed (HTTP $http_code)"
      failed=1
    fi
  done
  return $failed
}

log "starting kubelet $VERSION on node $node (API server $server)"
first_status=$(status_template true)
next_status=$(status_template false)
period=${DRYDOCK_KUBELET_STATUS_SECONDS:-10}
registered=false
ready=false
last_status=-1000
last_sync=-1000
synced_manifests=""
# The lab's hang-kubelet fault: while this file exists the kubelet stays up but posts no node status.
hang_flag=/var/lib/kubelet/drydock-fault-hang
hung=false
while :; do
  if [ -e "$hang_flag" ]; then
    $hung || log "hang fault ($hang_flag): no longer posting node status"
    hung=true; sleep 2; continue
  fi
  if $hung; then log "hang fault removed: posting node status again"; hung=false; last_status=-1000; fi
  if ! $registered; then register && registered=true; fi
  if $registered && [ $((SECONDS - last_status)) -ge "$period" ]; then
    if post_status "$($ready && echo "$next_status" || echo "$first_status")"; then
      $ready || log "node $node is Ready, reporting kubelet $VERSION"
      ready=true
      last_status=$SECONDS
      renew_lease || log "renewing the node lease failed (HTTP $http_code)"
    elif [ "${http_code:-}" = 404 ]; then
      registered=false; ready=false
    fi
  fi
  # The manifest folder is checked every second (a real kubelet's fileCheckFrequency is 20 s; the lab keeps
  # static pod restarts short), and fully resynced every minute.
  manifests=$(cat /etc/kubernetes/manifests/*.yaml 2>/dev/null | md5sum)
  if $ready && { [ "$manifests" != "$synced_manifests" ] || [ $((SECONDS - last_sync)) -ge 60 ]; }; then
    sync_mirror_pods && synced_manifests=$manifests && last_sync=$SECONDS
  fi
  sleep "${DRYDOCK_KUBELET_FILE_CHECK_SECONDS:-1}"
done
