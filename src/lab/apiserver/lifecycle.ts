/**
 * What kubelets and the node lifecycle controller do, reduced to state changes: kubelet heartbeats,
 * nodes turning NotReady when heartbeats stop, pods starting on Ready nodes and finishing termination.
 */
import { nodeIsReady } from './types.js';
import type { ObjectStore } from './store.js';
import type { Json, KubeObject } from './types.js';

/** Pod annotation: how long the pod's containers take to stop after SIGTERM (capped by the grace period). */
export const SHUTDOWN_SECONDS_ANNOTATION = 'lab.drydock.io/shutdown-seconds';
/** Node annotation in seeds: the node's kubelet starts stopped (no heartbeats). */
export const KUBELET_ANNOTATION = 'lab.drydock.io/kubelet';

const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** Heartbeat bookkeeping per node; `auto` renews running kubelets' heartbeats on every pass. */
export class Kubelets {
  private readonly lastHeartbeat = new Map<string, number>();
  private readonly stopped = new Set<string>();

  constructor(readonly auto: boolean) {}

  heartbeat(node: string, now: number): void {
    this.lastHeartbeat.set(node, now);
  }

  stop(node: string): void {
    this.stopped.add(node);
  }

  start(node: string, now: number): void {
    this.stopped.delete(node);
    this.heartbeat(node, now);
  }

  isStopped(node: string): boolean {
    return this.stopped.has(node);
  }

  /** The time of the node's last heartbeat; a node seen for the first time counts as heartbeating now. */
  last(node: KubeObject, now: number): number {
    const name = node.metadata.name;
    if (!this.lastHeartbeat.has(name)) {
      if (node.metadata.annotations?.[KUBELET_ANNOTATION] === 'stopped') this.stopped.add(name);
      this.lastHeartbeat.set(name, now);
    }
    if (this.auto && !this.stopped.has(name)) this.lastHeartbeat.set(name, now);
    return this.lastHeartbeat.get(name)!;
  }

  forget(node: string): void {
    this.lastHeartbeat.delete(node);
    this.stopped.delete(node);
  }
}

function setCondition(conditions: Json[], next: Json): Json[] {
  const rest = conditions.filter((c) => c.type !== next.type);
  return [...rest, next];
}

/**
 * Marks a node whose heartbeats are older than the grace NotReady (Ready=Unknown, unreachable taint, its
 * pods not ready), and brings back one the simulator marked that way once heartbeats resume.
 */
export function reconcileNodeHealth(node: KubeObject, lastHeartbeat: number, now: number, nowIso: string, graceMs: number, store: ObjectStore): void {
  const stale = now - lastHeartbeat > graceMs;
  const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  const taints: Json[] = node.spec?.taints ?? [];
  if (stale && ready?.status === 'True') {
    const heartbeatIso = new Date(lastHeartbeat).toISOString().replace(/\.\d+Z$/, 'Z');
    node.status.conditions = (node.status.conditions as Json[]).map((c) => ({
      ...c,
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: heartbeatIso,
      lastTransitionTime: nowIso,
    }));
    node.spec = { ...node.spec, taints: [...taints.filter((t) => t.key !== UNREACHABLE_TAINT), { key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: nowIso }] };
    store.update('nodes', node);
    setPodsReady(node.metadata.name, false, nowIso, store);
  } else if (!stale && ready?.status === 'Unknown' && ready.reason === 'NodeStatusUnknown') {
    node.status.conditions = setCondition(node.status.conditions, {
      type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: nowIso, lastTransitionTime: nowIso,
    });
    node.spec = { ...node.spec, taints: taints.filter((t) => t.key !== UNREACHABLE_TAINT) };
    if (node.spec.taints.length === 0) delete node.spec.taints;
    store.update('nodes', node);
    setPodsReady(node.metadata.name, true, nowIso, store);
  }
}

/**
 * The full status a starting kubelet posts first (it always does, whatever changed): Ready=True with a new
 * heartbeat, keeping lastTransitionTime when it was True already; after a reboot, the host's new boot id.
 */
