/**
 * Which pods a drain evicts, skips or refuses — kubectl's pkg/drain/filters.go, in kubectl's order, with its
 * messages. The first filter that says "do not delete" wins. Any error aborts the drain before any eviction.
 */
import { selectorMatches, selectorStringMatches } from './label-selector.js';
import { controllerOf, podRef, type KubePdb, type KubePod } from './port.js';

export interface DrainFilterOptions {
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
  force: boolean;
  /** Skip pods whose deletionTimestamp is older than this many seconds; 0 disables. */
  skipWaitForDeleteTimeoutSeconds: number;
  /** Textual label selector (`--pod-selector`); pods that do not match are left alone. */
  podSelector?: string;
  /** Epoch milliseconds. */
  now: number;
}

export type SkipReason = 'deletion-timestamp-old' | 'daemonset' | 'mirror-pod' | 'not-selected';

export interface DrainPlan {
  toEvict: KubePod[];
  skipped: Array<{ pod: KubePod; reason: SkipReason }>;
  /** Grouped like kubectl: `ignoring DaemonSet-managed Pods: kube-system/kube-proxy-x, ...`. */
  warnings: string[];
  /** The same warnings pod by pod (e.g. UNMANAGED_WARNING for a pod --force deletes for good). */
  podWarnings: Array<{ pod: KubePod; warning: string }>;
  errors: Array<{ pod: KubePod; reason: string }>;
}

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'Pods declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

type Verdict =
  | { delete: true; warning?: string }
  | { delete: false; skip: SkipReason; warning?: string }
  | { delete: false; error: string };

type Filter = (pod: KubePod) => Verdict;

const OK: Verdict = { delete: true };

function isFinished(pod: KubePod): boolean {
  return pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';
}

/** kubectl's shouldSkipPod: whole seconds since deletion strictly greater than the timeout. */
export function deletedLongAgo(pod: KubePod, timeoutSeconds: number, now: number): boolean {
  const stamp = pod.metadata.deletionTimestamp;
  if (timeoutSeconds <= 0 || !stamp) return false;
  return Math.trunc((now - Date.parse(stamp)) / 1000) > timeoutSeconds;
}

function makeFilters(options: DrainFilterOptions, daemonSetExists: (ns: string, name: string) => boolean): Filter[] {
  const skipDeleted: Filter = (pod) =>
    deletedLongAgo(pod, options.skipWaitForDeleteTimeoutSeconds, options.now)
      ? { delete: false, skip: 'deletion-timestamp-old' }
      : OK;

  const daemonSet: Filter = (pod) => {
    const ref = controllerOf(pod.metadata);
    if (!ref || ref.kind !== 'DaemonSet' || isFinished(pod)) return OK;
    const namespace = pod.metadata.namespace ?? 'default';
    if (!daemonSetExists(namespace, ref.name)) {
      const notFound = `daemonsets.apps "${ref.name}" not found`;
      return options.force ? { delete: true, warning: notFound } : { delete: false, error: notFound };
    }
    if (!options.ignoreDaemonsets) return { delete: false, error: DAEMONSET_FATAL };
    return { delete: false, skip: 'daemonset', warning: DAEMONSET_WARNING };
  };

  const mirror: Filter = (pod) =>
    pod.metadata.annotations && Object.hasOwn(pod.metadata.annotations, MIRROR_ANNOTATION)
      ? { delete: false, skip: 'mirror-pod' }
      : OK;

  const localStorage: Filter = (pod) => {
    if (!(pod.spec.volumes ?? []).some((v) => v.emptyDir !== undefined && v.emptyDir !== null)) return OK;
    if (isFinished(pod)) return OK;
    if (!options.deleteEmptydirData) return { delete: false, error: LOCAL_STORAGE_FATAL };
    return { delete: true, warning: LOCAL_STORAGE_WARNING };
  };

  const unreplicated: Filter = (pod) => {
    if (isFinished(pod) || controllerOf(pod.metadata)) return OK;
    if (options.force) return { delete: true, warning: UNMANAGED_WARNING };
    return { delete: false, error: UNMANAGED_FATAL };
  };

  return [skipDeleted, daemonSet, mirror, localStorage, unreplicated];
}

/**
 * Sorts the pods of a node into evict / skip / error, exactly as `kubectl drain` would. DaemonSet existence is
 * looked up beforehand by the caller (the only I/O the filters need), so this stays pure.
 */
