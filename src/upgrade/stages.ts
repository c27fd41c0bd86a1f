/**
 * The stages of the run read off the shipped playbooks themselves, so the plan shows the hosts and batches
 * the engine will use: each play's pattern and --limit give its hosts, the engine's own planBatches cuts
 * them (serial with -e rendered). Each play says which stage it is with the `drydock_upgrade_stage` var (data,
 * not its name or the text of its commands); a shipped playbook that lost or doubled a marker is refused.
 */
import type { Vars } from '../inventory/types.js';
import { planBatches, playVars } from '../playbook/play-plan.js';
import type { SerialItem } from '../playbook/batches.js';
import type { Play, Playbook } from '../playbook/model.js';
import { withRenderedMaxFailPercentage } from '../playbook/plays.js';
import { renderString } from '../playbook/template.js';

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

/** The marker each shipped upgrade play carries: which step of the plan it is (its `vars`). */
export const STAGE_VAR = 'drydock_upgrade_stage';
export type StageName = 'preflight' | 'backup' | 'first-control-plane' | 'other-control-planes' | 'control-plane-kubelets' | 'workers';

const stageOf = (play: Play): unknown => play.vars[STAGE_VAR];

function onePlay(plays: readonly Play[], stage: StageName, file: string): Play {
  const found = plays.filter((p) => stageOf(p) === stage);
  if (found.length !== 1) throw new Error(`${file}: expected one play marked ${STAGE_VAR}: ${stage}, found ${found.length}; the shipped playbook changed shape`);
  return found[0]!;
}

export function upgradeStages(playbooks: StagePlaybooks, playHosts: PlayHosts, extraVars: Vars): UpgradeStages {
  const batches = (play: Play): string[][] => {
    const hosts = playHosts(play);
    return hosts.length > 0 ? planBatches(play, hosts, extraVars) : [];
  };
  const all = [playbooks.controlPlane, playbooks.workers].flatMap((p) => p?.plays ?? []);
  const preflight = [...new Set(all.filter((p) => stageOf(p) === 'preflight').flatMap((p) => playHosts(p)))];
  const stages: UpgradeStages = { preflight, firstControlPlane: [], otherControlPlanes: [], controlPlaneKubelets: [], workers: [], workerSerial: [], workerMaxFailPercentage: 0 };
  if (playbooks.backup) {
    const plays = playbooks.backup.plays.filter((p) => stageOf(p) === 'backup');
    stages.backup = [...new Set(plays.flatMap((p) => playHosts(p)))];
  }
  if (playbooks.controlPlane) {
    const plays = playbooks.controlPlane.plays;
    const file = 'upgrade-control-plane.yaml';
    stages.firstControlPlane = batches(onePlay(plays, 'first-control-plane', file));
    stages.otherControlPlanes = batches(onePlay(plays, 'other-control-planes', file));
    stages.controlPlaneKubelets = batches(onePlay(plays, 'control-plane-kubelets', file));
  }
  if (playbooks.workers) {
    const play = onePlay(playbooks.workers.plays, 'workers', 'upgrade-workers.yaml');
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
