/**
 * PodDisruptionBudget arithmetic (the disruption controller's status) and the eviction subresource's
 * verdict, as pure functions over the pods and controllers they read.
 */
import { ApiError } from './status.js';
import { selectorMatches } from './selectors.js';
import { controllerOf, podIsReady, podIsTerminal } from './types.js';
import type { Json, KubeObject } from './types.js';

export interface PdbStatus {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
  /** Why the budget cannot be computed: the disruption controller's sync error (its status is then kept, 0 allowed). */
  problem?: string;
  /** Pods the eviction subresource charged to the budget that are not gone yet (not counted as healthy). */
  disruptedPods?: Record<string, string>;
  /** Of a stored status: the budget generation the controller last processed (the eviction's first check). */
  observedGeneration?: number;
  /** Of a stored status: its DisruptionAllowed condition. */
  condition?: { status: string; reason: string; message: string };
}

/**
 * A pod controller's scale (`spec.replicas` of the ReplicaSet, its Deployment, the StatefulSet), 'unmanaged'
 * for a pod without a controller, or the disruption controller's error for a controller without /scale.
 */
export type ScaleOf = (pod: KubeObject) => number | 'unmanaged' | { error: string };

/** How long a charged pod stays out of the healthy count while it is not deleted (the controller's DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

export function podsCoveredBy(pdb: KubeObject, pods: KubeObject[]): KubeObject[] {
  return pods.filter(
    (pod) => pod.metadata.namespace === pdb.metadata.namespace && selectorMatches(pdb.spec?.selector, pod.metadata.labels),
  );
}

/** `intstr.GetScaledValueFromIntOrPercent`: integers as is, "NN%" of total, rounded up or down. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value.trim());
  if (!match) {
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function isPercent(value: Json): boolean {
  return typeof value === 'string' && value.trim().endsWith('%');
}

/** A pod counts as healthy when it is Ready and not on its way out. */
export function isHealthy(pod: KubeObject): boolean {
  return !pod.metadata.deletionTimestamp && !podIsTerminal(pod) && podIsReady(pod);
}

/**
 * The disruption controller's status (pkg/controller/disruption): unmanaged pods are left out of a scaled
 * budget's expected count (since 1.26, a warning event upstream); a controller without /scale is a sync
 * error; pods being deleted or charged by a recent eviction are not healthy; nothing is allowed while no pod
 * is expected.
 */
export function computePdbStatus(pdb: KubeObject, pods: KubeObject[], scaleOf: ScaleOf, now = Date.now()): PdbStatus {
  const covered = podsCoveredBy(pdb, pods).filter((pod) => !podIsTerminal(pod));
  const charged = (pdb.status?.disruptedPods ?? {}) as Record<string, string>;
  const disruptedPods: Record<string, string> = {};
  for (const pod of covered) {
    const at = charged[pod.metadata.name];
    if (at && !pod.metadata.deletionTimestamp && Date.parse(at) + DELETION_TIMEOUT_MS > now) disruptedPods[pod.metadata.name] = at;
  }
  const currentHealthy = covered.filter((pod) => isHealthy(pod) && !(pod.metadata.name in disruptedPods)).length;
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  let expectedPods = covered.length;
  let desiredHealthy = 0;
  if (maxUnavailable !== undefined || isPercent(minAvailable)) {
    // Each distinct controller's scale, once; pods without a controller do not count.
    const scales = new Map<string, number>();
    for (const pod of covered) {
      const owner = controllerOf(pod);
      if (!owner || scales.has(owner.uid)) continue;
      const scale = scaleOf(pod);
      if (scale === 'unmanaged') continue;
      if (typeof scale === 'object') return { expectedPods: 0, desiredHealthy: 0, currentHealthy, disruptionsAllowed: 0, problem: scale.error };
      scales.set(owner.uid, scale);
    }
    expectedPods = [...scales.values()].reduce((a, b) => a + b, 0);
  }
  if (maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true));
  } else if (minAvailable !== undefined) {
    desiredHealthy = scaledValue(minAvailable, expectedPods, true);
  }
  const allowed = currentHealthy - desiredHealthy;
  return {
    expectedPods,
    desiredHealthy,
    currentHealthy,
    disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed,
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
  };
}

