/**
 * kube_drain: `kubectl drain` through drydock's own drain (src/kube/drain.ts) — cordon, kubectl's pod
 * filters, evictions retried while a PodDisruptionBudget says no, one global deadline — with live progress
 * (which pods remain, which PDB holds each) and a failure message that names them.
 *
 * Defaults, chosen for unattended maintenance and documented in the spec below:
 *  - timeout 600 s (kubectl waits forever; 0 restores that). A drain stuck on a PDB must end, leave the node
 *    cordoned and fail loudly rather than hold a maintenance window hostage.
 *  - ignore_daemonsets true (kubectl: false). Neither evicts DaemonSet pods; the flag only decides whether
 *    their presence is an error, and every kubeadm node runs kube-proxy.
 *  - delete_emptydir_data and force stay false as in kubectl: both lose data, so they are opt-in.
 * Check mode plans the drain (what would be evicted, skipped or refused) without cordoning.
 */
import { drainNode, type DrainOptions, type DrainProgress } from '../../kube/drain.js';
import { budgetHolds, planDrain } from '../../kube/drain-filters.js';
import type { DrainSettings } from '../../kube/drain-check.js';
import { DrainError, type PendingPod } from '../../kube/errors.js';
import { cordonedBy, cordonMarked, type MarkedCordon } from '../../kube/nodes.js';
import { controllerOf, podRef, type KubePdb, type KubePod, type KubePort } from '../../kube/port.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optBool, optInt, optString } from '../args.js';
import { failed } from '../failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, cordonFacts, cordonMark, kubeClock, kubePort, moduleHints, recordAfterCordon, targetNode, type TargetNode } from './common.js';
import { defineModule } from '../define.js';

export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;

export const kubeDrainSpec: ModuleSpec = {
  name: 'kube_drain',
  args: {
    node: { type: 'str' },
    timeout: { type: 'int', default: DEFAULT_DRAIN_TIMEOUT_SECONDS },
    ignore_daemonsets: { type: 'bool', default: true },
    delete_emptydir_data: { type: 'bool', default: false, aliases: ['delete_local_data'] },
    force: { type: 'bool', default: false },
    grace_period: { type: 'int', default: -1 },
    pod_selector: { type: 'str' },
    disable_eviction: { type: 'bool', default: false },
    skip_wait_for_delete_timeout: { type: 'int', default: 0 },
  },
};

/** kube_drain's checked arguments (checkModuleArgs with defaults) → what decides the drain's refusals and losses. */
export function drainSettingsFromArgs(args: Record<string, unknown>): DrainSettings {
  return {
    ignoreDaemonsets: optBool(args, 'ignore_daemonsets') !== false,
    deleteEmptydirData: optBool(args, 'delete_emptydir_data') === true,
    force: optBool(args, 'force') === true,
    ...(optString(args, 'pod_selector') ? { podSelector: optString(args, 'pod_selector')! } : {}),
    disableEviction: optBool(args, 'disable_eviction') === true,
    skipWaitForDeleteTimeoutSeconds: Math.max(0, optInt(args, 'skip_wait_for_delete_timeout') ?? 0),
  };
}

function drainOptions(ctx: ModuleContext): Omit<DrainOptions, 'onProgress' | 'clock'> {
  const timeout = optInt(ctx.args, 'timeout') ?? DEFAULT_DRAIN_TIMEOUT_SECONDS;
  const settings = drainSettingsFromArgs(ctx.args);
  return {
    ...settings,
    timeoutMs: Math.max(0, timeout) * 1000,
    gracePeriodSeconds: optInt(ctx.args, 'grace_period') ?? -1,
  };
}

export function describeRemaining(p: PendingPod): string {
  switch (p.state) {
    case 'blocked':
      return `${p.pod} (${p.pdbs.length > 0 ? `held by PodDisruptionBudget ${p.pdbs.join(', ')}` : 'eviction refused'})`;
    case 'terminating':
      return `${p.pod} (terminating)`;
    case 'failed':
      return `${p.pod} (failed${p.message ? `: ${p.message}` : ''})`;
    default:
      return `${p.pod} (evicting)`;
  }
}

interface DrainReporter {
  onProgress: (event: DrainProgress) => void;
  /** The drain's end as a typed event: how long it took and how long some eviction was refused. */
  end: (ok: boolean) => void;
}

/**
 * DrainProgress → run events: warnings as kubectl prints them, a status line of the pods still on the node,
 * and typed `drain.blocked` / `drain.end` events (for the run report: which budget held the drain, how long).
 */
