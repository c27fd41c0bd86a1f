/**
 * `kubectl drain` through the KubePort: cordon, plan with kubectl's filters, evict every pod concurrently,
 * retry PodDisruptionBudget refusals (429) every retryDelayMs until one global deadline, treat 404 or a new
 * UID as gone, and fail a pod at once on any other refusal (e.g. 500 for a pod under several PDBs). Unlike
 * kubectl it reports, while waiting and on failure, which pods remain and which PDB holds each one.
 */
import { KubeApiError } from '../errors.js';
import { deletedLongAgo, formatDrainErrors, pdbsCovering, planDrain, type DrainFilterOptions, type DrainPlan } from './drain-filters.js';
import { DrainError, type PendingPod } from './errors.js';
import { controllerOf, podRef, systemClock, type Clock, type KubePdb, type KubePod, type KubePort } from './port.js';

export { waitNodeReady, type WaitNodeReadyOptions } from './nodes.js';
export { surveyVersions, type VersionSurvey } from './versions.js';

export interface DrainOptions extends Omit<DrainFilterOptions, 'now'> {
  /** One global deadline for the whole node; 0 means none (kubectl's default — set one in automation). */
  timeoutMs: number;
  /** -1 (default) uses each pod's terminationGracePeriodSeconds; 0 deletes immediately. */
  gracePeriodSeconds?: number;
  /** Plain DELETE instead of eviction: bypasses PodDisruptionBudgets. */
  disableEviction?: boolean;
  retryDelayMs?: number;
  pollMs?: number;
  onProgress?: (event: DrainProgress) => void;
  clock?: Clock;
}

export type DrainProgress =
  | { kind: 'cordoned'; node: string; alreadyCordoned: boolean }
  | { kind: 'planned'; node: string; toEvict: string[]; skipped: Array<{ pod: string; reason: string }>; warnings: string[] }
  | { kind: 'blocked'; node: string; pod: string; pdbs: string[]; message: string; retryInMs: number }
  | { kind: 'terminating'; node: string; pod: string }
  | { kind: 'gone'; node: string; pod: string }
  | { kind: 'failed'; node: string; pod: string; message: string }
  | { kind: 'waiting'; node: string; remaining: PendingPod[]; elapsedMs: number }
  | { kind: 'warning'; node: string; message: string };

export interface DrainResult {
  node: string;
  wasAlreadyCordoned: boolean;
  evicted: string[];
  skipped: Array<{ pod: string; reason: string }>;
  warnings: string[];
  elapsedMs: number;
}

/** Cordons (merge patch spec.unschedulable=true) unless already cordoned, and says which it was. */
export async function cordon(port: KubePort, node: string): Promise<{ wasAlreadyCordoned: boolean }> {
  const current = await port.getNode(node);
  if (current.spec.unschedulable === true) return { wasAlreadyCordoned: true };
  await port.patchNode(node, { spec: { unschedulable: true } });
  return { wasAlreadyCordoned: false };
}

/** Uncordons (removes spec.unschedulable, as kubectl's patch does) unless not cordoned. */
export async function uncordon(port: KubePort, node: string): Promise<{ wasCordoned: boolean }> {
  const current = await port.getNode(node);
  if (current.spec.unschedulable !== true) return { wasCordoned: false };
  await port.patchNode(node, { spec: { unschedulable: null } });
  return { wasCordoned: true };
}

