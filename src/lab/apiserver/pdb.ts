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
  /** Why the budget cannot be computed (unmanaged pods with a percentage or maxUnavailable). */
  problem?: string;
}

/** Resolves a pod's controller to its desired replica count; undefined when it has no scale. */
export type ScaleOf = (pod: KubeObject) => number | undefined | 'unmanaged';

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

export function computePdbStatus(pdb: KubeObject, pods: KubeObject[], scaleOf: ScaleOf): PdbStatus {
  const covered = podsCoveredBy(pdb, pods).filter((pod) => !podIsTerminal(pod));
  const currentHealthy = covered.filter(isHealthy).length;
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  let expectedPods = covered.length;
  let desiredHealthy = 0;
  const needsScale = maxUnavailable !== undefined || isPercent(minAvailable);
  if (needsScale) {
    // The disruption controller sums each distinct controller's scale once.
    const seen = new Set<string>();
    expectedPods = 0;
    for (const pod of covered) {
      const owner = controllerOf(pod);
      const scale = scaleOf(pod);
      if (!owner || scale === 'unmanaged' || scale === undefined) {
        return {
          expectedPods: 0,
          desiredHealthy: 0,
          currentHealthy,
          disruptionsAllowed: 0,
          problem: `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged or managed by an unsupported controller (missing a /scale subresource). As a result, the maxUnavailable field and percentage values of minAvailable can not be used with this PodDisruptionBudget.`,
        };
      }
      if (seen.has(owner.uid)) continue;
      seen.add(owner.uid);
      expectedPods += scale;
    }
  }
  if (maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true));
  } else if (minAvailable !== undefined) {
    desiredHealthy = scaledValue(minAvailable, expectedPods, true);
  } else {
    desiredHealthy = expectedPods;
  }
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy) };
}

export function pdbStatusObject(pdb: KubeObject, status: PdbStatus, nowIso: string): Json {
  const allowed = status.disruptionsAllowed > 0;
  const previous = (pdb.status?.conditions ?? []).find((c: Json) => c.type === 'DisruptionAllowed');
  const conditionStatus = allowed ? 'True' : 'False';
  const reason = status.problem ? 'SyncFailed' : allowed ? 'SufficientPods' : 'InsufficientPods';
  return {
    observedGeneration: pdb.metadata.generation ?? 1,
    disruptionsAllowed: status.disruptionsAllowed,
    currentHealthy: status.currentHealthy,
    desiredHealthy: status.desiredHealthy,
    expectedPods: status.expectedPods,
    ...(pdb.status?.disruptedPods ? { disruptedPods: pdb.status.disruptedPods } : {}),
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: conditionStatus,
        reason,
        message: status.problem ?? '',
        observedGeneration: pdb.metadata.generation ?? 1,
        lastTransitionTime:
          previous && previous.status === conditionStatus && previous.reason === reason ? previous.lastTransitionTime : nowIso,
      },
    ],
  };
}

export type EvictionVerdict =
  | { kind: 'delete'; chargedPdb?: string }
  | { kind: 'already-terminating' };

/**
 * The eviction subresource's decision for one pod (pkg/registry/core/pod/storage/eviction.go): terminal or
 * pending pods and pods already being deleted skip the budget; more than one covering budget is a 500;
 * a budget with no disruption left is a 429 whose cause names it.
 */
export function decideEviction(pod: KubeObject, pdbs: KubeObject[], statusOf: (pdb: KubeObject) => PdbStatus): EvictionVerdict {
  if (pod.metadata.deletionTimestamp) return { kind: 'already-terminating' };
  if (podIsTerminal(pod) || pod.status?.phase === 'Pending') return { kind: 'delete' };
  const covering = pdbs.filter((pdb) => podsCoveredBy(pdb, [pod]).length === 1);
  if (covering.length === 0) return { kind: 'delete' };
  if (covering.length > 1) {
    throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const pdb = covering[0]!;
  const status = statusOf(pdb);
  // An unhealthy pod may go while the budget is met (unhealthyPodEvictionPolicy IfHealthyBudget, the default).
  if (!isHealthy(pod)) {
    const alwaysAllow = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    if (alwaysAllow || status.currentHealthy >= status.desiredHealthy) return { kind: 'delete' };
  }
  if (status.disruptionsAllowed <= 0) {
    throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [
        {
          reason: 'DisruptionBudget',
          message: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
        },
      ],
    });
  }
  return { kind: 'delete', chargedPdb: pdb.metadata.name };
}
