import { expect } from 'chai';
import type { EvictionResult } from '../../../../src/kube/port.js';
import { node, pdb, pod } from '../../kube/builders.js';
import { FakeClock, FakePort } from '../../kube/fakes.js';
import { harness } from './context.js';

const BLOCKED: EvictionResult = {
  outcome: 'blocked',
  status: 429,
  message: "Cannot evict pod as it would violate the pod's disruption budget.",
  causes: ['The disruption budget web-pdb needs 1 healthy pods and has 1 currently'],
};

function setup(options: { unschedulable?: boolean; vars?: Record<string, unknown> } = {}) {
  const clock = new FakeClock();
  const port = new FakePort(clock);
  port.nodes.set('w1', node('w1', { unschedulable: options.unschedulable }));
  port.pods = [pod('web-a', { labels: { app: 'web' } }), pod('agent', { ns: 'kube-system', owner: { kind: 'DaemonSet', name: 'agent' } })];
  port.daemonSets.add('kube-system/agent');
  port.pdbs = [pdb('web-pdb', 'default', { matchLabels: { app: 'web' } })];
  const h = harness({ host: 'w1', vars: options.vars, kube: async () => port, clock });
  return { clock, port, h };
}

const warnings = (h: ReturnType<typeof setup>['h']) => h.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
const statuses = (h: ReturnType<typeof setup>['h']) => h.events.flatMap((e) => (e.type === 'status' ? [e.waitingOn.join(' | ')] : []));

