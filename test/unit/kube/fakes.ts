/** A scripted in-memory KubePort and a fake clock for the drain and wait tests. */
import { KubeApiError } from '../../../src/errors.js';
import type { Clock, EvictionResult, KubeLease, KubeNode, KubePdb, KubePod, KubePort, KubeVersionInfo, ObjectMeta } from '../../../src/kube/port.js';
import { podRef } from '../../../src/kube/port.js';

/**
 * Sleeping registers a timer; once every pending promise has settled (setImmediate), time jumps to the
 * earliest timer. Concurrent sleepers therefore share one timeline, as they would with real time.
 */
export const FAKE_EPOCH = Date.parse('2026-11-25T12:00:00Z');

export class FakeClock implements Clock {
  time = FAKE_EPOCH;
  readonly sleeps: number[] = [];
  private timers: Array<{ at: number; resolve: () => void }> = [];
  now(): number {
    return this.time;
  }
  /** Milliseconds since the clock was created. */
  elapsed(): number {
    return this.time - FAKE_EPOCH;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + ms, resolve });
      setImmediate(() => this.fireEarliest());
    });
  }
  private fireEarliest(): void {
    if (this.timers.length === 0) return;
    this.timers.sort((a, b) => a.at - b.at);
    const timer = this.timers.shift()!;
    this.time = Math.max(this.time, timer.at);
    timer.resolve();
  }
}

type Scripted = EvictionResult['outcome'] | EvictionResult;

export interface AfterEviction {
  /** getPod answers this many times with the terminating pod before it disappears. */
  pollsUntilGone?: number;
  /** When it disappears, a same-name pod with this UID takes its place (StatefulSet style). */
  replaceWithUid?: string;
  /** Never disappears. */
  stuck?: boolean;
}

export class FakePort implements KubePort {
  readonly nodes = new Map<string, KubeNode>();
  pods: KubePod[] = [];
  pdbs: KubePdb[] = [];
  readonly daemonSets = new Set<string>();
  readonly evictionScript = new Map<string, Scripted[]>();
  readonly afterEviction = new Map<string, AfterEviction>();
  readonly calls: string[] = [];
  readonly patches: Array<{ node: string; patch: Record<string, unknown> }> = [];
  readonly evictGrace: Array<number | undefined> = [];
  readonly leases = new Map<string, KubeLease>();
  /** Thrown by getNode before answering, one per call, to simulate API hiccups. */
  readonly getNodeErrors: KubeApiError[] = [];
  version: KubeVersionInfo = { gitVersion: 'v1.29.4' };
  private terminating = new Map<string, number>();
  private now: () => number = () => FAKE_EPOCH;

  constructor(clock?: FakeClock) {
    if (clock) this.now = () => clock.now();
  }

