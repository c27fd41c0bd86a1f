/**
 * include_tasks / include_role when the engine reaches them: the include's `when` is decided once per host
 * (not for every included task, as an import's), then its loop items; hosts that include the same file with
 * the same item run the included tasks together (linear lockstep within the group), as Ansible's include
 * groups. A templated file name is rendered per host and item, and the file loaded then (once per name).
 */
import type { Vars } from '../inventory/types.js';
import type { Block, Task, TaskItem } from '../playbook/model.js';
import { renderLoopItems } from '../playbook/keywords.js';
import { evaluateCondition, renderString } from '../playbook/template.js';
import { pyStr } from '../playbook/expr/values.js';
import { taskLayers, type EffectiveTask } from './effective.js';
import { countResult } from './report.js';
import type { RunState } from './run-state.js';
import { emitResult, type HostTaskOutcome } from './task-runner.js';
import type { VarStore } from './vars.js';
import { CLUSTER_CHANGING_MODULES } from '../modules/catalogue.js';
import { usesAnyModule } from '../playbook/walk.js';

export interface IncludePlan {
  runs: IncludeRun[];
  /** Hosts whose `when` was false (for every item of a loop): the include is skipped for them. */
  skipped: { host: string; items: unknown[] }[];
  /** Each host's included items (one undefined without a loop), in order: the `included:` results. */
  included: { host: string; item?: unknown; file: string }[];
  /** Hosts whose include could not be decided or loaded (a template or file problem): they fail. */
  failed: { host: string; msg: string }[];
}

export interface IncludeRun {
  hosts: string[];
  /** The included tasks, in a block carrying the include's vars and loop variables. */
  block: Block;
}

/** The groups of hosts that run an include, in item order; hosts whose `when` is false are in none. */
export async function planInclude(et: EffectiveTask, hosts: readonly string[], store: VarStore): Promise<IncludePlan> {
  const task: Task = et.task;
  const dynamic = task.include?.dynamic;
  const loaded = new Map<string, Promise<TaskItem[]>>();
  const runs = new Map<string, IncludeRun>();
  const plan: IncludePlan = { runs: [], skipped: [], included: [], failed: [] };
  for (const host of hosts) {
    const opts = { ...store.renderOptions(host), origin: task.pos };
    const picked: { key: string; loopVars: Vars | undefined; file: string; body: TaskItem[] }[] = [];
    try {
      const vars = store.forHost(host, taskLayers(et));
      const control = task.loopControl;
      const loopVar = control?.loopVar ?? 'item';
      const items: (Vars | undefined)[] = task.loop
        ? renderLoopItems(task.loop, vars, opts).map((item, index) => ({ [loopVar]: item, ansible_loop_var: loopVar, ...(control?.indexVar ? { [control.indexVar]: index } : {}) }))
        : [undefined];
      // As Ansible: with a loop, `when` is decided per item (it may use the item).
      const holds = items.map((loopVars) => evaluateCondition(et.when, loopVars ? store.forHost(host, { ...taskLayers(et), loopVars }) : vars, opts));
      if (!holds.some(Boolean)) {
        plan.skipped.push({ host, items: task.loop ? items.map((v) => v![loopVar]) : [] });
        continue;
      }
      for (const [index, loopVars] of items.entries()) {
        if (!holds[index]) continue;
        let file = String(task.args['file'] ?? task.freeForm ?? '');
        let body = task.include?.body ?? [];
        if (dynamic) {
          file = pyStr(renderString(dynamic.written, store.forHost(host, { ...taskLayers(et), ...(loopVars ? { loopVars } : {}) }), opts));
          if (!loaded.has(file)) loaded.set(file, dynamic.load(file).then((items) => refuseClusterChanges(items, file)));
          body = await loaded.get(file)!;
        }
        picked.push({ key: `${index}\u0000${file}\u0000${JSON.stringify(loopVars ?? null)}`, loopVars, file, body });
      }
    } catch (err) {
      plan.failed.push({ host, msg: (err as Error).message });
      continue;
    }
    for (const { key, loopVars, file, body } of picked) {
      let run = runs.get(key);
      if (!run) {
        // The include's vars (include params) and the loop variable, above everything but -e.
        const block: Block = { kind: 'block', pos: task.pos, when: [], tags: [], vars: { ...task.vars, ...loopVars }, block: body, rescue: [], always: [] };
        runs.set(key, (run = { hosts: [], block }));
      }
      run.hosts.push(host);
      plan.included.push({ host, file, ...(loopVars ? { item: loopVars[loopVars['ansible_loop_var'] as string] } : {}) });
    }
  }
  plan.runs = [...runs.entries()].sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10)).map(([, run]) => run);
  return plan;
}

/**
 * Whether a run takes the cluster lock is decided before it starts, from the tasks loaded then: a file named
 * by a template cannot bring in cordons or drains.
 */
function refuseClusterChanges(items: TaskItem[], file: string): TaskItem[] {
  if (usesAnyModule(items, CLUSTER_CHANGING_MODULES)) {
    throw new Error(`${file} cordons, drains or uncordons nodes, which a templated include_tasks cannot bring in (the cluster lock is taken before the run); name the file`);
  }
  return items;
}

/**
 * Runs an include: its task line and results as Ansible's (an `included:` ok per host and item for
 * include_tasks, none for include_role; skipped where `when` is false; failed where it could not be
 * decided or its file loaded, handed to `fail` as task outcomes), then the included tasks per group.
 */
export async function runInclude(
  et: EffectiveTask,
  hosts: readonly string[],
  run: RunState,
  hooks: { runBlock(block: Block, hosts: string[]): Promise<void>; fail(outcomes: HostTaskOutcome[]): void },
): Promise<void> {
  const { ports } = run;
  const plan = await planInclude(et, hosts, run.store);
  ports.emit({ type: 'task.start', name: et.name, hosts: [...hosts], ...(et.id !== undefined ? { taskId: et.id } : {}) });
  const skip = { changed: false, skipped: true, false_condition: 'Conditional result was False' };
  for (const { host, items } of plan.skipped) {
    // One skip counted per host, with each item's skip shown, as Ansible's recap and output.
    for (const item of items) emitResult(et, host, 'skipped', skip, undefined, 0, run.deps, pyStr(item));
    if (!items.length) emitResult(et, host, 'skipped', skip, undefined, 0, run.deps);
    countResult(run.stats, host, 'skipped');
  }
  if (et.task.module === 'include_tasks') {
    for (const { host, item, file } of plan.included) {
      emitResult(et, host, 'ok', { changed: false, include: file }, undefined, 0, run.deps, item === undefined ? undefined : pyStr(item));
      countResult(run.stats, host, 'ok');
    }
  }
  if (plan.failed.length) {
    hooks.fail(plan.failed.map(({ host, msg }) => ({ host, raw: 'failed', status: 'failed', result: { failed: true, changed: false, msg }, noLog: false, ms: 0 })));
  }
  for (const group of plan.runs) await hooks.runBlock(group.block, group.hosts);
}
