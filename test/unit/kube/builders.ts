/** Small builders for pods, nodes and PDBs used by the kube unit tests. */
import type { KubeNode, KubePdb, KubePod, OwnerReference } from '../../../src/kube/port.js';

export interface PodSpecInput {
  ns?: string;
  uid?: string;
  node?: string;
  owner?: { kind: string; name: string } | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  emptyDir?: boolean;
  phase?: string;
  deletionTimestamp?: string;
  image?: string;
  ready?: boolean;
}

export function pod(name: string, input: PodSpecInput = {}): KubePod {
  const owner = input.owner === undefined ? { kind: 'ReplicaSet', name: `${name}-rs` } : input.owner;
  const ownerReferences: OwnerReference[] | undefined = owner
    ? [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true }]
    : undefined;
  return {
    metadata: {
      name,
      namespace: input.ns ?? 'default',
      uid: input.uid ?? `uid-${name}`,
      labels: input.labels,
      annotations: input.annotations,
      ownerReferences,
      deletionTimestamp: input.deletionTimestamp,
    },
    spec: {
      nodeName: input.node ?? 'w1',
      volumes: input.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : [{ name: 'cfg', hostPath: { path: '/etc/x' } }],
      containers: [{ name: 'main', image: input.image ?? 'nginx:1.27' }],
    },
    status: {
      phase: input.phase ?? 'Running',
      conditions: input.ready === false ? [{ type: 'Ready', status: 'False' }] : [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function node(
  name: string,
  input: { unschedulable?: boolean; ready?: 'True' | 'False' | 'Unknown'; kubelet?: string; labels?: Record<string, string>; bootId?: string; heartbeat?: string } = {},
): KubeNode {
  return {
    metadata: { name, uid: `uid-${name}`, labels: input.labels ?? {} },
    spec: input.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [{ type: 'Ready', status: input.ready ?? 'True', reason: 'KubeletReady', ...(input.heartbeat ? { lastHeartbeatTime: input.heartbeat } : {}) }],
      nodeInfo: { kubeletVersion: input.kubelet ?? 'v1.29.4', ...(input.bootId ? { bootID: input.bootId } : {}) },
    },
  };
}

export function pdb(name: string, ns: string, selector: KubePdb['spec']['selector']): KubePdb {
  return { metadata: { name, namespace: ns }, spec: { selector, minAvailable: 1 } };
}
