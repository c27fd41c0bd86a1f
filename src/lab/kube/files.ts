/**
 * The files a kubeadm-built node carries, rendered for a lab host: static pod manifests, kubeconfigs,
 * the kubelet's configuration, etcd's settings for Debian's etcd service, the apt source of the lab's
 * repository, and the first-boot step that installs the starting release. Pure.
 */
import { stringify } from '../../util/yaml.js';
import type { KubeRelease } from './versions.js';

export const APT_SOURCE_FILE = 'etc/apt/sources.list.d/kubernetes.list';

export function aptSourceLine(repoBaseUrl: string, release: Pick<KubeRelease, 'repoPath'>): string {
  return `deb [trusted=yes] ${repoBaseUrl.replace(/\/+$/, '')}${release.repoPath} /\n`;
}

/** Replaces Debian's sources: the lab's hosts have no route out, and apt-get update must not hang on them. */
export const DEBIAN_SOURCES_DISABLED =
  "# drydock lab: Debian's mirrors are unreachable from the lab's hosts (no route out).\n" +
  '# Packages come from the lab repositories in /etc/apt/sources.list.d/.\n';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  user: string;
  /** Embedded client certificate (admin.conf and friends) … */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** … or a file holding certificate and key (the kubelet's rotating client certificate). */
  clientCertFile?: string;
}

export function kubeconfigFile(input: KubeconfigInput): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const user = input.clientCertFile
    ? { 'client-certificate': input.clientCertFile, 'client-key': input.clientCertFile }
    : { 'client-certificate-data': b64(input.clientCertPem ?? ''), 'client-key-data': b64(input.clientKeyPem ?? '') };
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caPem), server: input.server }, name: 'kubernetes' }],
    contexts: [{ context: { cluster: 'kubernetes', user: input.user }, name: `${input.user}@kubernetes` }],
    'current-context': `${input.user}@kubernetes`,
    kind: 'Config',
    preferences: {},
    users: [{ name: input.user, user }],
  }, { indentSeq: false, lineWidth: 0 });
}

export interface EtcdMember {
  name: string;
  address: string;
}

export function initialCluster(members: EtcdMember[]): string {
  return members.map((m) => `${m.name}=https://${m.address}:2380`).join(',');
}

export interface ManifestInput {
  host: EtcdMember;
  release: KubeRelease;
  etcdMembers: EtcdMember[];
  serviceSubnet?: string;
  podSubnet?: string;
}

function staticPod(name: string, image: string, command: string[], mounts: Array<{ name: string; path: string; readOnly?: boolean }>, annotations: Record<string, string> = {}): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(Object.keys(annotations).length ? { annotations } : {}),
      creationTimestamp: null,
      labels: { component: name, tier: 'control-plane' },
      name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [{
        command,
        image,
        imagePullPolicy: 'IfNotPresent',
        name,
        resources: { requests: { cpu: name === 'etcd' ? '100m' : name === 'kube-apiserver' ? '250m' : '200m' } },
        volumeMounts: mounts.map((m) => ({ mountPath: m.path, name: m.name, ...(m.readOnly ? { readOnly: true } : {}) })),
      }],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: mounts.map((m) => ({ hostPath: { path: m.path, type: 'DirectoryOrCreate' }, name: m.name })),
    },
    status: {},
  };
  return stringify(pod, { indentSeq: false, lineWidth: 0 });
}

