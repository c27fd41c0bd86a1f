/**
 * The stages of the run read off the shipped playbooks themselves, so the plan shows the hosts and batches
 * the engine will use: each play's pattern and --limit give its hosts, the engine's own planBatches cuts
 * them (serial with -e rendered). Plays are recognised by the file they come from and what they do
 * (`kubeadm upgrade apply`, `kubeadm upgrade node`, kube_drain), not by their names.
 */
import type { Vars } from '../inventory/types.js';
import { planBatches, playVars } from '../playbook/play-plan.js';
import type { SerialItem } from '../playbook/batches.js';
import type { Play, Playbook, TaskItem } from '../playbook/model.js';
import { withRenderedMaxFailPercentage } from '../playbook/plays.js';
import { renderString } from '../playbook/template.js';
import { walkTasks } from '../playbook/walk.js';

export interface UpgradeStages {
  /** Every host the preflight plays contact (the run's whole host set but the backup's). */
  preflight: string[];
  /** Hosts of the etcd backup play; undefined when the run takes no backup. */
  backup?: string[];
  firstControlPlane: string[][];
  otherControlPlanes: string[][];
  controlPlaneKubelets: string[][];
  workers: string[][];
  /** The workers play's serial and max_fail_percentage as the engine renders them (-e applied). */
  workerSerial: SerialItem[];
  workerMaxFailPercentage: number;
}

export interface StagePlaybooks {
  backup?: Playbook;
  controlPlane?: Playbook;
  workers?: Playbook;
}

/** A play's hosts: pattern and --limit applied, in the play's order (the engine's orderedPlayHosts). */
export type PlayHosts = (play: Play) => string[];

function walk(items: readonly TaskItem[], visit: (text: string, module: string) => void): void {
  walkTasks(items, (task) => {
    const args = task.args as Record<string, unknown>;
    const text = task.freeForm ?? (typeof args['cmd'] === 'string' ? args['cmd'] : typeof args['_raw_params'] === 'string' ? args['_raw_params'] : '');
    visit(text, task.module);
  });
}

function does(play: Play, wanted: { command?: RegExp; module?: string }): boolean {
  let found = false;
  for (const section of [play.preTasks, play.tasks, play.postTasks]) {
    walk(section, (text, module) => {
      if (wanted.command && ['command', 'shell'].includes(module) && wanted.command.test(text)) found = true;
      if (wanted.module && module === wanted.module) found = true;
    });
  }
  return found;
}

const fromFile = (play: Play, name: string): boolean => play.pos.file.endsWith(`/${name}`) || play.pos.file === name;

function onePlay(plays: readonly Play[], what: string, file: string, test: (play: Play) => boolean): Play {
  const found = plays.filter((p) => fromFile(p, file) && test(p));
  if (found.length !== 1) throw new Error(`${file}: expected one play that ${what}, found ${found.length}; the shipped playbook changed shape`);
  return found[0]!;
}

export function upgradeStages(playbooks: StagePlaybooks, playHosts: PlayHosts, extraVars: Vars): UpgradeStages {
  const batches = (play: Play): string[][] => {
    const hosts = playHosts(play);
    return hosts.length > 0 ? planBatches(play, hosts, extraVars) : [];
  };
  const all = [playbooks.controlPlane, playbooks.workers].flatMap((p) => p?.plays ?? []);
  const preflight = [...new Set(all.filter((p) => fromFile(p, 'upgrade-preflight.yaml')).flatMap((p) => playHosts(p)))];
  const stages: UpgradeStages = { preflight, firstControlPlane: [], otherControlPlanes: [], controlPlaneKubelets: [], workers: [], workerSerial: [], workerMaxFailPercentage: 0 };
  if (playbooks.backup) {
    const plays = playbooks.backup.plays.filter((p) => does(p, { module: 'etcd_snapshot' }));
    stages.backup = [...new Set(plays.flatMap((p) => playHosts(p)))];
  }
  if (playbooks.controlPlane) {
    const plays = playbooks.controlPlane.plays;
    const file = 'upgrade-control-plane.yaml';
    stages.firstControlPlane = batches(onePlay(plays, 'runs kubeadm upgrade apply', file, (p) => does(p, { command: /kubeadm upgrade apply/ })));
    stages.otherControlPlanes = batches(onePlay(plays, 'runs kubeadm upgrade node', file, (p) => does(p, { command: /kubeadm upgrade node/ })));
    stages.controlPlaneKubelets = batches(onePlay(plays, 'drains control planes', file, (p) => does(p, { module: 'kube_drain' })));
  }
  if (playbooks.workers) {
    const play = onePlay(playbooks.workers.plays, 'drains workers', 'upgrade-workers.yaml', (p) => does(p, { module: 'kube_drain' }));
    stages.workers = batches(play);
    const vars = { ...playVars(play), ...extraVars };
    stages.workerSerial = play.serial.map((item) => (typeof item === 'string' && item.includes('{{') ? renderSerialItem(item, vars, play) : item));
    stages.workerMaxFailPercentage = withRenderedMaxFailPercentage(play, vars).maxFailPercentage ?? 0;
  }
  return stages;
}

/** As planBatches renders a templated serial entry. */
function renderSerialItem(item: string, vars: Vars, play: Play): SerialItem {
  const out = renderString(item, vars, { origin: play.pos });
  return typeof out === 'number' ? out : String(out);
}