export async function drainNode(port: KubePort, node: string, options: DrainOptions): Promise<DrainResult> {
  const clock = options.clock ?? systemClock;
  const emit = options.onProgress ?? (() => {});
  const started = clock.now();
  const { wasAlreadyCordoned } = await cordon(port, node);
  emit({ kind: 'cordoned', node, alreadyCordoned: wasAlreadyCordoned });
  try {
    const pods = await port.listPodsOnNode(node, options.podSelector || undefined);
    const existingDaemonSets = await findDaemonSets(port, pods);
    const plan = planDrain(pods, { ...options, now: clock.now() }, (ns, name) => existingDaemonSets.has(`${ns}/${name}`));
    const skipped = plan.skipped.map((s) => ({ pod: podRef(s.pod), reason: s.reason }));
    emit({ kind: 'planned', node, toEvict: plan.toEvict.map(podRef), skipped, warnings: plan.warnings });
    if (plan.errors.length > 0) {
      const pending = plan.errors.map((e): PendingPod => ({ pod: podRef(e.pod), state: 'failed', pdbs: [], message: e.reason }));
      throw new DrainError(node, 'refused', `cannot drain node "${node}":\n${formatDrainErrors(plan.errors).join('\n')}`, pending, wasAlreadyCordoned);
    }
    const pdbs = options.disableEviction ? [] : await listPdbsForProgress(port, node, emit);
    const evicted = await evictAll(port, node, plan, pdbs, options, clock, started, wasAlreadyCordoned);
    return { node, wasAlreadyCordoned, evicted, skipped, warnings: plan.warnings, elapsedMs: clock.now() - started };
  } catch (err) {
    if (err instanceof DrainError) throw err;
    if (err instanceof KubeApiError) {
      throw new DrainError(node, 'api', `drain of node "${node}" failed: ${err.message}`, [], wasAlreadyCordoned, err.status, err.reason);
    }
    throw err;
  }
}

/** The DaemonSets the node's live pods belong to that still exist (the filters' only lookup). */
async function findDaemonSets(port: KubePort, pods: KubePod[]): Promise<Set<string>> {
  const wanted = new Set<string>();
  for (const pod of pods) {
    const ref = controllerOf(pod.metadata);
    const finished = pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';
    if (ref?.kind === 'DaemonSet' && !finished) wanted.add(`${pod.metadata.namespace ?? 'default'}/${ref.name}`);
  }
  const existing = new Set<string>();
  await Promise.all(
    [...wanted].map(async (key) => {
      const [ns, name] = key.split('/') as [string, string];
      if (await port.getDaemonSet(ns, name)) existing.add(key);
    }),
  );
  return existing;
}

/** PDBs only explain refusals; without list rights the drain still works, just with less detail. */
async function listPdbsForProgress(port: KubePort, node: string, emit: (e: DrainProgress) => void): Promise<KubePdb[]> {
  try {
    return await port.listPdbs();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    emit({ kind: 'warning', node, message: `cannot list PodDisruptionBudgets, blocked pods will not name theirs: ${why}` });
    return [];
  }
}

type PodOutcome = { pod: string; result: 'gone' } | { pod: string; result: 'failed' | 'timeout'; message?: string };

