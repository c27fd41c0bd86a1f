/**
 * The pure planning of one play, shared by the engine (which runs it) and the planners that show a run before
 * it starts (engine/plan.ts, upgrade/): its variables, its hosts in `order:`, and its `serial` batches.
 */
import type { Vars } from '../inventory/types.js';
import { orderHosts, serialBatches, type SerialItem } from './batches.js';
import type { Play } from './model.js';
import { renderString } from './template.js';

/** Play vars with vars_files on top (later files win), as one layer. */
export function playVars(play: Play): Vars {
  const vars: Vars = { ...play.vars };
  for (const file of play.varsFiles) Object.assign(vars, file.vars ?? {});
  // As Ansible (private_role_vars off): the vars of every role of the play are seen by all its tasks.
  for (const role of play.roles ?? []) Object.assign(vars, role.vars);
  return vars;
}

/** The magic variables naming the play's roles, as Ansible sets them. */
export function playRoleNames(play: Play): Vars {
  const roles = play.roles ?? [];
  const direct = [...new Set(roles.filter((r) => !r.dependency).map((r) => r.name))];
  const dependent = [...new Set(roles.filter((r) => r.dependency).map((r) => r.name))];
  return { role_names: direct, ansible_play_role_names: direct, ansible_dependent_role_names: dependent, ansible_role_names: [...new Set([...direct, ...dependent])] };
}

/** The defaults of every role of the play, merged in load order: the lowest variables of the play. */
export function playRoleDefaults(play: Play): Vars {
  return Object.assign({}, ...(play.roles ?? []).map((r) => r.defaults)) as Vars;
}

/** The play's batches; templated serial values render with the play's vars and -e. */
export function planBatches(play: Play, hosts: readonly string[], extraVars: Vars): string[][] {
  const vars = { ...playVars(play), ...extraVars };
  const serial: SerialItem[] = play.serial.map((item) => {
    if (typeof item !== 'string' || !item.includes('{{')) return item;
    const out = renderString(item, vars, { origin: play.pos });
    return typeof out === 'number' ? out : String(out);
  });
  return serialBatches(hosts, serial);
}

/** The play's hosts still in the run (not failed or unreachable earlier), in the play's `order:`. */
export function orderedPlayHosts(play: Play, targets: readonly string[], gone: ReadonlySet<string>, shuffleSeed?: number | string): string[] {
  const reachable = targets.filter((h) => !gone.has(h));
  return orderHosts(reachable, play.order, shuffleSeed);
}
