import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { playPattern } from '../../../src/engine/plan.js';
import { hostVars, resolvePattern } from '../../../src/inventory/index.js';
import type { Vars } from '../../../src/inventory/types.js';
import type { ClusterView, DrainSettings } from '../../../src/kube/drain-check.js';
import type { KubeNode, KubePod } from '../../../src/kube/port.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { orderedPlayHosts } from '../../../src/playbook/play-plan.js';
import type { DrainInput } from '../../../src/upgrade/drain-blockers.js';
import { drainSettingsByHost } from '../../../src/upgrade/drain-settings.js';
import { buildUpgradePlan } from '../../../src/upgrade/plan.js';
import { planJson, renderPlanText, verdictLine } from '../../../src/upgrade/render.js';
import { inventory } from '../engine/harness.js';
import { node, pdb, pod, type PodSpecInput } from '../kube/builders.js';
import { facts, labInput, stagesFor } from './fixtures.js';

const SHIPPED: DrainSettings = { ignoreDaemonsets: true, deleteEmptydirData: true, force: false, disableEviction: false, skipWaitForDeleteTimeoutSeconds: 0 };
const ALLOC = { cpu: '4', memory: '8Gi', pods: '110' };
const HOSTS = ['cp1', 'cp2', 'worker1', 'worker2'];

function roomy(name: string, controlPlane = false): KubeNode {
  const n = node(name);
  n.status.allocatable = ALLOC;
  if (controlPlane) n.spec.taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
  return n;
}

function sized(name: string, cpu: string, input: PodSpecInput): KubePod {
  const p = pod(name, input);
  p.spec.containers = [{ name: 'main', resources: { requests: { cpu, memory: '128Mi' } } }];
  return p;
}

function drainInput(pods: KubePod[], more: Partial<ClusterView> = {}, settings: Partial<DrainSettings> = {}): DrainInput {
  return {
    view: { nodes: [roomy('cp1', true), roomy('cp2', true), roomy('worker1'), roomy('worker2')], pods, pdbs: [], daemonSets: new Set(), now: Date.now(), ...more },
    settings: new Map(HOSTS.map((h) => [h, { ...SHIPPED, ...settings }])),
    problems: [],
  };
}