  async getNode(name: string): Promise<KubeNode> {
    this.calls.push(`getNode ${name}`);
    const error = this.getNodeErrors.shift();
    if (error) throw error;
    const node = this.nodes.get(name);
    if (!node) throw new KubeApiError(`get node ${name}: nodes "${name}" not found (HTTP 404 NotFound)`, 404, 'NotFound');
    return structuredClone(node);
  }
  async listNodes(): Promise<KubeNode[]> {
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }
  async patchNode(name: string, patch: Record<string, unknown>): Promise<KubeNode> {
    this.calls.push(`patchNode ${name}`);
    this.patches.push({ node: name, patch });
    const node = this.nodes.get(name)!;
    const spec = (patch.spec ?? {}) as { unschedulable?: boolean | null };
    if ('unschedulable' in spec) {
      if (spec.unschedulable === null) delete node.spec.unschedulable;
      else node.spec.unschedulable = spec.unschedulable;
    }
    const annotations = ((patch.metadata ?? {}) as { annotations?: Record<string, string | null> }).annotations;
    for (const [key, value] of Object.entries(annotations ?? {})) {
      node.metadata.annotations ??= {};
      if (value === null) delete node.metadata.annotations[key];
      else node.metadata.annotations[key] = value;
    }
    return structuredClone(node);
  }
  async listPodsOnNode(node: string, labelSelector?: string): Promise<KubePod[]> {
    this.calls.push(`listPodsOnNode ${node}${labelSelector ? ` ${labelSelector}` : ''}`);
    return this.pods.filter((p) => p.spec.nodeName === node).map((p) => structuredClone(p));
  }
  async listKubeSystemPods(labelSelector?: string): Promise<KubePod[]> {
    const [key, value] = (labelSelector ?? '').split('=');
    return this.pods.filter((p) => p.metadata.namespace === 'kube-system' && (!key || p.metadata.labels?.[key] === value));
  }
  async listPods(): Promise<KubePod[]> {
    this.calls.push('listPods');
    return this.pods.map((p) => structuredClone(p));
  }
  async getPod(namespace: string, name: string): Promise<KubePod | null> {
    const ref = `${namespace}/${name}`;
    this.calls.push(`getPod ${ref}`);
    const index = this.pods.findIndex((p) => podRef(p) === ref);
    if (index < 0) return null;
    const left = this.terminating.get(ref);
    if (left !== undefined && !this.afterEviction.get(ref)?.stuck) {
      if (left <= 0) {
        this.terminating.delete(ref);
        const replacement = this.afterEviction.get(ref)?.replaceWithUid;
        if (replacement) {
          const next = structuredClone(this.pods[index]!);
          next.metadata.uid = replacement;
          delete next.metadata.deletionTimestamp;
          next.spec.nodeName = 'elsewhere';
          this.pods[index] = next;
        } else {
          this.pods.splice(index, 1);
          return null;
        }
      } else {
        this.terminating.set(ref, left - 1);
      }
    }
    return structuredClone(this.pods[index]!);
  }
  async evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<EvictionResult> {
    const ref = `${namespace}/${name}`;
    this.calls.push(`evictPod ${ref}`);
    this.evictGrace.push(gracePeriodSeconds);
    const script = this.evictionScript.get(ref) ?? [];
    const next = script.length > 1 ? script.shift()! : (script[0] ?? 'evicted');
    const result: EvictionResult = typeof next === 'string' ? { outcome: next, message: `${next} by script` } : next;
    if (result.outcome === 'evicted') this.startTerminating(ref);
    if (result.outcome === 'gone') this.pods = this.pods.filter((p) => podRef(p) !== ref);
    return result;
  }
  async deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'> {
    const ref = `${namespace}/${name}`;
    this.calls.push(`deletePod ${ref} grace=${gracePeriodSeconds}`);
    if (!this.pods.some((p) => podRef(p) === ref)) return 'gone';
    this.startTerminating(ref);
    return 'deleted';
  }
  private startTerminating(ref: string): void {
    const pod = this.pods.find((p) => podRef(p) === ref);
    if (!pod) return;
    pod.metadata.deletionTimestamp = new Date(this.now()).toISOString();
    this.terminating.set(ref, this.afterEviction.get(ref)?.pollsUntilGone ?? 0);
  }
  async listPdbs(): Promise<KubePdb[]> {
    this.calls.push('listPdbs');
    return this.pdbs;
  }
  /** DaemonSets with metadata (annotations, resourceVersion); a name only in `daemonSets` has bare metadata. */
  readonly daemonSetMeta = new Map<string, ObjectMeta>();
  async getDaemonSet(namespace: string, name: string): Promise<{ metadata: ObjectMeta } | null> {
    this.calls.push(`getDaemonSet ${namespace}/${name}`);
    const meta = this.daemonSetMeta.get(`${namespace}/${name}`);
    if (meta) return { metadata: structuredClone(meta) };
    return this.daemonSets.has(`${namespace}/${name}`) ? { metadata: { name } } : null;
  }
  async patchDaemonSetAnnotations(namespace: string, name: string, annotations: Record<string, string | null>, resourceVersion: string): Promise<{ metadata: ObjectMeta }> {
    const key = `${namespace}/${name}`;
    this.calls.push(`patchDaemonSetAnnotations ${key}`);
    const current = this.daemonSetMeta.get(key);
    if (!current) throw new KubeApiError(`patch daemonset ${key}: not found (HTTP 404 NotFound)`, 404, 'NotFound');
    if (current.resourceVersion !== resourceVersion) throw new KubeApiError(`patch daemonset ${key}: the object has been modified (HTTP 409 Conflict)`, 409, 'Conflict');
    const next = { ...current.annotations };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const stored: ObjectMeta = { ...current, annotations: next, resourceVersion: String(Number(current.resourceVersion ?? '0') + 1) };
    this.daemonSetMeta.set(key, stored);
    return { metadata: structuredClone(stored) };
  }
  async getVersion(): Promise<KubeVersionInfo> {
    return this.version;
  }
  async getLease(namespace: string, name: string): Promise<KubeLease | null> {
    return structuredClone(this.leases.get(`${namespace}/${name}`) ?? null);
  }
  async createLease(lease: KubeLease): Promise<KubeLease> {
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    if (this.leases.has(key)) throw new KubeApiError(`create lease ${key}: already exists (HTTP 409 AlreadyExists)`, 409, 'AlreadyExists');
    const stored = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: '1' } };
    this.leases.set(key, stored);
    return structuredClone(stored);
  }
  async replaceLease(lease: KubeLease): Promise<KubeLease> {
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    const current = this.leases.get(key);
    if (!current || current.metadata.resourceVersion !== lease.metadata.resourceVersion) {
      throw new KubeApiError(`replace lease ${key}: the object has been modified (HTTP 409 Conflict)`, 409, 'Conflict');
    }
    const stored = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(Number(current.metadata.resourceVersion) + 1) } };
    this.leases.set(key, stored);
    return structuredClone(stored);
  }
  async deleteLease(namespace: string, name: string): Promise<boolean> {
    return this.leases.delete(`${namespace}/${name}`);
  }
}
