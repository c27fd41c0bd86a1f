/**
 * What every kube_* module shares: reaching the API through `ctx.kube`, naming the node a host stands for,
 * the module clock as a kube Clock, and the in-run record of who cordoned which node — the facts that let
 * kube_uncordon keep the rule "drydock uncordons only what it cordoned".
 */
import { ConfigError, KubeApiError } from '../../errors.js';
import { describeNodeName, resolveNodeName } from '../../kube/node-names.js';
import type { MarkedCordon } from '../../kube/nodes.js';
import type { Clock, KubePort } from '../../kube/port.js';
import { optString } from '../args.js';
import { failed, ModuleFailure } from '../failure.js';
import type { ModuleContext, ModuleResult } from '../types.js';

export interface TargetNode {
  name: string;
  /** For messages: the name and where it came from (argument, node_name, inventory name). */
  described: string;
}

/** The `node` argument, else the node the host stands for (node_name, kube_override_hostname, inventory name). */
export function targetNode(ctx: ModuleContext): TargetNode {
  const given = optString(ctx.args, 'node');
  if (given !== undefined && given.trim() !== '') return { name: given.trim(), described: `node "${given.trim()}"` };
  const resolved = resolveNodeName(ctx.vars, ctx.host);
  return { name: resolved.name, described: describeNodeName(resolved, ctx.host) };
}

export async function kubePort(ctx: ModuleContext, module: string): Promise<KubePort> {
  if (!ctx.kube) {
    throw new ModuleFailure(`${module} needs the cluster's API, and this run has no cluster access (pass --kubeconfig, set KUBECONFIG, or put a control plane in the inventory)`);
  }
  try {
    return await ctx.kube();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KubeApiError) throw new ModuleFailure(err.message);
    throw err;
  }
}

/** The module clock as the kube code's Clock; sleeps end with the task's signal (timeout, Ctrl-C). */
export function kubeClock(ctx: ModuleContext): Clock {
  return { now: () => ctx.clock.now(), sleep: (ms) => ctx.clock.sleep(ms, ctx.signal) };
}

/** API refusals and unreachable servers become failed results; a 404 for the node says where its name came from. */
export function apiFailure(err: unknown, node: TargetNode, extra: Record<string, unknown> = {}): ModuleResult {
  if (err instanceof KubeApiError && err.status === 404 && err.message.includes(`"${node.name}"`)) {
    return failed(`${node.described} is not in the cluster: ${err.message}`, { node: node.name, ...extra });
  }
  if (err instanceof KubeApiError || err instanceof ConfigError) return failed(err.message, { node: node.name, ...extra });
  throw err;
}

/** Who cordoned a node, as first seen in this run. */
export interface CordonRecord {
  was_cordoned: boolean;
  cordoned_by_drydock: boolean;
}

/** Host fact: node name → CordonRecord, for every node this host's tasks cordoned or drained. */
export const CORDONS_FACT = 'drydock_cordons';
/** Host facts for the host's own node, as the recap and playbook conditions read them. */
export const WAS_CORDONED_FACT = 'drydock_was_cordoned';
export const CORDONED_BY_DRYDOCK_FACT = 'drydock_cordoned_by_drydock';

function records(vars: Readonly<Record<string, unknown>>): Record<string, CordonRecord> {
  const value = vars[CORDONS_FACT];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, CordonRecord>) : {};
}

export function recordedCordon(ctx: ModuleContext, node: string): CordonRecord | undefined {
  const record = records(ctx.vars)[node];
  if (record && typeof record.was_cordoned === 'boolean' && typeof record.cordoned_by_drydock === 'boolean') return record;
  if (node === resolveNodeName(ctx.vars, ctx.host).name && typeof ctx.vars[WAS_CORDONED_FACT] === 'boolean') {
    return { was_cordoned: ctx.vars[WAS_CORDONED_FACT] as boolean, cordoned_by_drydock: ctx.vars[CORDONED_BY_DRYDOCK_FACT] === true };
  }
  return undefined;
}

/**
 * The record after this task left the node cordoned. An earlier record of this run stands when the node
 * was still cordoned (kube_cordon then kube_drain: the drain finds the node cordoned — by drydock).
 */
export function observeCordon(ctx: ModuleContext, node: string, wasAlreadyCordoned: boolean): CordonRecord {
  const earlier = recordedCordon(ctx, node);
  if (earlier && wasAlreadyCordoned) return earlier;
  return { was_cordoned: wasAlreadyCordoned, cordoned_by_drydock: !wasAlreadyCordoned };
}

/** What a cordon records on the node (kube/nodes.ts CORDONED_BY_ANNOTATION): the run id. */
export function cordonMark(ctx: ModuleContext): string {
  return ctx.runId ?? 'drydock';
}

/**
 * The record after kube_cordon/kube_drain found the node as `mark` says. A node already cordoned with
 * drydock's annotation was cordoned by a drydock run (this one, or one that died before uncordoning): it
 * counts as drydock's, so kube_uncordon gives it back.
 */
export function recordAfterCordon(ctx: ModuleContext, node: string, mark: MarkedCordon): CordonRecord {
  if (mark.wasAlreadyCordoned && mark.cordonedBy !== undefined) return { was_cordoned: false, cordoned_by_drydock: true };
  return observeCordon(ctx, node, mark.wasAlreadyCordoned);
}

/** Facts that store (or, with null, forget) the record of one node. */
export function cordonFacts(ctx: ModuleContext, node: string, record: CordonRecord | null): Record<string, unknown> {
  const all = { ...records(ctx.vars) };
  if (record) all[node] = record;
  else delete all[node];
  const facts: Record<string, unknown> = { [CORDONS_FACT]: all };
  if (node === resolveNodeName(ctx.vars, ctx.host).name) {
    facts[WAS_CORDONED_FACT] = record?.was_cordoned ?? false;
    facts[CORDONED_BY_DRYDOCK_FACT] = record?.cordoned_by_drydock ?? false;
  }
  return facts;
}

/** kubectl's flag hints in drain refusals, as the module arguments that do the same. */
export function moduleHints(message: string): string {
  return message.replace(/use --([a-z]+(?:-[a-z]+)*)/g, (_m, flag: string) => `set ${flag.replace(/-/g, '_')}: true`);
}
