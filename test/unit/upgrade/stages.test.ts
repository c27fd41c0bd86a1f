import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { orderedPlayHosts } from '../../../src/playbook/play-plan.js';
import { playPattern } from '../../../src/engine/plan.js';
import { applyLimit, resolvePattern } from '../../../src/inventory/index.js';
import type { Inventory, Vars } from '../../../src/inventory/types.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Play, Playbook } from '../../../src/playbook/model.js';
import { upgradeStages, type StagePlaybooks } from '../../../src/upgrade/stages.js';
import { upgradeVars, type UpgradeFlags } from '../../../src/upgrade/flags.js';
import { hostsNamed, inventory } from '../engine/harness.js';

const PLAYBOOKS = resolve(import.meta.dirname, '../../../playbooks');

async function shipped(): Promise<Required<StagePlaybooks>> {
  const registry = moduleRegistry();
  const load = (name: string): Promise<Playbook> => loadPlaybook(join(PLAYBOOKS, `${name}.yaml`), { moduleRegistry: registry });
  const [backup, controlPlane, workers] = await Promise.all([load('etcd-backup'), load('upgrade-control-plane'), load('upgrade-workers')]);
  return { backup, controlPlane, workers };
}

function hostsOf(inv: Inventory, vars: Vars, limit?: string): (play: Play) => string[] {
  return (play) => {
    let hosts = resolvePattern(inv, playPattern(play, vars));
    if (limit !== undefined) hosts = applyLimit(inv, hosts, limit);
    return orderedPlayHosts(play, hosts, new Set());
  };
}

/** Ansible's ramp, written out independently: the canary, then `size` (count or % of all workers, at least 1). */
function expectedRamp(workers: string[], canary: number, size: number | string): string[][] {
  const per = typeof size === 'number' ? size : Math.max(1, Math.trunc((Number.parseInt(size, 10) / 100) * workers.length));
  const out: string[][] = [workers.slice(0, canary)];
  for (let i = canary; i < workers.length; i += per) out.push(workers.slice(i, i + per));
  return out.filter((b) => b.length > 0);
}

const flags = (more: Partial<UpgradeFlags> = {}): UpgradeFlags => ({ to: '1.29.4', scope: 'cluster', check: false, ...more });

