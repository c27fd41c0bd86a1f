/**
 * Server-side printing: the meta.k8s.io Table kubectl asks for (`Accept: application/json;as=Table;...`)
 * with the columns the real apiserver prints for each resource. kubectl has no client-side printers for
 * built-in types any more, so without these `kubectl get` would show only NAME and AGE.
 */
import { podIsReady, nodeIsReady } from './types.js';
import type { Json, KubeObject } from './types.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell(obj: KubeObject, now: number): string | number;
}

/** `duration.HumanDuration`, the AGE column's format. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', cell: (o, now) => humanDuration(now - Date.parse(o.metadata.creationTimestamp)) };
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));

function nodeStatus(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  const parts = [ready ? (nodeIsReady(node) ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  const legacy = node.metadata.labels?.['kubernetes.io/role'];
  if (legacy) roles.push(legacy);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function address(node: KubeObject, type: string): string {
  return none(((node.status?.addresses ?? []) as Json[]).find((a) => a.type === type)?.address);
}

function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const waiting = ((pod.status?.containerStatuses ?? []) as Json[]).find((c) => c.state?.waiting?.reason);
  return waiting?.state.waiting.reason ?? pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
}

function podReady(pod: KubeObject): string {
  const total = (pod.spec?.containers ?? []).length;
  const ready = ((pod.status?.containerStatuses ?? []) as Json[]).filter((c) => c.ready).length;
  return `${podIsReady(pod) ? ready : Math.min(ready, total)}/${total}`;
}

function selectorText(selector: Json): string {
  const pairs = Object.entries((selector ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '<none>';
}

const COLUMNS: Record<string, Column[]> = {
  nodes: [
    name,
    { name: 'Status', type: 'string', cell: nodeStatus },
    { name: 'Roles', type: 'string', cell: nodeRoles },
    age,
    { name: 'Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (n) => address(n, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, cell: (n) => address(n, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (n) => none(n.status?.nodeInfo?.osImage) },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (n) => none(n.status?.nodeInfo?.kernelVersion) },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (n) => none(n.status?.nodeInfo?.containerRuntimeVersion) },
  ],
  pods: [
    name,
    { name: 'Ready', type: 'string', cell: podReady },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (p) => String(((p.status?.containerStatuses ?? []) as Json[]).reduce((n, c) => n + (c.restartCount ?? 0), 0)) },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (p) => none(p.status?.podIP) },
    { name: 'Node', type: 'string', priority: 1, cell: (p) => none(p.spec?.nodeName) },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (p) => none(p.status?.nominatedNodeName) },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  deployments: [
    name,
    { name: 'Ready', type: 'string', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    age,
  ],
  replicasets: [
    name,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    age,
  ],
  daemonsets: [
    name,
    { name: 'Desired', type: 'integer', cell: (d) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (d) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (d) => d.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.numberAvailable ?? 0 },
    { name: 'Node Selector', type: 'string', cell: (d) => selectorText(d.spec?.template?.spec?.nodeSelector) },
    age,
  ],
  poddisruptionbudgets: [
    name,
    { name: 'Min Available', type: 'string', cell: (p) => (p.spec?.minAvailable === undefined ? 'N/A' : String(p.spec.minAvailable)) },
    { name: 'Max Unavailable', type: 'string', cell: (p) => (p.spec?.maxUnavailable === undefined ? 'N/A' : String(p.spec.maxUnavailable)) },
    { name: 'Allowed Disruptions', type: 'integer', cell: (p) => p.status?.disruptionsAllowed ?? 0 },
    age,
  ],
  namespaces: [name, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? '' }, age],
  leases: [name, { name: 'Holder', type: 'string', cell: (l) => l.spec?.holderIdentity ?? '' }, age],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A Table of the objects; `version` follows what the client asked for (v1 or v1beta1). */
export function toTable(resource: string, objects: KubeObject[], listRv: string, now: number, include: IncludeObject, version: string): Json {
  const columns = COLUMNS[resource] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: { resourceVersion: listRv },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((obj) => ({
      cells: columns.map((c) => c.cell(obj, now)),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? obj : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata } }),
    })),
  };
}
