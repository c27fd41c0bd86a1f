/**
 * include_tasks / include_role when the engine reaches them: the include's `when` is decided once per host
 * (not for every included task, as an import's), then its loop items; hosts that include with the same item
 * run the included tasks together (linear lockstep within the group), as Ansible's per-file include groups.
 */
import type { Vars } from '../inventory/types.js';
import type { Block, Task } from '../playbook/model.js';
import { renderLoopItems } from '../playbook/keywords.js';
import { evaluateCondition } from '../playbook/template.js';
import { taskLayers, type EffectiveTask } from './effective.js';
import type { VarStore } from './vars.js';
import { pyStr } from '../playbook/expr/values.js';
import { countResult } from './report.js';
import type { RunState } from './run-state.js';
import { emitResult } from './task-runner.js';

export interface IncludePlan {
  runs: IncludeRun[];
  /** Hosts whose `when` was false: the include is skipped for them. */
  skipped: string[];
  /** Each host's included items (one undefined without a loop), in order: the `included:` results. */
  included: { host: string; item?: unknown }[];
}

export interface IncludeRun {
  hosts: string[];
  /** The included tasks, in a block carrying the include's vars and loop variables. */
  block: Block;
}

/** The groups of hosts that run an include, in item order; hosts whose `when` is false are in none. */
export function planInclude(et: EffectiveTask, hosts: readonly string[], store: VarStore): IncludePlan {
  const task: Task = et.task;
  const body = task.include?.body ?? [];
  const runs = new Map<string, IncludeRun>();
  const skipped: string[] = [];
  const included: { host: string; item?: unknown }[] = [];
  for (const host of hosts) {
    const layers = taskLayers(et);
    const vars = store.forHost(host, layers);
    const opts = { ...store.renderOptions(host), origin: task.pos };
    if (!evaluateCondition(et.when, vars, opts)) {
      skipped.push(host);
      continue;
    }
    const control = task.loopControl;
    const loopVar = control?.loopVar ?? 'item';
    const items: (Vars | undefined)[] = task.loop
      ? renderLoopItems(task.loop, vars, opts).map((item, index) => ({ [loopVar]: item, ansible_loop_var: loopVar, ...(control?.indexVar ? { [control.indexVar]: index } : {}) }))
      : [undefined];
    items.forEach((loopVars, index) => {
      const key = `${index}\u0000${JSON.stringify(loopVars ?? null)}`;
      let run = runs.get(key);
      if (!run) {
        // The include's vars (include params) and the loop variable, above everything but -e.
        const block: Block = { kind: 'block', pos: task.pos, when: [], tags: [], vars: { ...task.vars, ...loopVars }, block: body, rescue: [], always: [] };
        runs.set(key, (run = { hosts: [], block }));
      }
      run.hosts.push(host);
      included.push({ host, ...(loopVars ? { item: loopVars[loopVar] } : {}) });
    });
  }
  const ordered = [...runs.entries()].sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10)).map(([, run]) => run);
  return { runs: ordered, skipped, included };
}

/**
 * Runs an include: its task line and results as Ansible's (an `included:` ok per host and item for
 * include_tasks, none for include_role; skipped where `when` is false), then the included tasks per group.
 */
export async function runInclude(et: EffectiveTask, hosts: readonly string[], run: RunState, runBlock: (block: Block, hosts: string[]) => Promise<void>): Promise<void> {
  const { ports } = run;
  const plan = planInclude(et, hosts, run.store);
  ports.emit({ type: 'task.start', name: et.name, hosts: [...hosts], ...(et.id !== undefined ? { taskId: et.id } : {}) });
  for (const host of plan.skipped) {
    emitResult(et, host, 'skipped', { changed: false, skipped: true, false_condition: 'Conditional result was False' }, undefined, 0, run.deps);
    countResult(run.stats, host, 'skipped');
  }
  if (et.task.module === 'include_tasks') {
    for (const { host, item } of plan.included) {
      emitResult(et, host, 'ok', { changed: false, include: String(et.task.args['file'] ?? et.task.freeForm ?? '') }, undefined, 0, run.deps, item === undefined ? undefined : pyStr(item));
      countResult(run.stats, host, 'ok');
    }
  }
  for (const group of plan.runs) await runBlock(group.block, group.hosts);
}