export function planDrain(
  pods: KubePod[],
  options: DrainFilterOptions,
  daemonSetExists: (namespace: string, name: string) => boolean,
): DrainPlan {
  const filters = makeFilters(options, daemonSetExists);
  const plan: DrainPlan = { toEvict: [], skipped: [], warnings: [], podWarnings: [], errors: [] };
  const warningGroups = new Map<string, string[]>();
  for (const pod of pods) {
    if (options.podSelector && !selectorStringMatches(options.podSelector, pod.metadata.labels)) {
      plan.skipped.push({ pod, reason: 'not-selected' });
      continue;
    }
    let verdict: Verdict = OK;
    // kubectl keeps only the last filter's warning (a TODO in filters.go); drydock reports every one.
    const warnings: string[] = [];
    for (const filter of filters) {
      verdict = filter(pod);
      if ('warning' in verdict && verdict.warning) warnings.push(verdict.warning);
      if (!verdict.delete) break;
    }
    if (verdict.delete) plan.toEvict.push(pod);
    else if ('error' in verdict) plan.errors.push({ pod, reason: verdict.error });
    else plan.skipped.push({ pod, reason: verdict.skip });
    if ('error' in verdict) continue;
    for (const warning of warnings) {
      plan.podWarnings.push({ pod, warning });
      const list = warningGroups.get(warning) ?? [];
      list.push(podRef(pod));
      warningGroups.set(warning, list);
    }
  }
  plan.warnings = [...warningGroups].map(([message, refs]) => `${message}: ${refs.join(', ')}`);
  return plan;
}

/** kubectl's PodDeleteList.errors(): one line per reason, `cannot delete <reason>: ns/a, ns/b`. */
export function formatDrainErrors(errors: DrainPlan['errors']): string[] {
  const groups = new Map<string, string[]>();
  for (const { pod, reason } of errors) {
    const list = groups.get(reason) ?? [];
    list.push(podRef(pod));
    groups.set(reason, list);
  }
  return [...groups].map(([reason, refs]) => `cannot delete ${reason}: ${refs.join(', ')}`);
}

/**
 * The PodDisruptionBudgets whose selector covers the pod: same namespace, selector matching its labels.
 * A PDB without a selector covers nothing; one with an empty selector covers every pod in its namespace.
 */
export function pdbsCovering(pod: KubePod, pdbs: KubePdb[]): KubePdb[] {
  const namespace = pod.metadata.namespace ?? 'default';
  return pdbs.filter(
    (pdb) =>
      (pdb.metadata.namespace ?? 'default') === namespace &&
      pdb.spec.selector !== undefined &&
      pdb.spec.selector !== null &&
      selectorMatches(pdb.spec.selector, pod.metadata.labels),
  );
}

/** Why a budget would refuse a pod's eviction now: it is under several (500, never retried) or one with no disruption left. */
export interface BudgetHold {
  pod: KubePod;
  /** `namespace/name` of each covering budget. */
  budgets: string[];
  problem: 'several-budgets' | 'no-disruption-allowed';
}

/**
 * Evictions the PodDisruptionBudgets would refuse now, by the eviction subresource's rules
 * (pkg/registry/core/pod/storage/eviction.go): terminating, finished and Pending pods skip the budgets; a pod
 * under two budgets is refused (500); a not-Ready pod skips its budget while the budget is met
 * (currentHealthy >= desiredHealthy > 0) or says AlwaysAllow; otherwise status.disruptionsAllowed 0 refuses.
 * A budget with one disruption left and two pods to evict only slows the drain down (the second eviction
 * waits for the first pod's replacement), so it is not a hold.
 */
export function budgetHolds(pods: KubePod[], pdbs: KubePdb[]): BudgetHold[] {
  const holds: BudgetHold[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || isFinished(pod) || pod.status.phase === 'Pending') continue;
    const covering = pdbsCovering(pod, pdbs);
    const budgets = covering.map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
    if (covering.length > 1) {
      holds.push({ pod, budgets, problem: 'several-budgets' });
      continue;
    }
    const [pdb] = covering;
    if (!pdb) continue;
    const status = pdb.status ?? {};
    const ready = pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    if (!ready && pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') continue;
    if (!ready && (status.desiredHealthy ?? 0) > 0 && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0)) continue;
    if ((status.disruptionsAllowed ?? 0) <= 0) holds.push({ pod, budgets, problem: 'no-disruption-allowed' });
  }
  return holds;
}