async function evictAll(
  port: KubePort,
  node: string,
  plan: DrainPlan,
  pdbs: KubePdb[],
  options: DrainOptions,
  clock: Clock,
  started: number,
  wasAlreadyCordoned: boolean,
): Promise<string[]> {
  const emit = options.onProgress ?? (() => {});
  const retryDelayMs = options.retryDelayMs ?? 5000;
  const pollMs = options.pollMs ?? 1000;
  const grace = options.gracePeriodSeconds === undefined || options.gracePeriodSeconds < 0 ? undefined : options.gracePeriodSeconds;
  const deadline = options.timeoutMs > 0 ? started + options.timeoutMs : Infinity;
  const remainingMs = (): number => deadline - clock.now();
  const pending = new Map<string, PendingPod>();
  const report = (): void => emit({ kind: 'waiting', node, remaining: [...pending.values()], elapsedMs: clock.now() - started });

  const processPod = async (pod: KubePod): Promise<PodOutcome> => {
    const ref = podRef(pod);
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    const uid = pod.metadata.uid;
    const replacedOrGone = (fresh: KubePod | null): boolean => fresh === null || (uid !== undefined && fresh.metadata.uid !== uid);
    const covering = pdbsCovering(pod, pdbs).map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
    const done = (): PodOutcome => {
      pending.delete(ref);
      emit({ kind: 'gone', node, pod: ref });
      return { pod: ref, result: 'gone' };
    };
    let current = pod;
    pending.set(ref, { pod: ref, state: 'evicting', pdbs: covering });
    try {
      for (;;) {
        if (remainingMs() <= 0) return { pod: ref, result: 'timeout' };
        const res = options.disableEviction
          ? (await port.deletePod(ns, name, grace)) === 'gone'
            ? { outcome: 'gone' as const, message: '' }
            : { outcome: 'evicted' as const, message: '' }
          : await port.evictPod(ns, name, grace);
        if (res.outcome === 'evicted') break;
        if (res.outcome === 'gone') return done();
        if (res.outcome === 'fatal') {
          pending.set(ref, { pod: ref, state: 'failed', pdbs: covering, message: res.message });
          emit({ kind: 'failed', node, pod: ref, message: res.message });
          return { pod: ref, result: 'failed', message: res.message };
        }
        if (res.outcome === 'namespace-terminating' && current.metadata.deletionTimestamp) break;
        const message = res.causes?.[0] ?? res.message;
        const waitMs = Math.min(retryDelayMs, remainingMs());
        pending.set(ref, { pod: ref, state: 'blocked', pdbs: covering, message });
        emit({ kind: 'blocked', node, pod: ref, pdbs: covering, message, retryInMs: waitMs });
        report();
        await clock.sleep(waitMs);
        const fresh = await port.getPod(ns, name);
        if (replacedOrGone(fresh)) return done();
        current = fresh!;
      }
      pending.set(ref, { pod: ref, state: 'terminating', pdbs: [] });
      emit({ kind: 'terminating', node, pod: ref });
      for (;;) {
        const fresh = await port.getPod(ns, name);
        if (replacedOrGone(fresh)) return done();
        if (deletedLongAgo(fresh!, options.skipWaitForDeleteTimeoutSeconds, clock.now())) return done();
        if (remainingMs() <= 0) return { pod: ref, result: 'timeout' };
        await clock.sleep(Math.min(pollMs, remainingMs()));
      }
    } catch (err) {
      // A request that failed outright (not a refusal): kubectl gives up on that pod, so does drydock.
      const message = err instanceof Error ? err.message : String(err);
      pending.set(ref, { pod: ref, state: 'failed', pdbs: covering, message });
      emit({ kind: 'failed', node, pod: ref, message });
      return { pod: ref, result: 'failed', message };
    }
  };

  const outcomes = await Promise.all(plan.toEvict.map(processPod));
  const failed = outcomes.filter((o) => o.result === 'failed');
  const timedOut = outcomes.filter((o) => o.result === 'timeout');
  if (failed.length === 0 && timedOut.length === 0) return outcomes.map((o) => o.pod);

  const left = [...pending.values()];
  const lines: string[] = [];
  for (const f of failed) {
    const [ns, name] = f.pod.split('/');
    lines.push(`error when evicting pods/"${name}" -n "${ns}": ${'message' in f ? f.message : ''}`);
  }
  if (timedOut.length > 0) {
    lines.push(`global timeout reached: ${Math.round((options.timeoutMs / 1000) * 10) / 10}s; pods still on node "${node}":`);
    for (const p of left.filter((l) => l.state !== 'failed')) lines.push(`  ${describePending(p)}`);
  }
  const kind = timedOut.length > 0 ? 'timeout' : 'eviction-failed';
  throw new DrainError(node, kind, `drain of node "${node}" did not finish:\n${lines.join('\n')}`, left, wasAlreadyCordoned);
}

function describePending(p: PendingPod): string {
  if (p.state === 'blocked') {
    const holders = p.pdbs.length > 0 ? `held by PodDisruptionBudget ${p.pdbs.join(', ')}` : 'eviction refused';
    return `${p.pod} (${holders}${p.message ? `: ${p.message}` : ''})`;
  }
  if (p.state === 'terminating') return `${p.pod} (eviction accepted, still terminating)`;
  return `${p.pod} (${p.state})`;
}
