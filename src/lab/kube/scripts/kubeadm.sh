#!/bin/bash
# drydock lab stand-in for kubeadm @KUBE_VERSION@: version, upgrade plan|apply|node, certs
# check-expiration|renew, acting on this host's real files (/etc/kubernetes/manifests, pki, *.conf) the way
# kubeadm does. Control-plane components are mirrored into the API by the kubelet from those manifests.
set -u
VERSION="v@KUBE_VERSION@"
ETCD_TAG="@ETCD_TAG@"
COREDNS_TAG="@COREDNS_TAG@"
K8S=/etc/kubernetes
PKI=$K8S/pki
MANIFESTS=$K8S/manifests
COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler"

minor() { local v=${1#v}; echo "${v%.*}"; }
minor_num() { local m; m=$(minor "$1"); echo "${m#*.}"; }
version_lt() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${1#v}" ]; }
fatal() { echo "$*" >&2; echo "To see the stack trace of this error execute with --v=5 or higher" >&2; exit 1; }
stamp() { date -u +%Y-%m-%d-%H-%M-%S; }
cluster_version() { sed -n 's#^[[:space:]]*image:[[:space:]]*[^[:space:]]*/kube-apiserver:\(v[0-9.]*\).*#\1#p' "$MANIFESTS/kube-apiserver.yaml" 2>/dev/null | head -n1; }

cmd_version() {
  local output=""
  while [ $# -gt 0 ]; do
    case "$1" in -o|--output) output=$2; shift ;; -o*) output=${1#-o} ;; --output=*) output=${1#*=} ;; esac
    shift
  done
  local m=${VERSION#v}; m=${m%%.*}; local n; n=$(minor_num "$VERSION")
  case "$output" in
    short) echo "$VERSION" ;;
    json) printf '{\n  "clientVersion": {\n    "major": "%s",\n    "minor": "%s",\n    "gitVersion": "%s",\n    "gitCommit": "drydock-lab-standin",\n    "gitTreeState": "clean",\n    "buildDate": "2024-01-01T00:00:00Z",\n    "goVersion": "go1.22.6",\n    "compiler": "gc",\n    "platform": "linux/%s"\n  }\n}\n' "$m" "$n" "$VERSION" "$(dpkg --print-architecture)" ;;
    yaml) printf 'clientVersion:\n  buildDate: "2024-01-01T00:00:00Z"\n  compiler: gc\n  gitCommit: drydock-lab-standin\n  gitTreeState: clean\n  gitVersion: %s\n  goVersion: go1.22.6\n  major: "%s"\n  minor: "%s"\n  platform: linux/%s\n' "$VERSION" "$m" "$n" "$(dpkg --print-architecture)" ;;
    "") echo "kubeadm version: &version.Info{Major:\"$m\", Minor:\"$n\", GitVersion:\"$VERSION\", GitCommit:\"drydock-lab-standin\", GitTreeState:\"clean\", BuildDate:\"2024-01-01T00:00:00Z\", GoVersion:\"go1.22.6\", Compiler:\"gc\", Platform:\"linux/$(dpkg --print-architecture)\"}" ;;
    *) fatal "error: invalid output format: $output" ;;
  esac
}

