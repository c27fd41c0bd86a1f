/**
 * The plan's drain blockers: for every node the upgrade will drain (each control plane's kubelet, each
 * worker batch), what would stop its drain — pods without a controller (without drain_force), emptyDir pods
 * (without delete_emptydir_data), budgets that allow no disruption now, and not enough room on the nodes
 * that stay schedulable for what a batch evicts (an estimate by resource requests) — and what the
 * force-style options lose. Any blocker refuses the plan before anything changes, naming the pods and the
 * flag or fix. Pure: the checks are kube/drain-check.ts's, on one read of the cluster.
 */
import { checkNodeDrain, roomFor, type BlockerKind, type Capacity, type ClusterView, type DrainBlocker, type DrainLoss, type DrainSettings, type LossKind, type RoomCheck } from '../kube/drain-check.js';
import type { KubePod } from '../kube/port.js';
import { formatCpu, formatMemory } from '../kube/quantity.js';

/** The plan's steps as far as drains go (plan.ts's PlanStep; structural, so plan.ts can import this file). */
export interface DrainedStep {
  kind: string;
  batches: ReadonlyArray<ReadonlyArray<{ host: string; node: string; action: string; nothingToDo: boolean }>>;
}

type DrainStepKind = 'control-plane-kubelets' | 'workers';

/** What the plan reads for the drains: the cluster now, and each drained host's drain options. */
export interface DrainInput {
  view: ClusterView;
  settings: ReadonlyMap<string, DrainSettings>;
  /** Hosts whose drain options could not be read (named, not checked). */
  problems: string[];
}

export interface NodeDrainReport {
  host: string;
  node: string;
  /** Pods the drain would evict or delete. */
  evict: string[];
  blockers: Array<DrainBlocker & { fix: string }>;
  lost: Array<DrainLoss & { what: string }>;
}

export interface BatchDrainReport {
  step: DrainStepKind;
  /** 1-based, within the step. */
  batch: number;
  hosts: string[];
  nodes: NodeDrainReport[];
  /** Whether the rest of the cluster has room for what the batch evicts; `fix` when it does not. */
  room: Omit<RoomCheck, 'free'> & { free: { [K in keyof Capacity]: number | null }; fix?: string };
}

export interface DrainReport {
  batches: BatchDrainReport[];
  /** Some batch is blocked: the plan is refused. */
  blocked: boolean;
  notes: string[];
}

/** The playbook variables behind the drain's options (playbooks/upgrade-*.yaml). */
export const FORCE_VAR = 'drain_force';
export const EMPTYDIR_VAR = 'drain_delete_emptydir_data';

const STEP_WORDS: Record<DrainStepKind, string> = { 'control-plane-kubelets': 'control-plane kubelets', workers: 'workers' };

function fixFor(kind: BlockerKind, blocker: DrainBlocker): string {
  switch (kind) {
    case 'no-controller':
      return `-e ${FORCE_VAR}=true deletes them for good (no controller recreates them), or delete or re-create them under a controller first`;
    case 'emptydir':
      return `-e ${EMPTYDIR_VAR}=true evicts them and their emptyDir data is lost`;
    case 'budget':
      return `wait until ${blocker.budgets?.[0]} allows a disruption (kubectl get pdb), scale its workload up, or relax the budget; drydock does not evict against a budget`;
    case 'several-budgets':
      return `leave one PodDisruptionBudget over each pod (${blocker.budgets?.join(', ')} overlap)`;
    case 'daemonset':
      return 'the drain must ignore DaemonSet pods (kube_drain ignore_daemonsets: true, as the shipped playbooks do)';
    default:
      return `${blocker.reason}; -e ${FORCE_VAR}=true deletes them`;
  }
}

const WHAT_IS_LOST: Record<LossKind, string> = {
  'no-controller': `deleted for good: no controller recreates them (${FORCE_VAR})`,
  'emptydir-data': 'their emptyDir data is deleted (delete_emptydir_data)',
  'budget-ignored': 'deleted although their PodDisruptionBudget allows no disruption now (disable_eviction)',
};

const BLOCKER_WORDS: Record<BlockerKind, string> = {
  'no-controller': 'pods without a controller',
  emptydir: 'pods with emptyDir data',
  daemonset: 'DaemonSet pods',
  budget: 'held by PodDisruptionBudget',
  'several-budgets': 'under several PodDisruptionBudgets',
  other: 'refused by the drain',
};

