/**
 * The kubelet's part of the pod lifecycle for a real kube-apiserver that has no kubelet (and no scheduler),
 * with the same timings as the simulator's kubelet in the contract test:
 * - binds a DaemonSet pod to the one node its required node affinity names (what the scheduler would do);
 * - reports a bound Pending pod Running and Ready after `startMs` (through the status subresource);
 * - completes a graceful deletion once the pod's containers would have stopped: the simulator's
 *   shutdown-seconds annotation or `shutdownMs`, never past the grace period (DELETE with grace 0).
 * Everything else — PDB status, eviction, namespaces, garbage collection, Jobs, StatefulSets — is the real
 * server's and controller-manager's own.
 */
import { SHUTDOWN_SECONDS_ANNOTATION } from '../../src/lab/apiserver/index.js';
import type { Rest } from './rest.js';

export interface NodeAgentOptions {
  startMs: number;
  shutdownMs: number;
  pollMs?: number;
}

export class NodeAgent {
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  lastError: string | undefined;

  constructor(
    private readonly rest: Rest,
    private readonly options: NodeAgentOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 100);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const pod of await this.rest.list('/api/v1/pods')) await this.handle(pod, now);
    } catch (err) {
      this.lastError = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private async handle(pod: any, now: number): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
    const first = this.seen.get(`${uid}/${pod.metadata.deletionTimestamp ? 'delete' : 'live'}`) ?? now;
    this.seen.set(`${uid}/${pod.metadata.deletionTimestamp ? 'delete' : 'live'}`, first);
    if (pod.metadata.deletionTimestamp) {
      if (!pod.spec.nodeName || now - first < this.shutdownMs(pod)) return;
      await this.rest.request('DELETE', path, { gracePeriodSeconds: 0, preconditions: { uid } });
      return;
    }
    if (!pod.spec.nodeName) {
      const node = daemonNode(pod);
      if (node) {
        await this.rest.request('POST', `${path}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
      }
      return;
    }
    if (pod.status?.phase !== 'Pending' || now - first < this.options.startMs) return;
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: at });
    await this.rest.request(
      'PATCH',
      `${path}/status`,
      {
        status: {
          phase: 'Running',
          startTime: at,
          conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
          containerStatuses: (pod.spec.containers ?? []).map((c: any) => ({
            name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: at } },
          })),
        },
      },
      'application/merge-patch+json',
    );
  }

  private shutdownMs(pod: any): number {
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const annotated = pod.metadata.annotations?.[SHUTDOWN_SECONDS_ANNOTATION];
    return Math.min(annotated !== undefined ? Number(annotated) * 1000 : this.options.shutdownMs, graceMs);
  }
}

/** The node a DaemonSet pod's required affinity pins it to (`metadata.name In [node]`). */
function daemonNode(pod: any): string | undefined {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}