/** kube-apiserver, kube-controller-manager, kube-scheduler and etcd manifests with kubeadm's flags. */
export function staticPodManifests(input: ManifestInput): Record<string, string> {
  const { host, release } = input;
  const serviceSubnet = input.serviceSubnet ?? '10.96.0.0/12';
  const podSubnet = input.podSubnet ?? '10.244.0.0/16';
  const pki = '/etc/kubernetes/pki';
  const k8sCerts = [{ name: 'ca-certs', path: '/etc/ssl/certs', readOnly: true }, { name: 'k8s-certs', path: pki, readOnly: true }];
  const apiserver = staticPod('kube-apiserver', `registry.k8s.io/kube-apiserver:${release.tag}`, [
    'kube-apiserver', `--advertise-address=${host.address}`, '--allow-privileged=true', '--authorization-mode=Node,RBAC',
    `--client-ca-file=${pki}/ca.crt`, '--enable-admission-plugins=NodeRestriction', '--enable-bootstrap-token-auth=true',
    `--etcd-cafile=${pki}/etcd/ca.crt`, `--etcd-certfile=${pki}/apiserver-etcd-client.crt`, `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
    '--etcd-servers=https://127.0.0.1:2379', `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
    `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`, '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    `--proxy-client-cert-file=${pki}/front-proxy-client.crt`, `--proxy-client-key-file=${pki}/front-proxy-client.key`,
    `--requestheader-allowed-names=front-proxy-client`, `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
    '--requestheader-extra-headers-prefix=X-Remote-Extra-', '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User', '--secure-port=6443', '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`, `--service-cluster-ip-range=${serviceSubnet}`,
    `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`,
  ], k8sCerts, { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${host.address}:6443` });
  const controllerManager = staticPod('kube-controller-manager', `registry.k8s.io/kube-controller-manager:${release.tag}`, [
    'kube-controller-manager', '--allocate-node-cidrs=true', '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf', '--bind-address=127.0.0.1', `--client-ca-file=${pki}/ca.crt`,
    `--cluster-cidr=${podSubnet}`, '--cluster-name=kubernetes', `--cluster-signing-cert-file=${pki}/ca.crt`, `--cluster-signing-key-file=${pki}/ca.key`,
    '--controllers=*,bootstrapsigner,tokencleaner', '--kubeconfig=/etc/kubernetes/controller-manager.conf', '--leader-elect=true',
    `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`, `--root-ca-file=${pki}/ca.crt`, `--service-account-private-key-file=${pki}/sa.key`,
    `--service-cluster-ip-range=${serviceSubnet}`, '--use-service-account-credentials=true',
  ], [...k8sCerts, { name: 'kubeconfig', path: '/etc/kubernetes/controller-manager.conf', readOnly: true }]);
  const scheduler = staticPod('kube-scheduler', `registry.k8s.io/kube-scheduler:${release.tag}`, [
    'kube-scheduler', '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf', '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
    '--bind-address=127.0.0.1', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true',
  ], [{ name: 'kubeconfig', path: '/etc/kubernetes/scheduler.conf', readOnly: true }]);
  const etcd = staticPod('etcd', `registry.k8s.io/etcd:${release.etcdImageTag}`, [
    'etcd', `--advertise-client-urls=https://${host.address}:2379`, `--cert-file=${pki}/etcd/server.crt`, '--client-cert-auth=true',
    '--data-dir=/var/lib/etcd', '--experimental-initial-corrupt-check=true', '--experimental-watch-progress-notify-interval=5s',
    `--initial-advertise-peer-urls=https://${host.address}:2380`, `--initial-cluster=${initialCluster(input.etcdMembers)}`,
    `--key-file=${pki}/etcd/server.key`, `--listen-client-urls=https://127.0.0.1:2379,https://${host.address}:2379`,
    '--listen-metrics-urls=http://127.0.0.1:2381', `--listen-peer-urls=https://${host.address}:2380`, `--name=${host.name}`,
    `--peer-cert-file=${pki}/etcd/peer.crt`, '--peer-client-cert-auth=true', `--peer-key-file=${pki}/etcd/peer.key`,
    `--peer-trusted-ca-file=${pki}/etcd/ca.crt`, '--snapshot-count=10000', `--trusted-ca-file=${pki}/etcd/ca.crt`,
  ], [{ name: 'etcd-certs', path: `${pki}/etcd` }, { name: 'etcd-data', path: '/var/lib/etcd' }],
  { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${host.address}:2379` });
  return { 'kube-apiserver.yaml': apiserver, 'kube-controller-manager.yaml': controllerManager, 'kube-scheduler.yaml': scheduler, 'etcd.yaml': etcd };
}

/**
 * Settings for Debian's etcd service (it reads /etc/default/etcd), matching the etcd.yaml flags: the real
 * etcd behind the static pod manifest, clustered over the control planes with kubeadm's certificates.
 */
export function etcdEnvironment(host: EtcdMember, members: EtcdMember[], clusterToken: string): string {
  const pki = '/etc/kubernetes/pki/etcd';
  const vars: Record<string, string> = {
    ETCD_NAME: host.name,
    ETCD_DATA_DIR: '/var/lib/etcd',
    ETCD_LISTEN_CLIENT_URLS: `https://127.0.0.1:2379,https://${host.address}:2379`,
    ETCD_ADVERTISE_CLIENT_URLS: `https://${host.address}:2379`,
    ETCD_LISTEN_PEER_URLS: `https://${host.address}:2380`,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: `https://${host.address}:2380`,
    ETCD_LISTEN_METRICS_URLS: 'http://127.0.0.1:2381',
    ETCD_INITIAL_CLUSTER: initialCluster(members),
    ETCD_INITIAL_CLUSTER_STATE: 'new',
    ETCD_INITIAL_CLUSTER_TOKEN: clusterToken,
    ETCD_CERT_FILE: `${pki}/server.crt`,
    ETCD_KEY_FILE: `${pki}/server.key`,
    ETCD_CLIENT_CERT_AUTH: 'true',
    ETCD_TRUSTED_CA_FILE: `${pki}/ca.crt`,
    ETCD_PEER_CERT_FILE: `${pki}/peer.crt`,
    ETCD_PEER_KEY_FILE: `${pki}/peer.key`,
    ETCD_PEER_CLIENT_CERT_AUTH: 'true',
    ETCD_PEER_TRUSTED_CA_FILE: `${pki}/ca.crt`,
    ETCD_SNAPSHOT_COUNT: '10000',
  };
  return `# drydock lab: the etcd member behind /etc/kubernetes/manifests/etcd.yaml\n${Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n')}\n`;
}

/** kubeadm's certificates are root-only, as in a kubeadm cluster where etcd runs as root in its pod. */
export const ETCD_DROPIN = `[Service]
User=root
TimeoutStartSec=120
`;

export function kubeletConfig(): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    authentication: { anonymous: { enabled: false }, webhook: { cacheTTL: '0s', enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    containerRuntimeEndpoint: '',
    cpuManagerReconcilePeriod: '0s',
    evictionPressureTransitionPeriod: '0s',
    fileCheckFrequency: '0s',
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    httpCheckFrequency: '0s',
    imageMinimumGCAge: '0s',
    kind: 'KubeletConfiguration',
    logging: { flushFrequency: 0, options: { json: { infoBufferSize: '0' } }, verbosity: 0 },
    memorySwap: {},
    nodeStatusReportFrequency: '0s',
    nodeStatusUpdateFrequency: '0s',
    rotateCertificates: true,
    runtimeRequestTimeout: '0s',
    shutdownGracePeriod: '0s',
    shutdownGracePeriodCriticalPods: '0s',
    staticPodPath: '/etc/kubernetes/manifests',
    streamingConnectionIdleTimeout: '0s',
    syncFrequency: '0s',
    volumeStatsAggPeriod: '0s',
  }, { indentSeq: false, lineWidth: 0 });
}

