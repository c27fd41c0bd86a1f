/**
 * What would stop a drain, found before any node is cordoned: the drain filters' refusals (pods without a
 * controller without force, emptyDir pods without delete-emptydir-data, DaemonSet pods without
 * ignore-daemonsets), the PodDisruptionBudgets that allow no disruption now, and whether the nodes that stay
 * schedulable have room (by resource requests) for the pods a batch of drains sends away. Also what the
 * force-style options lose. The rules are drain-filters.ts's, applied to one read of the cluster. Pure.
 */
import { budgetHolds, LOCAL_STORAGE_FATAL, LOCAL_STORAGE_WARNING, planDrain, UNMANAGED_FATAL, UNMANAGED_WARNING, DAEMONSET_FATAL } from './drain-filters.js';
import { controllerOf, nodeReadyCondition, podRef, type KubeNode, type KubePdb, type KubePod, type KubeTaint, type KubeToleration } from './port.js';
import { parseQuantity, podRequests } from './quantity.js';

/** The drain options that decide what is refused or lost (kube_drain's arguments). */
export interface DrainSettings {
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
  force: boolean;
  disableEviction: boolean;
  podSelector?: string;
  skipWaitForDeleteTimeoutSeconds: number;
}

/** One read of the cluster: every node, pod and budget, and which DaemonSets exist (`namespace/name`). */
export interface ClusterView {
  nodes: KubeNode[];
  pods: KubePod[];
  pdbs: KubePdb[];
  daemonSets: ReadonlySet<string>;
  /** Epoch ms. */
  now: number;
}

export type BlockerKind = 'no-controller' | 'emptydir' | 'daemonset' | 'budget' | 'several-budgets' | 'other';

export interface DrainBlocker {
  kind: BlockerKind;
  /** `namespace/name`. */
  pods: string[];
  /** The budget(s) holding the pods (`namespace/name`), for the budget kinds. */
  budgets?: string[];
  /** The drain's own reason (kubectl's wording). */
  reason: string;
}

export type LossKind = 'no-controller' | 'emptydir-data' | 'budget-ignored';

export interface DrainLoss {
  kind: LossKind;
  pods: string[];
}

export interface NodeDrainCheck {
  node: string;
  /** Pods the drain would evict (or delete). */
  evict: string[];
  blockers: DrainBlocker[];
  lost: DrainLoss[];
  /** Evicted pods a controller recreates elsewhere: what needs room. */
  rehome: KubePod[];
}

const FINISHED = new Set(['Succeeded', 'Failed']);

const ERROR_KINDS: Record<string, BlockerKind> = {
  [UNMANAGED_FATAL]: 'no-controller',
  [LOCAL_STORAGE_FATAL]: 'emptydir',
  [DAEMONSET_FATAL]: 'daemonset',
};