function progressReporter(ctx: ModuleContext, node: string): DrainReporter {
  const remaining = new Map<string, PendingPod>();
  const lastRefusal = new Map<string, string>();
  const started = ctx.clock.now();
  let blockedSince: number | undefined;
  let blockedMs = 0;
  /** Time counts as blocked while at least one pod's eviction is refused. */
  const track = (): void => {
    const blocked = [...remaining.values()].some((p) => p.state === 'blocked');
    if (blocked && blockedSince === undefined) blockedSince = ctx.clock.now();
    if (!blocked && blockedSince !== undefined) {
      blockedMs += ctx.clock.now() - blockedSince;
      blockedSince = undefined;
    }
  };
  let ended = false;
  const end = (ok: boolean): void => {
    if (ended) return;
    ended = true;
    const now = ctx.clock.now();
    const total = blockedMs + (blockedSince !== undefined ? now - blockedSince : 0);
    ctx.emit({ type: 'drain.end', host: ctx.host, node, ok, ms: now - started, blockedMs: total });
  };
  const status = (): void =>
    ctx.emit({ type: 'status', waitingOn: [...remaining.values()].map(describeRemaining), task: `kube_drain ${node}`, elapsedMs: ctx.clock.now() - started });
  const onProgress = (event: DrainProgress): void => {
    handle(event);
    track();
  };
  return { onProgress, end };
  function handle(event: DrainProgress): void {
    switch (event.kind) {
      case 'planned':
        for (const warning of event.warnings) ctx.emit({ type: 'warning', host: ctx.host, message: `drain ${node}: ${warning}` });
        for (const pod of event.toEvict) remaining.set(pod, { pod, state: 'evicting', pdbs: [] });
        status();
        break;
      case 'blocked': {
        remaining.set(event.pod, { pod: event.pod, state: 'blocked', pdbs: event.pdbs, message: event.message });
        const held = event.pdbs.length > 0 ? ` (PodDisruptionBudget ${event.pdbs.join(', ')})` : '';
        const text = `drain ${node}: cannot evict ${event.pod} yet${held}: ${event.message}; retrying every ${Math.round(event.retryInMs / 1000)}s`;
        if (lastRefusal.get(event.pod) !== event.message) {
          ctx.emit({ type: 'warning', host: ctx.host, message: text });
          ctx.emit({ type: 'drain.blocked', host: ctx.host, node, pod: event.pod, pdbs: event.pdbs, message: event.message });
        }
        lastRefusal.set(event.pod, event.message);
        status();
        break;
      }
      case 'terminating':
        remaining.set(event.pod, { pod: event.pod, state: 'terminating', pdbs: [] });
        status();
        break;
      case 'gone':
        remaining.delete(event.pod);
        status();
        break;
      case 'failed':
        remaining.set(event.pod, { pod: event.pod, state: 'failed', pdbs: [], message: event.message });
        ctx.emit({ type: 'warning', host: ctx.host, message: `drain ${node}: eviction of ${event.pod} failed: ${event.message}` });
        break;
      case 'warning':
        ctx.emit({ type: 'warning', host: ctx.host, message: `drain ${node}: ${event.message}` });
        break;
      default:
        break;
    }
  }
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const options = drainOptions(ctx);
  const port = await kubePort(ctx, 'kube_drain');
  if (ctx.check) return checkDrain(ctx, port, node, options);
  // Cordoned here, with drydock's annotation in the same patch, so the record survives this controller.
  let mark: MarkedCordon | undefined;
  let reporter: DrainReporter | undefined;
  try {
    mark = await cordonMarked(port, node.name, cordonMark(ctx));
    reporter = progressReporter(ctx, node.name);
    const result = await drainNode(port, node.name, { ...options, clock: kubeClock(ctx), onProgress: reporter.onProgress });
    reporter.end(true);
    const record = recordAfterCordon(ctx, node.name, mark);
    const evicted = result.evicted.length;
    return {
      changed: !mark.wasAlreadyCordoned || evicted > 0,
      msg: `drained node ${node.name}: ${evicted} pod(s) evicted${result.skipped.length > 0 ? `, ${result.skipped.length} left in place` : ''}`,
      node: node.name,
      evicted: result.evicted,
      skipped_pods: result.skipped,
      warnings: result.warnings,
      elapsed_ms: result.elapsedMs,
      ...record,
      facts: cordonFacts(ctx, node.name, record),
    };
  } catch (err) {
    reporter?.end(false);
    if (!(err instanceof DrainError)) return apiFailure(err, node);
    const record = recordAfterCordon(ctx, node.name, mark ?? { wasAlreadyCordoned: err.wasAlreadyCordoned });
    const extra = {
      node: node.name,
      failure: err.failure,
      pending: err.pending.map((p) => ({ pod: p.pod, state: p.state, pdbs: p.pdbs, ...(p.message ? { message: p.message } : {}) })),
      ...record,
      left_cordoned: true,
      // The node stays cordoned on failure (kubectl's behaviour); the facts let a rescue uncordon it.
      facts: cordonFacts(ctx, node.name, record),
    };
    if (ctx.signal.aborted) {
      return failed(`drain of node ${node.name} interrupted (task timeout or Ctrl-C); the node stays cordoned`, { ...extra, interrupted: true });
    }
    if (err.failure === 'api' && err.status === 404) return apiFailure(err, node, extra);
    return failed(`${moduleHints(err.message)}\nnode ${node.name} stays cordoned`, extra);
  }
}

