/**
 * The options each host's drain will run with, read off the shipped playbooks' kube_drain task the way the
 * engine will call it (its arguments rendered with the host's vars, the play's and -e, then checked and
 * defaulted by the module's spec), so the plan's drain blockers are the run's: `-e drain_force=true` in
 * the plan is `force: true` in the drain. Pure, from the loaded playbooks and the inventory's vars.
 */
import type { DrainSettings } from '../kube/drain-check.js';
import type { Vars } from '../inventory/types.js';
import { drainSettingsFromArgs, kubeDrainSpec } from '../modules/kube/index.js';
import type { Play, Playbook, Task } from '../playbook/model.js';
import { checkModuleArgs } from '../playbook/modules.js';
import { playVars } from '../playbook/play-plan.js';
import { renderValue } from '../playbook/template.js';
import { walkTasks } from '../playbook/walk.js';
import { STAGE_VAR, type PlayHosts } from './stages.js';

/** The plays whose hosts are drained: each control plane's kubelet and the workers. */
const DRAINING_STAGES: ReadonlySet<unknown> = new Set(['control-plane-kubelets', 'workers']);

export interface DrainSettingsInput {
  playbooks: readonly Playbook[];
  playHosts: PlayHosts;
  hostVars(host: string): Vars;
  extraVars: Vars;
}

/** Host → its drain's settings; a host whose arguments do not render is left out and named in `problems`. */
export function drainSettingsByHost(input: DrainSettingsInput): { settings: Map<string, DrainSettings>; problems: string[] } {
  const settings = new Map<string, DrainSettings>();
  const problems: string[] = [];
  for (const play of input.playbooks.flatMap((p) => p.plays)) {
    if (!DRAINING_STAGES.has(play.vars[STAGE_VAR])) continue;
    const task = drainTask(play);
    if (!task) continue;
    for (const host of input.playHosts(play)) {
      const vars = { ...input.hostVars(host), ...playVars(play), ...input.extraVars };
      try {
        const rendered = renderValue(task.args, vars, { origin: task.pos }) as Record<string, unknown>;
        const checked = checkModuleArgs(kubeDrainSpec, rendered, { applyDefaults: true });
        if (checked.problems.length > 0) throw new Error(checked.problems.map((p) => p.message).join('; '));
        settings.set(host, drainSettingsFromArgs(checked.args));
      } catch (err) {
        problems.push(`${host}: the drain's arguments do not render (${err instanceof Error ? err.message : String(err)}); its drain blockers were not checked`);
      }
    }
  }
  return { settings, problems };
}

function drainTask(play: Play): Task | undefined {
  let found: Task | undefined;
  walkTasks(play.tasks, (task) => {
    if (!found && task.module === 'kube_drain') found = task;
  });
  return found;
}
