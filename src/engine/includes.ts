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

export interface IncludeRun {
  hosts: string[];
  /** The included tasks, in a block carrying the include's vars and loop variables. */
  block: Block;
}

/** The groups of hosts that run an include, in item order; hosts whose `when` is false are in none. */
export function includeRuns(et: EffectiveTask, hosts: readonly string[], store: VarStore): IncludeRun[] {
  const task: Task = et.task;
  const body = task.include?.body ?? [];
  const runs = new Map<string, IncludeRun>();
  for (const host of hosts) {
    const layers = taskLayers(et);
    const vars = store.forHost(host, layers);
    const opts = { ...store.renderOptions(host), origin: task.pos };
    if (!evaluateCondition(et.when, vars, opts)) continue;
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
    });
  }
  return [...runs.entries()].sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10)).map(([, run]) => run);
}
