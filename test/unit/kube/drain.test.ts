import { expect } from 'chai';
import { cordon, drainNode, uncordon, type DrainOptions, type DrainProgress } from '../../../src/kube/drain.js';
import { DrainError } from '../../../src/kube/errors.js';
import { KubeApiError } from '../../../src/errors.js';
import { node, pdb, pod } from './builders.js';
import { FakeClock, FakePort } from './fakes.js';

const base: Omit<DrainOptions, 'clock'> = {
  ignoreDaemonsets: true,
  deleteEmptydirData: true,
  force: false,
  skipWaitForDeleteTimeoutSeconds: 0,
  timeoutMs: 60_000,
};

function setup(): { port: FakePort; clock: FakeClock; events: DrainProgress[]; options: DrainOptions } {
  const clock = new FakeClock();
  const port = new FakePort(clock);
  port.nodes.set('w1', node('w1'));
  const events: DrainProgress[] = [];
  return { port, clock, events, options: { ...base, clock, onProgress: (e) => events.push(e) } };
}

async function drainError(promise: Promise<unknown>): Promise<DrainError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).to.be.instanceOf(DrainError);
  return err as DrainError;
}

describe('kube/drain cordon and uncordon', () => {
  it('cordons with a merge patch and records that the node was schedulable', async () => {
    const { port } = setup();
    expect(await cordon(port, 'w1')).to.deep.equal({ wasAlreadyCordoned: false });
    expect(port.patches).to.deep.equal([{ node: 'w1', patch: { spec: { unschedulable: true } } }]);
  });
  it('does not patch an already cordoned node and says so', async () => {
    const { port } = setup();
    port.nodes.set('w1', node('w1', { unschedulable: true }));
    expect(await cordon(port, 'w1')).to.deep.equal({ wasAlreadyCordoned: true });
    expect(port.patches).to.deep.equal([]);
  });
  it('uncordons by removing spec.unschedulable, and only when cordoned', async () => {
    const { port } = setup();
    expect(await uncordon(port, 'w1')).to.deep.equal({ wasCordoned: false });
    expect(port.patches).to.deep.equal([]);
    port.nodes.set('w1', node('w1', { unschedulable: true }));
    expect(await uncordon(port, 'w1')).to.deep.equal({ wasCordoned: true });
    expect(port.patches).to.deep.equal([{ node: 'w1', patch: { spec: { unschedulable: null } } }]);
    expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(undefined);
  });
});

