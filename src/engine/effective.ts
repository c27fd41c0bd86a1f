/**
 * A task's keywords after inheritance: the task's own value, else the innermost enclosing block's, else the
 * play's. `when` and `tags` accumulate (a block's condition guards every task in it); vars and environment
 * merge outer to inner.
 */
import type { Vars } from '../inventory/types.js';
import type { Block, Condition, InheritedKeywords, Play, Task, TaskKeywords, Templated } from '../playbook/model.js';

export interface Scope {
  play: Play;
  /** Enclosing blocks, outermost first. */
  blocks: readonly Block[];
  /** Inside the `block:` section of a block that has a `rescue:`: a failure here is rescued, not counted failed. */
  rescuable: boolean;
  handler: boolean;
  /** Task-id path of the items in this scope (see task-ids.ts); absent outside a playbook run. */
  path?: string;
}

export interface EffectiveTask extends InheritedKeywords {
  task: Task;
  /** Shown in TASK [...] lines: the name, else the module as written (Ansible's default). */
  name: string;
  when: Condition[];
  tags: string[];
  blockVars: Vars[];
  taskVars: Vars;
  environment: Templated<Record<string, unknown>>[];
  rescuable: boolean;
  handler: boolean;
  /** Stable task id (task-ids.ts), carried on task events so a journal matches a later run's tasks. */
  id?: string;
}

type Inheritable = keyof InheritedKeywords;

// A record, so that a keyword added to InheritedKeywords but not inherited here fails to compile.
const INHERITED: Record<Inheritable, true> = { become: true, becomeUser: true, delegateTo: true, runOnce: true, ignoreErrors: true, ignoreUnreachable: true, checkMode: true, diff: true, noLog: true, throttle: true, timeout: true, connection: true };
const INHERITABLE = Object.keys(INHERITED) as Inheritable[];

export function taskDisplayName(task: Task): string {
  return task.name ?? task.moduleWritten;
}

export function effectiveTask(task: Task, scope: Scope, id?: string): EffectiveTask {
  const chain: TaskKeywords[] = [...scope.blocks, task];
  const pick = <K extends Inheritable>(key: K): TaskKeywords[K] => {
    for (let i = chain.length - 1; i >= 0; i--) {
      const value = chain[i]![key];
      if (value !== undefined) return value;
    }
    const play = scope.play as unknown as Partial<Record<Inheritable, unknown>>;
    return play[key] as TaskKeywords[K];
  };
  const out: EffectiveTask = {
    task,
    name: taskDisplayName(task),
    when: [...scope.play.when, ...chain.flatMap((k) => k.when)],
    tags: [...new Set([...scope.play.tags, ...chain.flatMap((k) => k.tags)])],
    blockVars: scope.blocks.map((b) => b.vars),
    taskVars: task.vars,
    environment: [scope.play.environment, ...chain.map((k) => k.environment)].filter((e) => e !== undefined),
    rescuable: scope.rescuable,
    handler: scope.handler,
    ...(id !== undefined ? { id } : {}),
  };
  for (const key of INHERITABLE) {
    const value = pick(key);
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}
