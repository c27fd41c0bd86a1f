/**
 * The kubeadm configuration files the lab's real cluster is made with (kubeadm.k8s.io/v1beta4). Pure.
 *
 * What is skipped, and why (the only departures from a plain `kubeadm init`/`join`):
 * - preflight `CRI` and `ContainerRuntimeVersion`: no container runtime can run on these machines (cgroup
 *   v1 on the machine, Debian's containerd too old for current kubelets); the node agent runs static pods
 *   as host services instead;
 * - preflight `ImagePull`: images are pulled through the CRI; the lab's "images" are the real binaries of
 *   the build cache, bound read-only into every host;
 * - preflight `SystemVerification`: it reads the kernel's config and the cgroup controllers of a kubelet
 *   host, which a namespaced lab host does not expose.
 * The CRI socket is named explicitly (kubeadm would otherwise look for a runtime to detect it).
 */
import { stringify } from '../../util/yaml.js';

export const IGNORED_PREFLIGHT_ERRORS = ['CRI', 'ContainerRuntimeVersion', 'ImagePull', 'SystemVerification'] as const;
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
export const POD_SUBNET = '10.244.0.0/16';
export const SERVICE_SUBNET = '10.96.0.0/12';
export const CLUSTER_NAME = 'drydock-lab';

export interface NodeInput {
  name: string;
  address: string;
}

export interface ClusterInput {
  version: string;
  /** `host:port` of the load balancer in front of the control planes. */
  endpoint: string;
  etcdImageTag: string;
  certDays: number;
}

function nodeRegistration(node: NodeInput) {
  return {
    name: node.name,
    criSocket: CRI_SOCKET,
    ignorePreflightErrors: [...IGNORED_PREFLIGHT_ERRORS],
    kubeletExtraArgs: [{ name: 'node-ip', value: node.address }],
  };
}

function docs(...objects: unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

export function initConfiguration(node: NodeInput, cluster: ClusterInput, token: string, certificateKey: string): string {
  return docs(
    {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'InitConfiguration',
      bootstrapTokens: [{ token, ttl: '2h0m0s', groups: ['system:bootstrappers:kubeadm:default-node-token'], usages: ['signing', 'authentication'] }],
      certificateKey,
      localAPIEndpoint: { advertiseAddress: node.address, bindPort: 6443 },
      nodeRegistration: nodeRegistration(node),
    },
    {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      clusterName: CLUSTER_NAME,
      kubernetesVersion: `v${cluster.version}`,
      controlPlaneEndpoint: cluster.endpoint,
      certificateValidityPeriod: `${cluster.certDays * 24}h0m0s`,
      networking: { podSubnet: POD_SUBNET, serviceSubnet: SERVICE_SUBNET, dnsDomain: 'cluster.local' },
      etcd: { local: { imageTag: cluster.etcdImageTag, dataDir: '/var/lib/etcd' } },
      apiServer: { certSANs: [cluster.endpoint.split(':')[0]!] },
    },
    { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' },
  );
}

export interface JoinInput {
  endpoint: string;
  token: string;
  caCertHash: string;
  /** Set for a control plane: the key of the certificates `kubeadm init phase upload-certs` uploaded. */
  certificateKey?: string;
}

export function joinConfiguration(node: NodeInput, join: JoinInput): string {
  return docs({
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'JoinConfiguration',
    discovery: { bootstrapToken: { apiServerEndpoint: join.endpoint, token: join.token, caCertHashes: [join.caCertHash] } },
    nodeRegistration: nodeRegistration(node),
    ...(join.certificateKey
      ? { controlPlane: { localAPIEndpoint: { advertiseAddress: node.address, bindPort: 6443 }, certificateKey: join.certificateKey } }
      : {}),
  });
}