# --- talking to the API server with admin.conf, as kubeadm does ---
api_setup() {
  local conf=$K8S/admin.conf
  [ -f "$conf" ] || fatal "couldn't create a Kubernetes client from file \"$conf\": failed to load admin kubeconfig: open $conf: no such file or directory"
  API_DIR=$(mktemp -d); trap 'rm -rf "$API_DIR"' EXIT
  local get; get() { sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" "$conf" | head -n1; }
  API_SERVER=$(get server)
  get certificate-authority-data | base64 -d > "$API_DIR/ca.crt"
  get client-certificate-data | base64 -d > "$API_DIR/c.crt"
  get client-key-data | base64 -d > "$API_DIR/c.key"
}
api_get() { curl -sf --max-time 8 --cacert "$API_DIR/ca.crt" --cert "$API_DIR/c.crt" --key "$API_DIR/c.key" "$API_SERVER$1"; }

preflight_cluster() {
  echo "[preflight] Running pre-flight checks."
  echo "[upgrade/config] Reading configuration from the cluster..."
  echo "[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"
  api_setup
  api_get /healthz >/dev/null || api_get /version >/dev/null ||
    fatal "[upgrade/health] FATAL: the API server at $API_SERVER is not reachable or not healthy"
  echo "[upgrade] Running cluster health checks"
  CURRENT=$(cluster_version)
  [ -n "$CURRENT" ] || fatal "[upgrade/config] FATAL: this node has no $MANIFESTS/kube-apiserver.yaml; run kubeadm upgrade apply on a control-plane node"
}

# kubeadm's version policy (phases/upgrade/policy.go): MANDATORY errors stop it; SKIPPABLE ones yield to --force.
version_policy() { # target current → sets MANDATORY and SKIPPABLE
  local target=$1 current=$2
  MANDATORY=""; SKIPPABLE=""
  if ! [[ "$target" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then MANDATORY="	- Specified version \"$target\" is not a valid version"$'\n'; return; fi
  local t c k
  t=$(minor_num "$target"); c=$(minor_num "$current"); k=$(minor_num "$VERSION")
  if [ "$t" -gt $((c + 1)) ]; then
    MANDATORY+="	- Specified version to upgrade to \"$target\" is too high; kubeadm can upgrade only 1 minor version at a time"$'\n'
  fi
  if [ "$t" -lt $((c - 1)) ]; then
    MANDATORY+="	- Specified version to downgrade to \"$target\" is too low; kubeadm can downgrade only 1 minor version at a time"$'\n'
  fi
  if version_lt "$VERSION" "$target"; then
    local msg="	- Specified version to upgrade to \"$target\" is higher than the kubeadm version \"$VERSION\". Upgrade kubeadm first using the tool you used to install kubeadm"$'\n'
    if [ "$t" = "$k" ]; then SKIPPABLE+=$msg; else MANDATORY+=$msg; fi
  fi
  if [ "$t" -lt "$k" ]; then
    SKIPPABLE+="	- Kubeadm version $VERSION can only be used to upgrade to Kubernetes version v$(minor "$VERSION")"$'\n'
  fi
  if version_lt "$target" "$current"; then
    SKIPPABLE+="	- Specified version to downgrade to \"$target\" is lower than the cluster version \"$current\"; downgrades are not supported"$'\n'
  fi
}

# Prints kubeadm's verdict on the target and exits unless it may go on.
enforce_version_policy() { # target current force
  version_policy "$1" "$2"
  if [ -n "$MANDATORY" ]; then
    { echo "[upgrade/version] FATAL: the --version argument is invalid due to these fatal errors:"; echo; printf '%s' "$MANDATORY"; echo;
      echo "Please fix the misalignments highlighted above and try upgrading again"; } >&2
    fatal "error execution phase preflight: the --version argument is invalid"
  fi
  if [ -n "$SKIPPABLE" ]; then
    if [ "$3" = true ]; then
      { echo "[upgrade/version] Found 1 potential version compatibility errors but skipping since the --force flag is set:"; echo; printf '%s' "$SKIPPABLE"; } >&2
    else
      { echo "[upgrade/version] FATAL: the --version argument is invalid due to these errors:"; echo; printf '%s' "$SKIPPABLE"; echo;
        echo "Can be bypassed if you pass the --force flag"; } >&2
      fatal "error execution phase preflight: the --version argument is invalid"
    fi
  fi
}

cmd_upgrade_plan() {
  local target=""
  for arg in "$@"; do case "$arg" in v[0-9]*|[0-9]*) target=$arg ;; esac; done
  preflight_cluster
  echo "[upgrade] Fetching available versions to upgrade to"
  if [ -z "$target" ]; then
    echo "W$(date -u +%m%d\ %H:%M:%S.%6N) $$ version.go:104] could not fetch a Kubernetes version from the internet: unable to get URL \"https://dl.k8s.io/release/stable.txt\": Get \"https://dl.k8s.io/release/stable.txt\": dial tcp: lookup dl.k8s.io on [::1]:53: read udp [::1]:53: connection refused" >&2
    echo "W$(date -u +%m%d\ %H:%M:%S.%6N) $$ version.go:105] falling back to the local client version: $VERSION" >&2
    target=$VERSION
  fi
  [[ "$target" == v* ]] || target=v$target
  echo "[upgrade/versions] Cluster version: $CURRENT"
  echo "[upgrade/versions] kubeadm version: $VERSION"
  echo "[upgrade/versions] Target version: $target"
  echo "[upgrade/versions] Latest version in the v$(minor "$CURRENT") series: $CURRENT"
  echo
  if ! version_lt "$CURRENT" "$target"; then
    echo "Awesome, you're up-to-date! Enjoy!"
    return 0
  fi
  local kubelets
  kubelets=$(api_get /api/v1/nodes | jq -r '.items[].status.nodeInfo.kubeletVersion' | sort | uniq -c)
  echo "Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':"
  printf '%-12s%-15s%s\n' COMPONENT CURRENT TARGET
  local label=kubelet
  while read -r count version; do
    [ -n "$version" ] && printf '%-12s%-15s%s\n' "$label" "$count x $version" "$target" && label=""
  done <<< "$kubelets"
  echo
  local current_etcd
  current_etcd=$(sed -n 's#^[[:space:]]*image:[[:space:]]*[^[:space:]]*/etcd:\([^[:space:]]*\)#\1#p' "$MANIFESTS/etcd.yaml" 2>/dev/null | head -n1)
  echo "Upgrade to the latest version in the v$(minor "$target") series:"
  echo
  printf '%-26s%-11s%s\n' COMPONENT CURRENT TARGET
  for c in $COMPONENTS kube-proxy; do printf '%-26s%-11s%s\n' "$c" "$CURRENT" "$target"; done
  printf '%-26s%-11s%s\n' CoreDNS "?" "$COREDNS_TAG"
  [ -n "$current_etcd" ] && printf '%-26s%-11s%s\n' etcd "$current_etcd" "$ETCD_TAG"
  echo
  echo "You can now apply the upgrade by executing the following command:"
  echo
  printf '\tkubeadm upgrade apply %s\n' "$target"
  echo
  echo "_____________________________________________________________________"
  echo
}

# Rewrites the control-plane manifests on this node to $1, backing the old ones up as kubeadm does.
upgrade_static_pods() {
  local target=$1 backup changed=""
  backup=$K8S/tmp/kubeadm-backup-manifests-$(stamp)
  mkdir -p "$backup"
  echo "[upgrade/staticpods] Writing new Static Pod manifests to \"$K8S/tmp/kubeadm-upgraded-manifests$RANDOM\""
  for c in $COMPONENTS etcd; do
    local file=$MANIFESTS/$c.yaml
    [ -f "$file" ] || continue
    local before after
    before=$(sed -n 's#^[[:space:]]*image:[[:space:]]*##p' "$file" | head -n1)
    if [ "$c" = etcd ]; then
      [ "${ETCD_UPGRADE:-true}" = true ] || continue
      local have=${before##*:}
      version_lt "$have" "$ETCD_TAG" || continue
      after=${before%:*}:$ETCD_TAG
    else
      after=${before%:*}:$target
    fi
    [ "$before" = "$after" ] && continue
    echo "[upgrade/staticpods] Preparing for \"$c\" upgrade"
    cp -p "$file" "$backup/$c.yaml"
    sed -i "s#image: $before#image: $after#" "$file"
    echo "[upgrade/staticpods] Moved new manifest to \"$file\" and backed up old manifest to \"$backup/$c.yaml\""
    changed+="$c-$(hostname)=$after "
  done
  [ -n "$changed" ] || { rmdir "$backup" 2>/dev/null; echo "[upgrade/staticpods] Current and new manifests are the same, skipping"; return 0; }
  echo "[upgrade/staticpods] Waiting for the kubelet to restart the component"
  echo "[upgrade/staticpods] This can take up to 5m0s"
  api_setup_quiet
  local deadline=$(( $(date +%s) + ${DRYDOCK_KUBEADM_WAIT_SECONDS:-300} ))
  for item in $changed; do
    local pod=${item%%=*} image=${item#*=}
    until [ "$(api_get "/api/v1/namespaces/kube-system/pods/$pod" | jq -r '.spec.containers[0].image' 2>/dev/null)" = "$image" ]; do
      if [ "$(date +%s)" -gt "$deadline" ]; then
        cp -p "$backup"/*.yaml "$MANIFESTS/"
        fatal "[upgrade/apply] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: static Pod hash for component ${pod%-*} on Node $(hostname) did not change after 5m0s: timed out waiting for the condition"
      fi
      sleep 1
    done
    echo "[apiclient] Found 1 Pods for label selector component=${pod%-$(hostname)}"
    echo "[upgrade/staticpods] Component \"${pod%-$(hostname)}\" upgraded successfully!"
  done
}
api_setup_quiet() { [ -n "${API_SERVER:-}" ] || api_setup; }

write_kubelet_config() {
  local config=/var/lib/kubelet/config.yaml backup
  [ -f "$config" ] || return 0
  backup=$K8S/tmp/kubeadm-kubelet-config-$(stamp)
  mkdir -p "$backup" && cp -p "$config" "$backup/config.yaml"
  echo "[upgrade] Backing up kubelet config file to $backup/config.yaml"
  echo "[kubelet-start] Writing kubelet configuration to file \"$config\""
}

cmd_upgrade_apply() {
  local target="" yes=false force=false renew=true
  ETCD_UPGRADE=true
  while [ $# -gt 0 ]; do
    case "$1" in
      -y|--yes) yes=true ;;
      -f|--force) yes=true; force=true ;;
      --certificate-renewal=false) renew=false ;;
      --etcd-upgrade=false) ETCD_UPGRADE=false ;;
      --config|--kubeconfig|--patches|--ignore-preflight-errors) shift ;;
      v[0-9]*|[0-9]*) target=$1 ;;
      --*) ;;
    esac
    shift
  done
  [ -n "$target" ] || fatal "[upgrade/version] FATAL: missing one or more required arguments. Required arguments: [version]"
  [[ "$target" == v* ]] || target=v$target
  preflight_cluster
  echo "[upgrade/version] You have chosen to change the cluster version to \"$target\""
  echo "[upgrade/versions] Cluster version: $CURRENT"
  echo "[upgrade/versions] kubeadm version: $VERSION"
  enforce_version_policy "$target" "$CURRENT" "$force"
  if [ "$yes" != true ]; then
    printf '[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: '
    local answer=""; read -r answer || true
    [[ "$answer" =~ ^[yY] ]] || fatal "won't proceed; the user didn't answer (Y|y) in order to continue"
  fi
  echo "[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster"
  echo "[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"$target\" (timeout: 5m0s)..."
  [ "$renew" = true ] && renew_all quiet
  upgrade_static_pods "$target"
  echo "[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace"
  write_kubelet_config
  echo "[addons] Applied essential addon: CoreDNS"
  echo "[addons] Applied essential addon: kube-proxy"
  echo
  echo "[upgrade/successful] SUCCESS! Your cluster was upgraded to \"$target\". Enjoy!"
  echo
  echo "[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so."
}

cmd_upgrade_node() {
  local renew=true
  for arg in "$@"; do [ "$arg" = --certificate-renewal=false ] && renew=false; done
  echo "[upgrade] Reading configuration from the cluster..."
  echo "[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"
  echo "[preflight] Running pre-flight checks"
  if [ -f "$MANIFESTS/kube-apiserver.yaml" ]; then
    local current; current=$(cluster_version)
    enforce_version_policy "$VERSION" "$current" false
    echo "[upgrade] Upgrading your Static Pod-hosted control plane instance to version \"$VERSION\"..."
    [ "$renew" = true ] && renew_all quiet
    upgrade_static_pods "$VERSION"
    echo "[upgrade] The control plane instance for this node was successfully updated!"
  else
    echo "[preflight] Skipping prepull. Not a control plane node."
    echo "[upgrade] Skipping phase. Not a control plane node."
  fi
  write_kubelet_config
  echo "[upgrade] The configuration for this node was successfully updated!"
  echo "[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager."
}

# --- certificates ---
# name|file (relative to /etc/kubernetes)|ca
CERTS="admin.conf|admin.conf|ca
apiserver|pki/apiserver.crt|ca
apiserver-etcd-client|pki/apiserver-etcd-client.crt|etcd-ca
apiserver-kubelet-client|pki/apiserver-kubelet-client.crt|ca
controller-manager.conf|controller-manager.conf|ca
etcd-healthcheck-client|pki/etcd/healthcheck-client.crt|etcd-ca
etcd-peer|pki/etcd/peer.crt|etcd-ca
etcd-server|pki/etcd/server.crt|etcd-ca
front-proxy-client|pki/front-proxy-client.crt|front-proxy-ca
scheduler.conf|scheduler.conf|ca"
[ "$(minor_num "$VERSION")" -ge 29 ] && CERTS+=$'\n'"super-admin.conf|super-admin.conf|ca"
CAS="ca|pki/ca.crt
etcd-ca|pki/etcd/ca.crt
front-proxy-ca|pki/front-proxy-ca.crt"

# Prints the PEM certificate of an entry (a kubeconfig's embedded client certificate for .conf files).
cert_pem() {
  local file=$K8S/$1
  [ -f "$file" ] || return 1
  if [[ "$file" == *.conf ]]; then
    sed -n 's/^[[:space:]]*client-certificate-data:[[:space:]]*//p' "$file" | head -n1 | base64 -d
  else
    cat "$file"
  fi
}

residual() {
  local s=$1
  if [ "$s" -lt -1 ]; then echo "<invalid>"
  elif [ "$s" -lt 0 ]; then echo "0s"
  elif [ "$s" -lt 60 ]; then echo "${s}s"
  elif [ $((s / 60)) -lt 60 ]; then echo "$((s / 60))m"
  elif [ $((s / 3600)) -lt 24 ]; then echo "$((s / 3600))h"
  elif [ $((s / 3600)) -lt $((24 * 365)) ]; then echo "$((s / 86400))d"
  else echo "$((s / 86400 / 365))y"; fi
}

expiry_row() { # pem → "EXPIRES|RESIDUAL"
  local end epoch
  end=$(openssl x509 -noout -enddate 2>/dev/null <<< "$1" | cut -d= -f2) || return 1
  epoch=$(date -u -d "$end" +%s)
  echo "$(date -u -d "$end" '+%b %d, %Y %H:%M UTC')|$(residual $((epoch - $(date +%s))))"
}

# JSON item of output.kubeadm.k8s.io/v1alpha3 Certificate for one PEM (empty: missing).
cert_json() { # name ca pem
  local name=$1 ca=$2 pem=$3 end epoch
  if [ -z "$pem" ]; then
    jq -cn --arg n "$name" --arg ca "$ca" '{name:$n, expirationDate:null, residualTime:0, externallyManaged:false} + (if $ca == "" then {} else {caName:$ca} end) + {missing:true}'
    return
  fi
  end=$(openssl x509 -noout -enddate <<< "$pem" | cut -d= -f2)
  epoch=$(date -u -d "$end" +%s)
  jq -cn --arg n "$name" --arg ca "$ca" --arg d "$(date -u -d "$end" +%Y-%m-%dT%H:%M:%SZ)" --argjson r $((epoch - $(date +%s))) \
    '{name:$n, expirationDate:$d, residualTime:$r, externallyManaged:false} + (if $ca == "" then {} else {caName:$ca} end) + {missing:false}'
}

cmd_certs_check_expiration() {
  local output="" name file ca pem row
  while [ $# -gt 0 ]; do
    case "$1" in -o|--output) output=$2; shift ;; -o*) output=${1#-o} ;; --output=*) output=${1#*=} ;; esac
    shift
  done
  if [ "$output" = json ]; then
    local certs="" cas=""
    while IFS='|' read -r name file ca; do certs+="$(cert_json "$name" "$ca" "$(cert_pem "$file" 2>/dev/null)")"$'\n'; done <<< "$CERTS"
    while IFS='|' read -r name file; do cas+="$(cert_json "$name" "" "$(cert_pem "$file" 2>/dev/null)")"$'\n'; done <<< "$CAS"
    jq -n --argjson certs "$(jq -s . <<< "$certs")" --argjson cas "$(jq -s . <<< "$cas")" \
      '{kind:"CertificateExpirationInfo", apiVersion:"output.kubeadm.k8s.io/v1alpha3", certificates:$certs, certificateAuthorities:$cas}'
    return
  fi
  [ -z "$output" ] || fatal "error: invalid output format: \"$output\". Supported formats: json"
  echo "[check-expiration] Reading configuration from the cluster..."
  echo "[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"
  echo
  printf '%-27s%-25s%-16s%-24s%s\n' CERTIFICATE EXPIRES "RESIDUAL TIME" "CERTIFICATE AUTHORITY" "EXTERNALLY MANAGED"
  while IFS='|' read -r name file ca; do
    if ! pem=$(cert_pem "$file") || [ -z "$pem" ]; then echo "!MISSING! $name"; continue; fi
    row=$(expiry_row "$pem")
    printf '%-27s%-25s%-16s%-24s%s\n' "$name" "${row%|*}" "${row#*|}" "$ca" no
  done <<< "$CERTS"
  echo
  printf '%-24s%-25s%-16s%s\n' "CERTIFICATE AUTHORITY" EXPIRES "RESIDUAL TIME" "EXTERNALLY MANAGED"
  while IFS='|' read -r name file; do
    if ! pem=$(cert_pem "$file"); then echo "!MISSING! $name"; continue; fi
    row=$(expiry_row "$pem")
    printf '%-24s%-25s%-16s%s\n' "$name" "${row%|*}" "${row#*|}" no
  done <<< "$CAS"
}

# Re-signs a certificate with its CA for one year, keeping its key, subject and extensions.
resign() { # cert key ca_crt ca_key → new PEM on stdout
  local req; req=$(mktemp)
  openssl x509 -x509toreq -in "$1" -signkey "$2" -copy_extensions copyall -out "$req" 2>/dev/null &&
    openssl x509 -req -in "$req" -CA "$3" -CAkey "$4" -set_serial "0x$(openssl rand -hex 8)" -days 365 -sha256 \
      -copy_extensions copyall 2>/dev/null
  local rc=$?; rm -f "$req"; return $rc
}

renew_one() { # name file ca → 0 renewed, 1 failed
  local name=$1 file=$K8S/$2 ca=$3 ca_crt ca_key
  ca_crt=$K8S/$(sed -n "s/^$ca|//p" <<< "$CAS"); ca_key=${ca_crt%.crt}.key
  [ -f "$file" ] || return 2
  [ -f "$ca_key" ] || { echo "error: failed to renew $name: the CA key $ca_key is missing (externally managed CA)" >&2; return 1; }
  local tmp; tmp=$(mktemp -d)
  if [[ "$file" == *.conf ]]; then
    sed -n 's/^[[:space:]]*client-certificate-data:[[:space:]]*//p' "$file" | head -n1 | base64 -d > "$tmp/c.crt"
    sed -n 's/^[[:space:]]*client-key-data:[[:space:]]*//p' "$file" | head -n1 | base64 -d > "$tmp/c.key"
    resign "$tmp/c.crt" "$tmp/c.key" "$ca_crt" "$ca_key" > "$tmp/new.crt" || { rm -rf "$tmp"; return 1; }
    sed -i "s#^\([[:space:]]*client-certificate-data:\).*#\1 $(base64 -w0 < "$tmp/new.crt")#" "$file"
  else
    resign "$file" "${file%.crt}.key" "$ca_crt" "$ca_key" > "$tmp/new.crt" || { rm -rf "$tmp"; return 1; }
    cat "$tmp/new.crt" > "$file"
  fi
  rm -rf "$tmp"
}

# What kubeadm calls each certificate when it reports renewing it.
renewed_line() {
  case "$1" in
    admin.conf) echo "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed" ;;
    apiserver) echo "certificate for serving the Kubernetes API renewed" ;;
    apiserver-etcd-client) echo "certificate the apiserver uses to access etcd renewed" ;;
    apiserver-kubelet-client) echo "certificate for the API server to connect to kubelet renewed" ;;
    controller-manager.conf) echo "certificate embedded in the kubeconfig file for the controller manager to use renewed" ;;
    etcd-healthcheck-client) echo "certificate for liveness probes to healthcheck etcd renewed" ;;
    etcd-peer) echo "certificate for etcd nodes to communicate with each other renewed" ;;
    etcd-server) echo "certificate for serving etcd renewed" ;;
    front-proxy-client) echo "certificate for the front proxy client renewed" ;;
    scheduler.conf) echo "certificate embedded in the kubeconfig file for the scheduler manager to use renewed" ;;
    super-admin.conf) echo "certificate embedded in the kubeconfig file for the super-admin renewed" ;;
    *) echo "certificate for $1 renewed" ;;
  esac
}

