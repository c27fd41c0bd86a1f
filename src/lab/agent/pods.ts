/**
 * The pods the scheduler (or a DaemonSet, or a person) binds to this node, played without containers:
 * a new pod becomes Running with an address (the host's for host-network pods, else one of the node's
 * podCIDR) and Ready; a run-to-completion pod (restartPolicy Never or OnFailure, e.g. a Job's) succeeds
 * after `lab.drydock.io/run-seconds` (default 2); a pod being deleted is finished after its grace period
 * (`lab.drydock.io/shutdown-seconds` shortens it, like a container that exits on SIGTERM), then removed
 * with grace 0, as the kubelet does once its containers are gone. `lab.drydock.io/ready: "false"` keeps a
 * pod not Ready, for budgets that count unhealthy pods.
 */
import { Api, isStatus } from './api.js';

export const READY_ANNOTATION = 'lab.drydock.io/ready';
export const RUN_SECONDS_ANNOTATION = 'lab.drydock.io/run-seconds';
export const SHUTDOWN_SECONDS_ANNOTATION = 'lab.drydock.io/shutdown-seconds';

export interface Pod {
  metadata: {
    name: string; namespace: string; uid: string; annotations?: Record<string, string>;
    deletionTimestamp?: string; deletionGracePeriodSeconds?: number;
  };
  spec: { hostNetwork?: boolean; restartPolicy?: string; containers: Array<{ name: string; image: string }>; initContainers?: Array<{ name: string; image: string }> };
  status?: { phase?: string; podIP?: string; startTime?: string; conditions?: Array<{ type: string; status: string }> };
}

const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The first free address of a /24-or-larger IPv4 CIDR, from .2 on (.1 is the node's bridge in a real CNI). */
export function nextPodIp(cidr: string | undefined, used: Set<string>): string | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr ?? '');
  if (!match) return null;
  const base = match.slice(1, 5).map(Number).reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - Number(match[5]));
  for (let i = 2; i < size - 1; i++) {
    const n = base + i;
    const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    if (!used.has(ip)) return ip;
  }
  return null;
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** What to do with one pod now; pure, so the rules are tested without an API server. */
export type PodAction =
  | { kind: 'none' }
  | { kind: 'run'; ready: boolean }
  | { kind: 'ready'; ready: boolean }
  | { kind: 'succeed' }
  | { kind: 'remove' };

export function decide(pod: Pod, now: Date): PodAction {
  const annotations = pod.metadata.annotations ?? {};
  if (annotations['kubernetes.io/config.mirror']) return { kind: 'none' };
  if (pod.metadata.deletionTimestamp) {
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
    const requested = new Date(pod.metadata.deletionTimestamp).getTime() - grace * 1000;
    const shutdown = Math.min(grace, seconds(annotations[SHUTDOWN_SECONDS_ANNOTATION], grace));
    return now.getTime() >= requested + shutdown * 1000 ? { kind: 'remove' } : { kind: 'none' };
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'none' };
  const wantReady = annotations[READY_ANNOTATION] !== 'false';
  if (phase !== 'Running') return { kind: 'run', ready: wantReady };
  if ((pod.spec.restartPolicy ?? 'Always') !== 'Always') {
    const started = new Date(pod.status?.startTime ?? now).getTime();
    if (now.getTime() >= started + seconds(annotations[RUN_SECONDS_ANNOTATION], 2) * 1000) return { kind: 'succeed' };
  }
  const isReady = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return isReady === wantReady ? { kind: 'none' } : { kind: 'ready', ready: wantReady };
}

function runningStatus(pod: Pod, ip: string, hostIp: string, ready: boolean, now: Date): Record<string, unknown> {
  const at = pod.status?.startTime ?? stamp(now);
  const condition = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: stamp(now) });
  return {
    phase: 'Running', hostIP: hostIp, hostIPs: [{ ip: hostIp }], podIP: ip, podIPs: [{ ip }], startTime: at,
    conditions: [condition('PodReadyToStartContainers', true), condition('Initialized', true), condition('Ready', ready), condition('ContainersReady', ready), condition('PodScheduled', true)],
    initContainerStatuses: (pod.spec.initContainers ?? []).map((c) => ({
      name: c.name, image: c.image, imageID: c.image, ready: true, restartCount: 0, started: false,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } },
    })),
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name, image: c.image, imageID: c.image, ready, started: true, restartCount: 0, state: { running: { startedAt: at } },
    })),
  };
}

function succeededStatus(pod: Pod, now: Date): Record<string, unknown> {
  const at = stamp(now);
  const condition = (type: string) => ({ type, status: 'False', reason: 'PodCompleted', lastTransitionTime: at });
  return {
    phase: 'Succeeded',
    conditions: [condition('Ready'), condition('ContainersReady')],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name, image: c.image, imageID: c.image, ready: false, started: false, restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: pod.status?.startTime ?? at, finishedAt: at } },
    })),
  };
}

/** One pass over the pods bound to this node. */
export async function playPods(api: Api, node: { name: string; podCIDR?: string; address: string }, log: (line: string) => void, now = new Date()): Promise<void> {
  const listed = await api.get<{ items: Pod[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node.name}`)}`);
  const used = new Set(listed.items.map((p) => p.status?.podIP).filter((ip): ip is string => Boolean(ip)));
  for (const pod of listed.items) {
    const action = decide(pod, now);
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    try {
      if (action.kind === 'run') {
        // Like a kubelet whose network plugin has no pod range yet: pod-network pods wait for the node's podCIDR.
        const ip = pod.spec.hostNetwork ? node.address : pod.status?.podIP ?? nextPodIp(node.podCIDR, used);
        if (!ip) continue;
        used.add(ip);
        await api.patch(`${path}/status`, { status: runningStatus(pod, ip, node.address, action.ready, now) });
      } else if (action.kind === 'ready') {
        await api.patch(`${path}/status`, { status: runningStatus(pod, pod.status?.podIP ?? node.address, node.address, action.ready, now) });
      } else if (action.kind === 'succeed') {
        await api.patch(`${path}/status`, { status: succeededStatus(pod, now) });
      } else if (action.kind === 'remove') {
        await api.delete(path, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        log(`pod ${pod.metadata.namespace}/${pod.metadata.name} terminated`);
      }
    } catch (err) {
      if (!isStatus(err, 404) && !isStatus(err, 409)) log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`);
    }
  }
}
