/**
 * A task's keywords after inheritance: the task's own value, else the innermost enclosing block's, else the
 * play's. `when` and `tags` accumulate (a block's condition guards every task in it); vars and environment
 * merge outer to inner.
 */
import type { Vars } from '../inventory/types.js';
import { pyStr } from '../playbook/expr/values.js';
import { renderString, type RenderOptions } from '../playbook/template.js';
import type { Block, Condition, InheritedKeywords, Play, RoleScope, Task, TaskKeywords, Templated } from '../playbook/model.js';
import type { TaskVarLayers } from './vars.js';

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
  /** Defaults of the roles around the task, outermost first (below the inventory). */
  roleDefaults: Vars[];
  /** Parameters of the innermost role (above set_fact), and role_name / role_path. */
  roleParams?: Vars;
  roleMagic?: Vars;
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

export function taskDisplayName(task: Task, role?: RoleScope): string {
  const name = task.name ?? task.moduleWritten;
  return role ? `${role.name} : ${name}` : name;
}

/** The variable layers of a task for VarStore.forHost. */
export function taskLayers(et: EffectiveTask): TaskVarLayers {
  return { blockVars: et.blockVars, taskVars: et.taskVars, roleDefaults: et.roleDefaults, ...(et.roleParams ? { roleParams: et.roleParams } : {}), ...(et.roleMagic ? { roleMagic: et.roleMagic } : {}) };
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
  const roles = chain.flatMap((k) => (k.role ? [k.role] : []));
  const role = roles[roles.length - 1];
  const out: EffectiveTask = {
    task,
    name: taskDisplayName(task, role),
    when: [...scope.play.when, ...chain.flatMap((k) => k.when)],
    tags: [...new Set([...scope.play.tags, ...chain.flatMap((k) => k.tags)])],
    blockVars: chain.flatMap((k) => (k === task ? (k.role ? [k.role.vars] : []) : k.role ? [k.role.vars, k.vars] : [k.vars])),
    taskVars: task.vars,
    roleDefaults: roles.map((r) => r.defaults),
    ...(role ? { roleParams: role.params, roleMagic: { role_name: role.name, role_path: role.path, ansible_role_name: role.name } } : {}),
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

/**
 * The task's name as Ansible 2.14's linear strategy shows it: templated once, with the first host's vars, undefined
 * names allowed (fail_on_undefined=False); a name that does not render is shown as written.
 */
export function shownName(name: string, vars: Record<string, unknown>, opts: RenderOptions): string {
  if (!name.includes('{{') && !name.includes('{%')) return name;
  try {
    return pyStr(renderString(name, vars, opts));
  } catch {
    return name;
  }
}