/** Every drained node's blockers and losses, batch by batch, with each batch's room. */
export function checkDrains(steps: readonly DrainedStep[], input: DrainInput): DrainReport {
  const { view } = input;
  const known = new Set(view.nodes.map((n) => n.metadata.name));
  const notes = [...input.problems];
  const batches: BatchDrainReport[] = [];
  for (const step of steps) {
    if (step.kind !== 'control-plane-kubelets' && step.kind !== 'workers') continue;
    const kind: DrainStepKind = step.kind;
    step.batches.forEach((batch, index) => {
      const drained = batch.filter((h) => !h.nothingToDo && h.action !== 'UNREACHABLE' && known.has(h.node) && input.settings.has(h.host));
      if (drained.length === 0) return;
      const rehome: KubePod[] = [];
      const nodes = drained.map((h): NodeDrainReport => {
        const check = checkNodeDrain(h.node, input.settings.get(h.host)!, view);
        rehome.push(...check.rehome);
        return {
          host: h.host,
          node: h.node,
          evict: check.evict,
          blockers: check.blockers.map((b) => ({ ...b, fix: fixFor(b.kind, b) })),
          lost: check.lost.map((l) => ({ ...l, what: WHAT_IS_LOST[l.kind] })),
        };
      });
      const room = roomFor(drained.map((h) => h.node), rehome, view);
      const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
      batches.push({
        step: kind,
        batch: index + 1,
        hosts: drained.map((h) => h.host),
        nodes,
        room: {
          ...room,
          free: { cpu: finite(room.free.cpu), memory: finite(room.free.memory), pods: finite(room.free.pods) },
          ...(room.short.length > 0 ? { fix: `add a node or free some (scale a workload down)${kind === 'workers' && drained.length > 1 ? ', or drain fewer workers at a time (--batch)' : ''}` } : {}),
        },
      });
    });
  }
  const blocked = batches.some((b) => b.room.short.length > 0 || b.nodes.some((n) => n.blockers.length > 0));
  return { batches, blocked, notes };
}

const capacity = (c: { [K in keyof Capacity]: number | null }): string =>
  `cpu ${c.cpu === null ? 'unlimited' : formatCpu(c.cpu)}, memory ${c.memory === null ? 'unlimited' : formatMemory(c.memory)}, ${c.pods === null ? 'unlimited' : c.pods} pod(s)`;

function batchName(b: BatchDrainReport): string {
  return `${STEP_WORDS[b.step]} batch ${b.batch} (${b.hosts.join(', ')})`;
}

function blockerText(b: NodeDrainReport['blockers'][number]): string {
  const budgets = b.kind === 'budget' || b.kind === 'several-budgets' ? ` ${b.budgets?.join(', ')}` : '';
  return `${BLOCKER_WORDS[b.kind]}${budgets}: ${b.pods.join(', ')}`;
}

function roomText(b: BatchDrainReport): string {
  const where = b.room.nodes.length > 0 ? `free on ${b.room.nodes.join(', ')}` : 'no schedulable node stays outside the batch';
  return `the evicted pods request ${capacity(b.room.need)}; ${where}${b.room.nodes.length > 0 ? `: ${capacity(b.room.free)}` : ''}`;
}

/** One refusal per blocker, naming the node, the pods and the flag or fix. */
export function drainRefusals(report: DrainReport): string[] {
  const out: string[] = [];
  for (const batch of report.batches) {
    for (const node of batch.nodes) {
      for (const b of node.blockers) out.push(`drain of ${node.host} (node ${node.node}) would be refused: ${blockerText(b)}; ${b.fix}`);
    }
    if (batch.room.short.length > 0) {
      out.push(`${batchName(batch)}: not enough ${batch.room.short.join(', ')} elsewhere for what its drain evicts (estimate by requests): ${roomText(batch)}; ${batch.room.fix}`);
    }
  }
  return out;
}

/** The plan text's "drain blockers" section. */
export function drainLines(report: DrainReport): string[] {
  const lines = ['drain blockers (read now; room is an estimate by resource requests, DaemonSet pods stay):'];
  if (report.batches.length === 0) lines.push('  no node to drain');
  for (const batch of report.batches) {
    const blocked = batch.room.short.length > 0 || batch.nodes.some((n) => n.blockers.length > 0);
    lines.push(`  ${batchName(batch)}: ${blocked ? 'BLOCKED' : 'ok'}`);
    for (const node of batch.nodes) {
      lines.push(`    ${node.host}: ${node.evict.length} pod(s) to evict${node.blockers.length === 0 && node.lost.length === 0 ? ', nothing in the way' : ''}`);
      for (const b of node.blockers) lines.push(`      BLOCKED ${blockerText(b)}; fix: ${b.fix}`);
      for (const l of node.lost) lines.push(`      LOST ${l.pods.join(', ')}: ${l.what}`);
    }
    if (batch.room.need.pods === 0) lines.push('    room: nothing to place elsewhere');
    else lines.push(`    room${batch.room.short.length > 0 ? ` SHORT of ${batch.room.short.join(', ')}` : ''}: ${roomText(batch)}`);
  }
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines;
}