renew_all() {
  local quiet=${1:-} name file ca rc
  [ -z "$quiet" ] && { echo "[renew] Reading configuration from the cluster..."; echo "[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'"; echo; }
  while IFS='|' read -r name file ca; do
    renew_one "$name" "$file" "$ca"; rc=$?
    [ $rc = 1 ] && fatal "error: failed to renew certificate $name"
    [ $rc = 0 ] && [ -z "$quiet" ] && renewed_line "$name"
  done <<< "$CERTS"
  if [ -z "$quiet" ]; then
    echo
    echo "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates."
  fi
}

cmd_certs_renew() {
  local which=${1:-}
  [ -n "$which" ] || fatal "error: missing subcommand; \"renew\" is not meant to be run on its own"
  if [ "$which" = all ]; then renew_all; return; fi
  local line; line=$(grep "^$which|" <<< "$CERTS") || fatal "error: unknown command \"$which\" for \"kubeadm certs renew\""
  local name file ca; IFS='|' read -r name file ca <<< "$line"
  renew_one "$name" "$file" "$ca" || fatal "error: failed to renew certificate $name"
  renewed_line "$name"
}

usage() {
  cat <<USAGE
    ┌──────────────────────────────────────────────────────────┐
    │ KUBEADM                                                  │
    │ Easily bootstrap a secure Kubernetes cluster             │
    │ (drydock lab stand-in: version, upgrade, certs)          │
    └──────────────────────────────────────────────────────────┘

Usage:
  kubeadm [command]

Available Commands:
  certs       Commands related to handling kubernetes certificates
  upgrade     Upgrade your cluster smoothly to a newer version with this command
  version     Print the version of kubeadm
USAGE
}

case "${1:-}" in
  version) shift; cmd_version "$@" ;;
  upgrade)
    case "${2:-}" in
      plan) shift 2; cmd_upgrade_plan "$@" ;;
      apply) shift 2; cmd_upgrade_apply "$@" ;;
      node) shift 2; cmd_upgrade_node "$@" ;;
      *) fatal "error: unknown command \"${2:-}\" for \"kubeadm upgrade\"" ;;
    esac ;;
  certs)
    case "${2:-}" in
      check-expiration) shift 2; cmd_certs_check_expiration "$@" ;;
      renew) shift 2; cmd_certs_renew "$@" ;;
      *) fatal "error: unknown command \"${2:-}\" for \"kubeadm certs\"" ;;
    esac ;;
  ""|-h|--help|help) usage ;;
  *) fatal "unknown command \"$1\" for \"kubeadm\"" ;;
esac