describe('kube/drain drainNode', () => {
  it('cordons first, evicts every pod, waits until they are gone, and reports the cordon state', async () => {
    const { port, options, events } = setup();
    port.pods = [pod('web-1'), pod('web-2')];
    port.afterEviction.set('default/web-1', { pollsUntilGone: 2 });
    const result = await drainNode(port, 'w1', options);
    expect(result).to.include({ node: 'w1', wasAlreadyCordoned: false });
    expect(result.evicted).to.deep.equal(['default/web-1', 'default/web-2']);
    expect(port.calls.indexOf('patchNode w1')).to.be.lessThan(port.calls.indexOf('listPodsOnNode w1'));
    expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(true);
    expect(port.calls.filter((c) => c === 'getPod default/web-1')).to.have.length(3);
    expect(events.map((e) => e.kind)).to.include.members(['cordoned', 'planned', 'terminating', 'gone']);
  });

  it('records an already-cordoned node so the caller leaves it cordoned', async () => {
    const { port, options } = setup();
    port.nodes.set('w1', node('w1', { unschedulable: true }));
    port.pods = [pod('web-1')];
    expect((await drainNode(port, 'w1', options)).wasAlreadyCordoned).to.equal(true);
    expect(port.patches).to.deep.equal([]);
  });

  it('retries a 429 every retryDelayMs, reporting the PDB that holds the pod, then succeeds', async () => {
    const { port, options, events, clock } = setup();
    port.pods = [pod('web-1', { labels: { app: 'web' } })];
    port.pdbs = [pdb('web-pdb', 'default', { matchLabels: { app: 'web' } })];
    port.evictionScript.set('default/web-1', [
      { outcome: 'blocked', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.', causes: ['The disruption budget web-pdb needs 2 healthy pods and has 2 currently'] },
      'blocked',
      'evicted',
    ]);
    const result = await drainNode(port, 'w1', options);
    expect(result.evicted).to.deep.equal(['default/web-1']);
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.have.length(3);
    expect(clock.sleeps.slice(0, 2)).to.deep.equal([5000, 5000]);
    expect(clock.elapsed()).to.equal(10_000);
    const blocked = events.filter((e) => e.kind === 'blocked');
    expect(blocked[0]).to.deep.include({ pod: 'default/web-1', pdbs: ['default/web-pdb'], message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently', retryInMs: 5000 });
    const waiting = events.find((e) => e.kind === 'waiting');
    expect(waiting && waiting.kind === 'waiting' && waiting.remaining).to.deep.equal([
      { pod: 'default/web-1', state: 'blocked', pdbs: ['default/web-pdb'], message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' },
    ]);
  });

  it('treats 404 on eviction as already gone, without waiting', async () => {
    const { port, options, clock } = setup();
    port.pods = [pod('web-1')];
    port.evictionScript.set('default/web-1', ['gone']);
    expect((await drainNode(port, 'w1', options)).evicted).to.deep.equal(['default/web-1']);
    expect(port.calls.filter((c) => c.startsWith('getPod'))).to.deep.equal([]);
    expect(clock.sleeps).to.deep.equal([]);
  });

  it('fails a pod at once on a 500 (no retry) while the other pods still drain', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1'), pod('api-1')];
    port.evictionScript.set('default/web-1', [{ outcome: 'fatal', status: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support. (HTTP 500 InternalError)' }]);
    const err = await drainError(drainNode(port, 'w1', options));
    expect(err.failure).to.equal('eviction-failed');
    expect(err.code).to.equal('KUBE_API');
    expect(err.message).to.equal('drain of node "w1" did not finish:\nerror when evicting pods/"web-1" -n "default": This pod has more than one PodDisruptionBudget, which the eviction subresource does not support. (HTTP 500 InternalError)');
    expect(port.calls.filter((c) => c === 'evictPod default/web-1')).to.have.length(1);
    expect(port.pods.map((p) => p.metadata.name)).to.deep.equal(['web-1']);
    expect(err.pending.map((p) => [p.pod, p.state])).to.deep.equal([['default/web-1', 'failed']]);
  });

  it('on timeout names the pods that blocked it and the PDBs that held them, leaving the node cordoned', async () => {
    const { port, options, clock } = setup();
    port.pods = [pod('web-1', { labels: { app: 'web' } }), pod('db-0', { labels: { app: 'db' } }), pod('ok-1')];
    port.pdbs = [pdb('web-pdb', 'default', { matchLabels: { app: 'web' } })];
    port.evictionScript.set('default/web-1', [{ outcome: 'blocked', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.', causes: ['The disruption budget web-pdb needs 1 healthy pods and has 1 currently'] }]);
    port.afterEviction.set('default/db-0', { stuck: true });
    const err = await drainError(drainNode(port, 'w1', { ...options, timeoutMs: 12_000 }));
    expect(err.failure).to.equal('timeout');
    expect(err.wasAlreadyCordoned).to.equal(false);
    expect(err.message).to.contain('global timeout reached: 12s');
    expect(err.message).to.contain('default/web-1 (held by PodDisruptionBudget default/web-pdb: The disruption budget web-pdb needs 1 healthy pods and has 1 currently)');
    expect(err.message).to.contain('default/db-0 (eviction accepted, still terminating)');
    expect(err.message).to.not.contain('ok-1');
    expect(err.pending.map((p) => p.pod).sort()).to.deep.equal(['default/db-0', 'default/web-1']);
    expect(clock.elapsed()).to.equal(12_000);
    expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(true);
  });

  it('counts a same-name pod with a different UID as gone (StatefulSet replacement)', async () => {
    const { port, options } = setup();
    port.pods = [pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' }, uid: 'old-uid' })];
    port.afterEviction.set('default/db-0', { pollsUntilGone: 1, replaceWithUid: 'new-uid' });
    expect((await drainNode(port, 'w1', options)).evicted).to.deep.equal(['default/db-0']);
    expect(port.pods[0]!.metadata.uid).to.equal('new-uid');
  });

  it('stops retrying a blocked pod that was replaced (new UID) while waiting to retry', async () => {
    const { port, options, clock } = setup();
    port.pods = [pod('web-1', { uid: 'u1' })];
    port.evictionScript.set('default/web-1', ['blocked']);
    options.clock = {
      now: () => clock.now(),
      sleep: async (ms: number) => {
        port.pods[0]!.metadata.uid = 'u2';
        await clock.sleep(ms);
      },
    };
    expect((await drainNode(port, 'w1', options)).evicted).to.deep.equal(['default/web-1']);
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.have.length(1);
  });

  it('stops retrying a blocked pod that disappeared while waiting to retry', async () => {
    const { port, options, clock } = setup();
    port.pods = [pod('web-1')];
    port.evictionScript.set('default/web-1', ['blocked']);
    options.clock = {
      now: () => clock.now(),
      sleep: async (ms: number) => {
        port.pods = [];
        await clock.sleep(ms);
      },
    };
    expect((await drainNode(port, 'w1', options)).evicted).to.deep.equal(['default/web-1']);
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.have.length(1);
  });

  it('aborts before any eviction when the filters refuse a pod, with kubectl\'s message', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1'), pod('debug', { owner: null, ns: 'ops' })];
    const err = await drainError(drainNode(port, 'w1', options));
    expect(err.failure).to.equal('refused');
    expect(err.message).to.equal('cannot drain node "w1":\ncannot delete Pods declare no controller (use --force to override): ops/debug');
    expect(port.calls.some((c) => c.startsWith('evictPod'))).to.equal(false);
    expect(err.wasAlreadyCordoned).to.equal(false);
  });

  it('looks up DaemonSets: skips live DaemonSet pods, evicts orphans only with force', async () => {
    const { port, options } = setup();
    port.pods = [
      pod('proxy-a', { ns: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }),
      pod('agent-a', { owner: { kind: 'DaemonSet', name: 'old-agent' } }),
    ];
    port.daemonSets.add('kube-system/kube-proxy');
    const result = await drainNode(port, 'w1', { ...options, force: true });
    expect(result.evicted).to.deep.equal(['default/agent-a']);
    expect(result.skipped).to.deep.equal([{ pod: 'kube-system/proxy-a', reason: 'daemonset' }]);
    expect(result.warnings).to.deep.equal(['ignoring DaemonSet-managed Pods: kube-system/proxy-a', 'daemonsets.apps "old-agent" not found: default/agent-a']);
  });

  it('passes the grace period through: -1 means the pod\'s own (omitted), other values are sent', async () => {
    const { port, options } = setup();
    port.pods = [pod('a')];
    await drainNode(port, 'w1', { ...options, gracePeriodSeconds: -1 });
    port.pods = [pod('b')];
    await drainNode(port, 'w1', { ...options, gracePeriodSeconds: 30 });
    expect(port.evictGrace).to.deep.equal([undefined, 30]);
  });

  it('with disableEviction deletes pods directly (bypassing PDBs) and does not list PDBs', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1')];
    await drainNode(port, 'w1', { ...options, disableEviction: true, gracePeriodSeconds: 0 });
    expect(port.calls).to.include('deletePod default/web-1 grace=0');
    expect(port.calls.some((c) => c.startsWith('evictPod') || c === 'listPdbs')).to.equal(false);
  });

  it('stops waiting for a pod whose deletion is older than skipWaitForDeleteTimeoutSeconds', async () => {
    const { port, options, clock } = setup();
    port.pods = [pod('stuck-1')];
    port.afterEviction.set('default/stuck-1', { stuck: true });
    const result = await drainNode(port, 'w1', { ...options, skipWaitForDeleteTimeoutSeconds: 5, timeoutMs: 0 });
    expect(result.evicted).to.deep.equal(['default/stuck-1']);
    expect(clock.elapsed()).to.equal(6000);
  });

  it('waits for deletion instead of retrying when the namespace is terminating and the pod already is', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1', { deletionTimestamp: '2026-11-25T11:59:59Z' })];
    port.evictionScript.set('default/web-1', ['namespace-terminating']);
    port.afterEviction.set('default/web-1', {});
    // The fake removes a terminating pod only once an eviction was accepted; simulate the namespace deletion.
    const drained = drainNode(port, 'w1', { ...options, timeoutMs: 3000 });
    setImmediate(() => (port.pods = []));
    expect((await drained).evicted).to.deep.equal(['default/web-1']);
    expect(port.calls.filter((c) => c.startsWith('evictPod'))).to.have.length(1);
  });

  it('wraps API failures after cordoning in a DrainError that still reports the cordon state', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1')];
    port.listPodsOnNode = async () => {
      throw new KubeApiError('list pods on node w1: pods is forbidden (HTTP 403 Forbidden)', 403, 'Forbidden');
    };
    const err = await drainError(drainNode(port, 'w1', options));
    expect(err).to.include({ failure: 'api', status: 403, reason: 'Forbidden', wasAlreadyCordoned: false });
    expect(err.message).to.contain('pods is forbidden');
  });

  it('passes --pod-selector to the pod listing', async () => {
    const { port, options } = setup();
    port.pods = [pod('web-1', { labels: { app: 'web' } })];
    await drainNode(port, 'w1', { ...options, podSelector: 'app=web' });
    expect(port.calls).to.include('listPodsOnNode w1 app=web');
  });
});