export function postStartingKubeletStatus(node: KubeObject, nowIso: string, newBootId: string | undefined, store: ObjectStore): void {
  const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  const since = ready?.status === 'True' ? ready.lastTransitionTime : nowIso;
  node.status = {
    ...node.status,
    conditions: setCondition(node.status?.conditions ?? [], {
      type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: nowIso, lastTransitionTime: since,
    }),
    nodeInfo: { ...node.status?.nodeInfo, ...(newBootId ? { bootID: newBootId } : {}) },
  };
  store.update('nodes', node);
}

function setPodsReady(nodeName: string, ready: boolean, nowIso: string, store: ObjectStore): void {
  for (const pod of store.list('pods')) {
    if (pod.spec?.nodeName !== nodeName || pod.status?.phase !== 'Running') continue;
    pod.status = readyStatus(pod, ready, nowIso);
    store.update('pods', pod);
  }
}

function readyStatus(pod: KubeObject, ready: boolean, nowIso: string): Json {
  const value = ready ? 'True' : 'False';
  const conditions: Json[] = pod.status?.conditions ?? [];
  const next = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => {
    const before = conditions.find((c) => c.type === type);
    const status = type === 'Ready' || type === 'ContainersReady' ? value : 'True';
    return { type, status, lastTransitionTime: before && before.status === status ? before.lastTransitionTime : nowIso };
  });
  const containerStatuses = ((pod.spec?.containers ?? []) as Json[]).map((c) => ({
    name: c.name,
    image: c.image,
    imageID: '',
    ready,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: pod.status?.startTime ?? nowIso } },
  }));
  return { ...pod.status, conditions: next, containerStatuses };
}

/** The kubelet starting a bound pod: Running and Ready, with addresses. */
export function startPod(pod: KubeObject, node: KubeObject | undefined, podIp: string, nowIso: string): KubeObject {
  const hostIp = ((node?.status?.addresses ?? []) as Json[]).find((a) => a.type === 'InternalIP')?.address;
  pod.status = {
    ...readyStatus({ ...pod, status: { ...pod.status, startTime: nowIso } }, true, nowIso),
    phase: 'Running',
    startTime: nowIso,
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    ...(hostIp ? { hostIP: hostIp, hostIPs: [{ ip: hostIp }] } : {}),
  };
  return pod;
}

/** Whether the kubelet on the pod's node is around to run (start or stop) its containers. */
export function kubeletServes(node: KubeObject | undefined, kubelets: Kubelets): boolean {
  return node !== undefined && nodeIsReady(node) && !kubelets.isStopped(node.metadata.name);
}

/** Milliseconds the pod's containers need to stop: the annotation or the default, never past the grace. */
export function shutdownMs(pod: KubeObject, defaultMs: number): number {
  const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  const annotated = Number(pod.metadata.annotations?.[SHUTDOWN_SECONDS_ANNOTATION]);
  const wanted = Number.isFinite(annotated) && pod.metadata.annotations?.[SHUTDOWN_SECONDS_ANNOTATION] !== undefined ? annotated * 1000 : defaultMs;
  return Math.min(wanted, graceMs);
}

const LEASE_RENEW_MS = 10_000;

/** A running kubelet renews its node Lease (kube-node-lease/<node>) every 10 s, as the real one does. */
export function renewNodeLease(store: ObjectStore, node: KubeObject, now: number): void {
  if (!store.find('namespaces', undefined, 'kube-node-lease')) return;
  const renewTime = new Date(now).toISOString().replace('Z', '000Z');
  const lease = store.find('leases', 'kube-node-lease', node.metadata.name);
  if (!lease) {
    store.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: node.metadata.name,
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid }],
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
      },
      spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: 40, renewTime },
    });
    return;
  }
  if (now - Date.parse(lease.spec?.renewTime ?? 0) < LEASE_RENEW_MS) return;
  lease.spec = { ...lease.spec, renewTime };
  store.update('leases', lease);
}