/** The drain of one node as it would go now, by drain-filters.ts's rules and the budgets' status. */
export function checkNodeDrain(node: string, settings: DrainSettings, view: ClusterView): NodeDrainCheck {
  const pods = view.pods.filter((p) => p.spec.nodeName === node);
  const plan = planDrain(pods, { ...settings, now: view.now }, (ns, name) => view.daemonSets.has(`${ns}/${name}`));
  const blockers: DrainBlocker[] = [];
  for (const { pod, reason } of plan.errors) {
    const found = blockers.find((b) => b.reason === reason);
    if (found) found.pods.push(podRef(pod));
    else blockers.push({ kind: ERROR_KINDS[reason] ?? 'other', pods: [podRef(pod)], reason });
  }
  const lost: DrainLoss[] = [];
  const lose = (kind: LossKind, pod: KubePod): void => {
    const found = lost.find((l) => l.kind === kind);
    if (found) found.pods.push(podRef(pod));
    else lost.push({ kind, pods: [podRef(pod)] });
  };
  for (const { pod, warning } of plan.podWarnings) {
    if (warning === UNMANAGED_WARNING) lose('no-controller', pod);
    else if (warning === LOCAL_STORAGE_WARNING) lose('emptydir-data', pod);
  }
  const holds = budgetHolds(plan.toEvict, view.pdbs);
  if (settings.disableEviction) {
    for (const hold of holds) lose('budget-ignored', hold.pod);
  } else {
    for (const hold of holds) {
      const key = hold.budgets.join(', ');
      const found = blockers.find((b) => b.kind === (hold.problem === 'several-budgets' ? 'several-budgets' : 'budget') && b.budgets?.join(', ') === key);
      if (found) found.pods.push(podRef(hold.pod));
      else if (hold.problem === 'several-budgets') {
        blockers.push({ kind: 'several-budgets', pods: [podRef(hold.pod)], budgets: hold.budgets, reason: 'covered by several PodDisruptionBudgets: the API refuses its eviction (500)' });
      } else {
        blockers.push({ kind: 'budget', pods: [podRef(hold.pod)], budgets: hold.budgets, reason: 'the PodDisruptionBudget allows no disruption now (status.disruptionsAllowed 0)' });
      }
    }
  }
  const rehome = plan.toEvict.filter((p) => controllerOf(p.metadata) !== undefined && !FINISHED.has(p.status.phase ?? '') && !p.metadata.deletionTimestamp);
  return { node, evict: plan.toEvict.map(podRef), blockers, lost, rehome };
}

export interface Capacity {
  cpu: number;
  memory: number;
  pods: number;
}

export interface RoomCheck {
  /** What the batch's evicted pods request (pods: how many). */
  need: Capacity;
  /** Allocatable minus requested on the nodes counted (Infinity where a node reports no allocatable). */
  free: Capacity;
  /** The nodes counted: schedulable, Ready, outside the batch, taints tolerated. */
  nodes: string[];
  /** The resources that do not fit. */
  short: Array<keyof Capacity>;
}

/** kube-scheduler's toleration match (TaintToleration). */
export function tolerates(tolerations: readonly KubeToleration[] | undefined, taint: KubeTaint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/**
 * Whether the nodes that stay schedulable while `batch` is drained have room for `pods`, summed: cpu and
 * memory requests and the pod count against allocatable minus what the pods already there request. An
 * estimate: node selectors, affinity, spreading and per-node fit are not weighed. A node counts when it is
 * outside the batch, not cordoned, Ready, and every evicted pod tolerates its NoSchedule/NoExecute taints.
 */
export function roomFor(batch: readonly string[], pods: readonly KubePod[], view: ClusterView): RoomCheck {
  const leaving = new Set(batch);
  const need: Capacity = { cpu: 0, memory: 0, pods: pods.length };
  for (const pod of pods) {
    const r = podRequests(pod);
    need.cpu += r.cpu;
    need.memory += r.memory;
  }
  const free: Capacity = { cpu: 0, memory: 0, pods: 0 };
  const counted: string[] = [];
  for (const node of view.nodes) {
    const name = node.metadata.name;
    if (leaving.has(name) || node.spec.unschedulable === true || nodeReadyCondition(node)?.status !== 'True') continue;
    const hard = (node.spec.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    if (!hard.every((taint) => pods.every((pod) => tolerates(pod.spec.tolerations, taint)))) continue;
    counted.push(name);
    const there = view.pods.filter((p) => p.spec.nodeName === name && !FINISHED.has(p.status.phase ?? ''));
    const used = there.reduce((sum, p) => {
      const r = podRequests(p);
      return { cpu: sum.cpu + r.cpu, memory: sum.memory + r.memory };
    }, { cpu: 0, memory: 0 });
    const allocatable = (key: string): number => parseQuantity(node.status.allocatable?.[key]) ?? Infinity;
    free.cpu += Math.max(0, allocatable('cpu') - used.cpu);
    free.memory += Math.max(0, allocatable('memory') - used.memory);
    free.pods += Math.max(0, allocatable('pods') - there.length);
  }
  const short = (['cpu', 'memory', 'pods'] as const).filter((key) => need[key] > 0 && need[key] > free[key] + 1e-9);
  return { need, free, nodes: counted, short };
}