describe('upgrade/drain-blockers: the plan names what would stop each drain', () => {
  it('a pod without a controller refuses the plan, naming the node, the pod and -e drain_force=true', () => {
    const plan = buildUpgradePlan(labInput({ drain: drainInput([pod('debug', { node: 'worker1', owner: null }), pod('web-1', { node: 'worker1' })]) }));
    expect(plan.refusals).to.deep.equal([
      'drain of worker1 (node worker1) would be refused: pods without a controller: default/debug; -e drain_force=true deletes them for good (no controller recreates them), or delete or re-create them under a controller first',
    ]);
    expect(plan.drain!.blocked).to.equal(true);
    const text = renderPlanText(plan);
    expect(text).to.include('drain blockers (read now; room is an estimate by resource requests, DaemonSet pods stay):');
    expect(text).to.include('  workers batch 1 (worker1): BLOCKED');
    expect(text).to.include('      BLOCKED pods without a controller: default/debug; fix: -e drain_force=true');
    expect(text).to.include('  workers batch 2 (worker2): ok');
    expect(text).to.include('  control-plane kubelets batch 1 (cp1): ok\n    cp1: 0 pod(s) to evict, nothing in the way\n    room: nothing to place elsewhere');
    expect(verdictLine(plan)).to.equal('the upgrade will not start: fix what is listed above first');
  });

  it('with drain_force the same pod is no blocker but is listed as lost, in the text and the JSON', () => {
    const plan = buildUpgradePlan(labInput({ drain: drainInput([pod('debug', { node: 'worker1', owner: null })], {}, { force: true }) }));
    expect(plan.refusals).to.deep.equal([]);
    expect(renderPlanText(plan)).to.include('      LOST default/debug: deleted for good: no controller recreates them (drain_force)');
    const json = JSON.parse(planJson(plan)) as { drain: { blocked: boolean; batches: Array<{ hosts: string[]; nodes: Array<{ lost: unknown[] }> }> } };
    expect(json.drain.blocked).to.equal(false);
    const worker1 = json.drain.batches.find((b) => b.hosts[0] === 'worker1')!;
    expect(worker1.nodes[0]!.lost).to.deep.equal([{ kind: 'no-controller', pods: ['default/debug'], what: 'deleted for good: no controller recreates them (drain_force)' }]);
  });

  it('emptyDir data: lost under the shipped default, a blocker with drain_delete_emptydir_data=false', () => {
    const pods = [pod('cache-0', { node: 'cp1', emptyDir: true, owner: { kind: 'StatefulSet', name: 'cache' } })];
    const lost = buildUpgradePlan(labInput({ drain: drainInput(pods) }));
    expect(lost.refusals).to.deep.equal([]);
    expect(renderPlanText(lost)).to.include('  control-plane kubelets batch 1 (cp1): ok');
    expect(renderPlanText(lost)).to.include('      LOST default/cache-0: their emptyDir data is deleted (delete_emptydir_data)');
    const strict = buildUpgradePlan(labInput({ drain: drainInput(pods, {}, { deleteEmptydirData: false }) }));
    expect(strict.refusals).to.have.length(1);
    expect(strict.refusals[0]).to.match(/^drain of cp1 \(node cp1\) would be refused: pods with emptyDir data: default\/cache-0; -e drain_delete_emptydir_data=true/);
  });

  it('a budget that allows no disruption now refuses, naming it and its pods; no bypass is offered', () => {
    const pods = [pod('db-0', { node: 'worker2', labels: { app: 'db' } })];
    const budget = { ...pdb('db-pdb', 'default', { matchLabels: { app: 'db' } }), status: { disruptionsAllowed: 0 } };
    const plan = buildUpgradePlan(labInput({ drain: drainInput(pods, { pdbs: [budget] }) }));
    expect(plan.refusals).to.have.length(1);
    expect(plan.refusals[0]).to.include('drain of worker2 (node worker2) would be refused: held by PodDisruptionBudget default/db-pdb: default/db-0; wait until default/db-pdb allows a disruption');
    expect(plan.refusals[0]).to.include('drydock does not evict against a budget');
    expect(plan.refusals[0]).to.not.include('-e ');
  });

  it('a batch whose evicted pods do not fit on the nodes that stay schedulable refuses, with the sums', () => {
    // worker1's 3 cpu of pods have only worker2 to go to (the control planes are tainted), which has 2 free;
    // and worker2's 2 cpu do not fit on worker1's 1 free either.
    const pods = [sized('big-a', '1500m', { node: 'worker1' }), sized('big-b', '1500m', { node: 'worker1' }), sized('resident', '2', { node: 'worker2' })];
    const plan = buildUpgradePlan(labInput({ drain: drainInput(pods) }));
    expect(plan.refusals).to.have.length(2);
    expect(plan.refusals[1]).to.match(/^workers batch 2 \(worker2\): not enough cpu elsewhere/);
    expect(plan.refusals[0]).to.equal(
      'workers batch 1 (worker1): not enough cpu elsewhere for what its drain evicts (estimate by requests): the evicted pods request cpu 3, memory 256Mi, 2 pod(s); free on worker2: cpu 2, memory 7.9Gi, 109 pod(s); add a node or free some (scale a workload down)',
    );
    expect(renderPlanText(plan)).to.include('    room SHORT of cpu: the evicted pods request cpu 3');
  });

  it('a node already at the target is not drained and not checked', () => {
    const input = labInput({ drain: drainInput([pod('debug', { node: 'worker1', owner: null })]) });
    input.hosts = input.hosts.map((h) => (h.host === 'worker1' ? { ...h, facts: facts('1.29.4-1.1') } : h));
    input.cluster.nodes = input.cluster.nodes.map((n) => (n.name === 'worker1' ? { ...n, kubeletVersion: 'v1.29.4' } : n));
    input.cluster.snapshot.kubelets = input.cluster.snapshot.kubelets.map((k) => (k.node === 'worker1' ? { ...k, version: 'v1.29.4' } : k));
    const plan = buildUpgradePlan(input);
    expect(plan.refusals.filter((r) => r.includes('drain'))).to.deep.equal([]);
    expect(plan.drain!.batches.map((b) => b.hosts)).to.deep.equal([['cp1'], ['cp2'], ['worker2']]);
  });

  it('batches are checked together: a batch\'s own nodes are no room for each other', () => {
    const input = labInput({ stages: stagesFor(['cp1', 'cp2'], ['worker1', 'worker2'], [['worker1', 'worker2']]) });
    const plan = buildUpgradePlan({ ...input, drain: drainInput([sized('web', '100m', { node: 'worker1' })]) });
    expect(plan.refusals).to.have.length(1);
    expect(plan.refusals[0]).to.match(/^workers batch 1 \(worker1, worker2\): not enough cpu, memory, pods elsewhere .*no schedulable node stays outside the batch/);
    expect(plan.refusals[0]).to.match(/or drain fewer workers at a time \(--batch\)$/);
  });
});

describe('upgrade/drain-settings: the drain options read off the shipped playbooks', () => {
  const PLAYBOOKS = resolve(import.meta.dirname, '../../../playbooks');

  async function settingsFor(extraVars: Vars, vars: Record<string, Record<string, unknown>> = {}): Promise<ReturnType<typeof drainSettingsByHost>> {
    const registry = moduleRegistry();
    const playbooks = await Promise.all(['upgrade-control-plane', 'upgrade-workers'].map((n) => loadPlaybook(join(PLAYBOOKS, `${n}.yaml`), { moduleRegistry: registry })));
    const inv = inventory({ control_plane: ['cp1'], etcd: ['cp1'], workers: ['w1', 'w2'] }, vars);
    return drainSettingsByHost({
      playbooks,
      playHosts: (play) => orderedPlayHosts(play, resolvePattern(inv, playPattern(play, extraVars)), new Set()),
      hostVars: (host) => hostVars(inv, host, extraVars),
      extraVars,
    });
  }

  it('defaults: no force, emptyDir data deleted, DaemonSets ignored, eviction (budgets honoured)', async () => {
    const { settings, problems } = await settingsFor({ kube_target_version: '1.29.4' });
    expect(problems).to.deep.equal([]);
    expect([...settings.keys()].sort()).to.deep.equal(['cp1', 'w1', 'w2']);
    expect(settings.get('w1')).to.deep.equal({ ignoreDaemonsets: true, deleteEmptydirData: true, force: false, disableEviction: false, skipWaitForDeleteTimeoutSeconds: 0 });
  });

  it('-e drain_force=true and drain_delete_emptydir_data=false reach every drain; a host var reaches its host only', async () => {
    const all = await settingsFor({ kube_target_version: '1.29.4', drain_force: 'true', drain_delete_emptydir_data: false });
    for (const host of ['cp1', 'w1', 'w2']) expect(all.settings.get(host), host).to.include({ force: true, deleteEmptydirData: false });
    const one = await settingsFor({ kube_target_version: '1.29.4' }, { w2: { drain_force: true } });
    expect(one.settings.get('w1')!.force).to.equal(false);
    expect(one.settings.get('w2')!.force).to.equal(true);
  });
});