describe('upgrade/stages: the batches the engine will cut, read off the shipped playbooks', () => {
  let playbooks: Required<StagePlaybooks>;
  before(async () => {
    playbooks = await shipped();
  });

  it('three control planes: the first applies alone, the others one at a time, every kubelet one at a time', () => {
    const inv = inventory({ control_plane: ['cp1', 'cp2', 'cp3'], workers: ['w1', 'w2'], etcd: ['cp1', 'cp2', 'cp3'] });
    const vars = upgradeVars(flags());
    const stages = upgradeStages(playbooks, hostsOf(inv, vars), vars);
    expect(stages.preflight).to.deep.equal(['cp1', 'cp2', 'cp3', 'w1', 'w2']);
    expect(stages.backup).to.deep.equal(['cp1']);
    expect(stages.firstControlPlane).to.deep.equal([['cp1']]);
    expect(stages.otherControlPlanes).to.deep.equal([['cp2'], ['cp3']]);
    expect(stages.controlPlaneKubelets).to.deep.equal([['cp1'], ['cp2'], ['cp3']]);
    expect(stages.workers).to.deep.equal([['w1'], ['w2']]);
    expect(stages.workerSerial).to.deep.equal([1, '20%']);
    expect(stages.workerMaxFailPercentage).to.equal(0);
  });

  for (let n = 1; n <= 20; n++) {
    it(`${n} worker(s): canary of 1 then 20% (default), --batch 3, --batch 50%, --max-fail 25`, () => {
      const workers = hostsNamed('w', n);
      const inv = inventory({ control_plane: ['cp1'], workers });
      for (const [batch, size] of [[undefined, '20%'], [3, 3], ['50%', '50%']] as const) {
        const vars = upgradeVars(flags({ ...(batch !== undefined ? { batch } : {}), maxFail: 25 }));
        const stages = upgradeStages(playbooks, hostsOf(inv, vars), vars);
        expect(stages.workers, `--batch ${batch ?? 'default'}`).to.deep.equal(expectedRamp(workers, 1, size));
        expect(stages.workers.flat()).to.deep.equal(workers);
        expect(stages.workerSerial).to.deep.equal([1, size]);
        expect(stages.workerMaxFailPercentage).to.equal(25);
      }
    });
  }

  it('kubespray groups: control planes listed in kube_node are not workers; --limit cuts every stage', () => {
    const inv = inventory({ kube_control_plane: ['cp-a', 'cp-b'], etcd: ['cp-a', 'cp-b'], kube_node: ['cp-a', 'cp-b', 'w01', 'w02', 'w03'] });
    const vars = upgradeVars(flags({ batch: 2 }));
    const all = upgradeStages(playbooks, hostsOf(inv, vars), vars);
    expect(all.workers).to.deep.equal([['w01'], ['w02', 'w03']]);
    expect(all.otherControlPlanes).to.deep.equal([['cp-b']]);
    const limited = upgradeStages(playbooks, hostsOf(inv, vars, 'w02'), vars);
    expect(limited.preflight).to.deep.equal(['w02']);
    expect(limited.backup).to.deep.equal([]);
    expect(limited.firstControlPlane).to.deep.equal([]);
    expect(limited.workers).to.deep.equal([['w02']]);
  });

  it('leaves out what the scope leaves out', () => {
    const inv = inventory({ control_plane: ['cp1'], workers: ['w1'] });
    const vars = upgradeVars(flags());
    const workersOnly = upgradeStages({ workers: playbooks.workers }, hostsOf(inv, vars), vars);
    expect(workersOnly.backup).to.equal(undefined);
    expect(workersOnly.firstControlPlane).to.deep.equal([]);
    expect(workersOnly.preflight).to.deep.equal(['cp1', 'w1']);
    expect(workersOnly.workers).to.deep.equal([['w1']]);
    const controlPlaneOnly = upgradeStages({ controlPlane: playbooks.controlPlane }, hostsOf(inv, vars), vars);
    expect(controlPlaneOnly.workers).to.deep.equal([]);
    expect(controlPlaneOnly.controlPlaneKubelets).to.deep.equal([['cp1']]);
  });
});

describe('upgrade/stages: plays are found by their drydock_upgrade_stage marker', () => {
  it('follows the marker, not the play name or its commands, and refuses a playbook that lost one', async () => {
    const { controlPlane } = await shipped();
    const inv = inventory({ control_plane: ['cp1', 'cp2'], workers: ['w1'] });
    const vars = upgradeVars(flags());
    // Swap the markers of the first two plays: the stages follow the markers.
    const swap: Record<string, string> = { 'first-control-plane': 'other-control-planes', 'other-control-planes': 'first-control-plane' };
    const swapped: Playbook = {
      ...controlPlane,
      plays: controlPlane.plays.map((p) => {
        const stage = swap[String(p.vars['drydock_upgrade_stage'])];
        return stage ? { ...p, vars: { ...p.vars, drydock_upgrade_stage: stage } } : p;
      }),
    };
    const stages = upgradeStages({ controlPlane: swapped }, hostsOf(inv, vars), vars);
    expect(stages.firstControlPlane).to.deep.equal([['cp2']]);
    expect(stages.otherControlPlanes).to.deep.equal([['cp1']]);

    const unmarked: Playbook = { ...controlPlane, plays: controlPlane.plays.map((p) => ({ ...p, vars: {} })) };
    expect(() => upgradeStages({ controlPlane: unmarked }, hostsOf(inv, vars), vars)).to.throw(/expected one play marked drydock_upgrade_stage: first-control-plane, found 0/);
  });
});