/** Check mode: the drain's plan and the PodDisruptionBudgets in its way, without cordoning. */
async function checkDrain(ctx: ModuleContext, port: KubePort, node: TargetNode, options: ReturnType<typeof drainOptions>): Promise<ModuleResult> {
  try {
    const current = await port.getNode(node.name);
    const wasAlreadyCordoned = current.spec.unschedulable === true;
    const pods = await port.listPodsOnNode(node.name, options.podSelector);
    const daemonSets = await existingDaemonSets(port, pods);
    const plan = planDrain(pods, { ...options, now: ctx.clock.now() }, (ns, name) => daemonSets.has(`${ns}/${name}`));
    const by = cordonedBy(current);
    const record = recordAfterCordon(ctx, node.name, { wasAlreadyCordoned, ...(by !== undefined ? { cordonedBy: by } : {}) });
    const base = {
      node: node.name,
      simulated: true,
      would_evict: plan.toEvict.map(podRef),
      skipped_pods: plan.skipped.map((s) => ({ pod: podRef(s.pod), reason: s.reason })),
      warnings: plan.warnings,
      ...record,
    };
    if (plan.errors.length > 0) {
      const reasons = plan.errors.map((e) => `${podRef(e.pod)}: ${moduleHints(e.reason)}`);
      return failed(`drain of node ${node.name} would be refused:\n${reasons.join('\n')}`, { ...base, refused: reasons });
    }
    const pdbs = options.disableEviction ? [] : await port.listPdbs();
    const blockers = pdbBlockers(plan.toEvict, pdbs);
    return {
      changed: !wasAlreadyCordoned || plan.toEvict.length > 0,
      msg: `would cordon and drain node ${node.name}: ${plan.toEvict.length} pod(s) to evict${blockers.length > 0 ? `; ${blockers.join('; ')}` : ''}`,
      ...base,
      pdb_blockers: blockers,
      facts: cordonFacts(ctx, node.name, record),
    };
  } catch (err) {
    return apiFailure(err, node);
  }
}

/** Evictions the PDBs would refuse now: a pod under two budgets (500, never retried) or a budget with no disruption left. */
export function pdbBlockers(pods: KubePod[], pdbs: KubePdb[]): string[] {
  return budgetHolds(pods, pdbs).map(({ pod, budgets, problem }) =>
    problem === 'several-budgets'
      ? `${podRef(pod)} is covered by several PodDisruptionBudgets (${budgets.join(', ')}); its eviction would fail`
      : `${podRef(pod)} is held by PodDisruptionBudget ${budgets[0]} (no disruption allowed now)`,
  );
}

async function existingDaemonSets(port: KubePort, pods: KubePod[]): Promise<Set<string>> {
  const wanted = new Set<string>();
  for (const pod of pods) {
    const ref = controllerOf(pod.metadata);
    if (ref?.kind === 'DaemonSet') wanted.add(`${pod.metadata.namespace ?? 'default'}/${ref.name}`);
  }
  const existing = new Set<string>();
  for (const key of wanted) {
    const [ns, name] = key.split('/') as [string, string];
    if (await port.getDaemonSet(ns, name)) existing.add(key);
  }
  return existing;
}

export const kubeDrain: ModuleDefinition = defineModule(kubeDrainSpec, { supportsCheck: true, controllerOnly: true, run });