describe('modules/kube: kube_drain', () => {
  it('drains with live progress naming the PDB that holds each pod, and records the cordon', async () => {
    const { port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED, BLOCKED, 'evicted']);
    const result = await h.run('kube_drain');
    expect(result.failed, result.msg).to.equal(undefined);
    expect(result).to.include({ changed: true, node: 'w1', was_cordoned: false, cordoned_by_drydock: true });
    expect(result.evicted).to.deep.equal(['default/web-a']);
    expect(result.warnings).to.deep.equal(['ignoring DaemonSet-managed Pods: kube-system/agent']);
    expect(warnings(h)).to.deep.equal([
      'drain w1: ignoring DaemonSet-managed Pods: kube-system/agent',
      // once per refusal, not once per retry
      'drain w1: cannot evict default/web-a yet (PodDisruptionBudget default/web-pdb): The disruption budget web-pdb needs 1 healthy pods and has 1 currently; retrying every 5s',
    ]);
    expect(statuses(h)).to.include('default/web-a (held by PodDisruptionBudget default/web-pdb)');
    expect(statuses(h).at(-1)).to.equal('');
    expect(h.vars.drydock_cordoned_by_drydock).to.equal(true);
    const statusEvent = h.events.find((e) => e.type === 'status');
    expect(statusEvent).to.include({ task: 'kube_drain w1' });
  });

  it('records the refusals and the time spent blocked as typed events (drain.blocked, drain.end) for the run report', async () => {
    const { port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED, BLOCKED, 'evicted']);
    await h.run('kube_drain');
    const blocked = h.events.filter((e) => e.type === 'drain.blocked');
    expect(blocked, 'once per refusal, not once per retry').to.deep.equal([
      { type: 'drain.blocked', host: 'w1', node: 'w1', pod: 'default/web-a', pdbs: ['default/web-pdb'], message: 'The disruption budget web-pdb needs 1 healthy pods and has 1 currently' },
    ]);
    const ends = h.events.filter((e) => e.type === 'drain.end');
    expect(ends).to.have.length(1);
    // Two refusals, each waited out for the 5 s retry delay.
    expect(ends[0]).to.include({ host: 'w1', node: 'w1', ok: true, blockedMs: 10_000 });
  });

  it('a drain that times out ends with drain.end ok false, blocked the whole time', async () => {
    const { clock, port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED]);
    await h.run('kube_drain', { timeout: 12 });
    const ends = h.events.filter((e) => e.type === 'drain.end');
    expect(ends).to.have.length(1);
    expect(ends[0]).to.include({ ok: false, ms: clock.elapsed(), blockedMs: 12_000 });
  });

  it('times out (600 s by default) naming the pod and its PDB, leaving the node cordoned with facts for a rescue', async () => {
    const { clock, port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED]);
    const result = await h.run('kube_drain');
    expect(clock.elapsed()).to.equal(600_000);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.contain('global timeout reached: 600s');
    expect(result.msg).to.contain('default/web-a (held by PodDisruptionBudget default/web-pdb: The disruption budget web-pdb needs 1 healthy pods');
    expect(result.msg).to.match(/node w1 stays cordoned$/);
    expect(result).to.include({ failure: 'timeout', left_cordoned: true, cordoned_by_drydock: true });
    expect(result.facts).to.deep.include({ drydock_cordoned_by_drydock: true });
    expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(true);
  });

  it('honours a shorter timeout', async () => {
    const { clock, port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED]);
    const result = await h.run('kube_drain', { timeout: 12 });
    expect(result.msg).to.contain('global timeout reached: 12s');
    expect(clock.elapsed()).to.equal(12_000);
  });

  it('refuses before evicting anything, with kubectl\'s hints turned into module arguments', async () => {
    const { port, h } = setup();
    port.pods.push(pod('scratch', { emptyDir: true }), pod('bare', { owner: null }));
    const result = await h.run('kube_drain', { ignore_daemonsets: false });
    expect(result.failed).to.equal(true);
    expect(result.failure).to.equal('refused');
    expect(result.msg).to.contain('cannot delete DaemonSet-managed Pods (set ignore_daemonsets: true to ignore): kube-system/agent');
    expect(result.msg).to.contain('cannot delete Pods with local storage (set delete_emptydir_data: true to override): default/scratch');
    expect(result.msg).to.contain('cannot delete Pods declare no controller (set force: true to override): default/bare');
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.deep.equal([]);
    expect(result.left_cordoned).to.equal(true);
  });

  it('passes grace_period, pod_selector and disable_eviction through', async () => {
    const { port, h } = setup();
    await h.run('kube_drain', { grace_period: 10, pod_selector: 'app=web' });
    expect(port.evictGrace).to.deep.equal([10]);
    expect(port.calls).to.include('listPodsOnNode w1 app=web');

    const other = setup();
    await other.h.run('kube_drain');
    expect(other.port.evictGrace, 'grace_period -1 = each pod\'s own').to.deep.equal([undefined]);

    const plain = setup();
    await plain.h.run('kube_drain', { disable_eviction: true, grace_period: 0 });
    expect(plain.port.calls).to.include('deletePod default/web-a grace=0');
    expect(plain.port.calls.filter((c) => c.startsWith('evictPod'))).to.deep.equal([]);
  });

  it('an already cordoned, empty node: nothing changes and the cordon stays someone else\'s', async () => {
    const { port, h } = setup({ unschedulable: true });
    port.pods = [];
    expect(await h.run('kube_drain')).to.include({ changed: false, was_cordoned: true, cordoned_by_drydock: false });
  });

  it('check mode plans without cordoning: what would go, and which PDBs stand in the way', async () => {
    const { port, h } = setup();
    port.pods.push(pod('db-0', { labels: { app: 'db' } }));
    port.pdbs.push(pdb('db-a', 'default', { matchLabels: { app: 'db' } }), pdb('db-b', 'default', { matchLabels: { app: 'db' } }));
    port.pdbs[0]!.status = { disruptionsAllowed: 0 };
    const result = await h.run('kube_drain', {}, { check: true });
    expect(result).to.include({ changed: true, cordoned_by_drydock: true });
    expect(result.would_evict).to.deep.equal(['default/web-a', 'default/db-0']);
    expect(result.pdb_blockers).to.deep.equal([
      'default/web-a is held by PodDisruptionBudget default/web-pdb (no disruption allowed now)',
      'default/db-0 is covered by several PodDisruptionBudgets (default/db-a, default/db-b); its eviction would fail',
    ]);
    expect(port.patches).to.deep.equal([]);
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.deep.equal([]);

    port.pods.push(pod('bare', { owner: null }));
    const refused = await h.run('kube_drain', {}, { check: true });
    expect(refused.failed).to.equal(true);
    expect(refused.msg).to.equal('drain of node w1 would be refused:\ndefault/bare: Pods declare no controller (set force: true to override)');
  });

  it('an interrupted drain (task timeout, Ctrl-C) says so and keeps the cordon record', async () => {
    const { port, h } = setup();
    port.evictionScript.set('default/web-a', [BLOCKED]);
    const abort = new AbortController();
    abort.abort(new Error('task timeout'));
    const result = await h.run('kube_drain', { timeout: 10 }, { signal: abort.signal });
    expect(result).to.include({ failed: true, interrupted: true, cordoned_by_drydock: true });
    expect(result.msg).to.equal('drain of node w1 interrupted (task timeout or Ctrl-C); the node stays cordoned');
  });
});