/** A stored budget status as the eviction subresource reads it. */
export function storedPdbStatus(pdb: KubeObject): PdbStatus {
  const s = pdb.status ?? {};
  const c = (s.conditions ?? []).find((x: Json) => x.type === 'DisruptionAllowed');
  return {
    expectedPods: s.expectedPods ?? 0,
    desiredHealthy: s.desiredHealthy ?? 0,
    currentHealthy: s.currentHealthy ?? 0,
    disruptionsAllowed: s.disruptionsAllowed ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    ...(c ? { condition: { status: c.status, reason: c.reason, message: c.message ?? '' } } : {}),
  };
}

/**
 * The status object the controller writes. On a sync error (failSafe) it keeps the previous counts and
 * observedGeneration, allows nothing and says why in a SyncFailed condition.
 */
export function pdbStatusObject(pdb: KubeObject, status: PdbStatus, nowIso: string): Json {
  const before = pdb.status ?? {};
  const generation = pdb.metadata.generation ?? 1;
  if (status.problem) {
    const kept = { ...before, disruptionsAllowed: 0 };
    const observed = before.observedGeneration ?? 0;
    return { ...kept, conditions: withCondition(before, 'False', 'SyncFailed', status.problem, observed, nowIso) };
  }
  const allowed = status.disruptionsAllowed > 0;
  return {
    observedGeneration: generation,
    disruptionsAllowed: status.disruptionsAllowed,
    currentHealthy: status.currentHealthy,
    desiredHealthy: status.desiredHealthy,
    expectedPods: status.expectedPods,
    ...(status.disruptedPods ? { disruptedPods: status.disruptedPods } : {}),
    conditions: withCondition(before, allowed ? 'True' : 'False', allowed ? 'SufficientPods' : 'InsufficientPods', '', generation, nowIso),
  };
}

/** `meta.SetStatusCondition` for DisruptionAllowed: the transition time moves only when the status does. */
function withCondition(before: Json, status: string, reason: string, message: string, observedGeneration: number, nowIso: string): Json[] {
  const previous = (before.conditions ?? []).find((c: Json) => c.type === 'DisruptionAllowed');
  const since = previous && previous.status === status ? previous.lastTransitionTime : nowIso;
  return [{ type: 'DisruptionAllowed', status, reason, message, observedGeneration, lastTransitionTime: since }];
}

export type EvictionVerdict =
  | { kind: 'delete'; chargedPdb?: string }
  | { kind: 'already-terminating' };

const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(message: string, retryAfterSeconds = 0): ApiError {
  return new ApiError(429, 'TooManyRequests', REFUSED, {
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    causes: [{ reason: 'DisruptionBudget', message }],
  });
}

/**
 * The eviction subresource's decision for one pod (pkg/registry/core/pod/storage/eviction.go), from the
 * budget's stored status: terminal, pending and terminating pods skip the budget; more than one covering
 * budget is a 500 without a reason; a not-Ready pod skips it only while the budget is met and wants at least
 * one healthy pod (desiredHealthy > 0); otherwise the budget must have processed its generation and allow a
 * disruption, else 429 with the cause the real server words by the budget's state.
 */
export function decideEviction(pod: KubeObject, pdbs: KubeObject[], statusOf: (pdb: KubeObject) => PdbStatus): EvictionVerdict {
  if (pod.metadata.deletionTimestamp) return { kind: 'already-terminating' };
  if (podIsTerminal(pod) || pod.status?.phase === 'Pending') return { kind: 'delete' };
  const covering = pdbs.filter((pdb) => podsCoveredBy(pdb, [pod]).length === 1);
  if (covering.length === 0) return { kind: 'delete' };
  if (covering.length > 1) {
    throw new ApiError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const pdb = covering[0]!;
  const name = pdb.metadata.name;
  const status = statusOf(pdb);
  if (!podIsReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { kind: 'delete' };
    if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) return { kind: 'delete' };
  }
  if (status.observedGeneration !== undefined && status.observedGeneration < (pdb.metadata.generation ?? 1)) {
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
  }
  if (status.disruptionsAllowed <= 0) {
    const c = status.condition ?? (status.problem ? { status: 'False', reason: 'SyncFailed', message: status.problem } : undefined);
    let message = `The disruption budget ${name} does not allow evicting pods currently`;
    if (c?.status === 'False' && c.message && c.reason === 'SyncFailed') {
      message = `The disruption budget ${name} does not allow evicting pods currently because it failed sync: ${c.message}`;
    } else if (status.currentHealthy <= status.desiredHealthy) {
      message = `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`;
    } else if (c?.status === 'False' && c.message) {
      message = `The disruption budget ${name} does not allow evicting pods currently (${c.reason}): ${c.message}`;
    }
    throw tooManyRequests(message);
  }
  return { kind: 'delete', chargedPdb: name };
}
