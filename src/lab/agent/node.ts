/**
 * The node agent's Node object: registration (as the kubelet registers itself with its own credentials,
 * which the NodeRestriction admission allows), the status it posts every 10 s (Ready, addresses, capacity,
 * nodeInfo with the installed kubelet package's version and this boot's id), and the Lease in
 * kube-node-lease it renews, from which the node-lifecycle controller judges the node's health.
 */
import { cpus, hostname, networkInterfaces, release as kernelRelease } from 'node:os';
import { readFileSync } from 'node:fs';
import { Api, isStatus } from './api.js';

export const LEASE_SECONDS = 40;

export interface NodeIdentity {
  name: string;
  address: string;
  version: string;
}

export interface NodeObject {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec?: { podCIDR?: string; unschedulable?: boolean };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The first non-loopback IPv4 address (eth0 in a lab host), unless `--node-ip` named one. */
export function nodeAddress(explicit?: string): string {
  if (explicit) return explicit;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function nodeName(override?: string): string {
  return (override ?? hostname()).toLowerCase();
}

function memoryKi(): string {
  const match = /MemTotal:\s+(\d+) kB/.exec(readOr('/proc/meminfo', ''));
  return `${match ? match[1] : 0}Ki`;
}

function osImage(): string {
  const match = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release', ''));
  return match?.[1] ?? 'Linux';
}

export function nodeStatus(id: NodeIdentity, now: Date): Record<string, unknown> {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: string, reason: string, message: string) =>
    ({ type, status, reason, message, lastHeartbeatTime: stamp });
  const resources = { cpu: String(cpus().length), memory: memoryKi(), pods: '110', 'ephemeral-storage': '61255492Ki' };
  const machine = readOr('/etc/machine-id', '');
  return {
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [{ type: 'InternalIP', address: id.address }, { type: 'Hostname', address: id.name }],
    capacity: resources,
    allocatable: resources,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machine, systemUUID: machine, bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
      kernelVersion: kernelRelease(), osImage: osImage(), containerRuntimeVersion: 'drydock-lab://1',
      kubeletVersion: id.version, kubeProxyVersion: '', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  };
}

/** Makes sure the Node exists (creating it as the kubelet does) and returns it. */
export async function registerNode(api: Api, id: NodeIdentity): Promise<NodeObject> {
  try {
    return await api.get<NodeObject>(`/api/v1/nodes/${id.name}`);
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return await api.post<NodeObject>('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': arch,
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {},
  });
}

export async function postStatus(api: Api, id: NodeIdentity, now: Date): Promise<NodeObject> {
  return await api.patch<NodeObject>(`/api/v1/nodes/${id.name}/status`, { status: nodeStatus(id, now) });
}

interface Lease {
  metadata: { resourceVersion?: string };
  spec: Record<string, unknown>;
}

/** Renews (or creates) the node's Lease in kube-node-lease. */
export async function renewLease(api: Api, node: NodeObject, now: Date): Promise<void> {
  const name = node.metadata.name;
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  const renewTime = now.toISOString().replace('Z', '000Z');
  const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime };
  let lease: Lease | null = null;
  try {
    lease = await api.get<Lease>(path);
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
  if (lease) {
    await api.put(path, { ...lease, spec: { ...lease.spec, ...spec } });
    return;
  }
  await api.post('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name, namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
    },
    spec,
  });
}