export const BOOTSTRAP_SCRIPT_PATH = 'usr/local/sbin/drydock-kube-bootstrap';
export const BOOTSTRAP_UNIT_NAME = 'drydock-kube-bootstrap.service';
export const BOOTSTRAPPED_MARKER = '/var/lib/drydock/kube-bootstrapped';

/** First boot: install and hold the starting release from the lab's repository, start the kubelet, seed etcd. */
export function bootstrapScript(release: KubeRelease, role: 'control_plane' | 'worker'): string {
  const packages = ['kubelet', 'kubeadm', 'kubectl'].map((p) => `${p}=${release.debVersion}`).join(' ');
  const etcdSeed = role === 'control_plane' && !release.real
    ? `
# Cluster data in etcd, under the keys a kube-apiserver writes, so backups have something to hold.
etcdctl() { ETCDCTL_API=3 command etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \\
  --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key "$@"; }
for _ in $(seq 1 60); do etcdctl endpoint health >/dev/null 2>&1 && break; sleep 1; done
for ns in default kube-system kube-public kube-node-lease; do
  etcdctl put "/registry/namespaces/$ns" "{\\"kind\\":\\"Namespace\\",\\"apiVersion\\":\\"v1\\",\\"metadata\\":{\\"name\\":\\"$ns\\"}}" >/dev/null
done
etcdctl put /registry/ranges/serviceips "10.96.0.0/12" >/dev/null
etcdctl put "/registry/minions/$(hostname)" "{\\"kind\\":\\"Node\\",\\"apiVersion\\":\\"v1\\",\\"metadata\\":{\\"name\\":\\"$(hostname)\\"}}" >/dev/null
`
    : '';
  return `#!/bin/bash
# drydock lab: first boot of a ${role === 'control_plane' ? 'control-plane' : 'worker'} node at Kubernetes ${release.version}.
set -eu
export DEBIAN_FRONTEND=noninteractive
for _ in $(seq 1 30); do apt-get update -q && break; sleep 1; done
apt-get install -y -q --no-install-recommends ${packages}
apt-mark hold kubelet kubeadm kubectl
systemctl daemon-reload
systemctl enable kubelet.service
systemctl start --no-block kubelet.service
${etcdSeed}mkdir -p "$(dirname ${BOOTSTRAPPED_MARKER})"
touch ${BOOTSTRAPPED_MARKER}
`;
}

export const BOOTSTRAP_UNIT = `[Unit]
Description=drydock lab: install the starting Kubernetes release from the lab's apt repository
Wants=network-online.target
After=network-online.target etcd.service
ConditionPathExists=!${BOOTSTRAPPED_MARKER}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/${BOOTSTRAP_SCRIPT_PATH}
TimeoutStartSec=300
StandardOutput=journal

[Install]
WantedBy=multi-user.target
`;
