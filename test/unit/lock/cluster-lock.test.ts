import { expect } from 'chai';
import { KubeApiError, LockHeldError } from '../../../src/errors.js';
import {
  acquireClusterLock,
  COMMAND_ANNOTATION,
  describeTakeover,
  LOCK_NAME,
  LOCK_NAMESPACE,
  STARTED_ANNOTATION,
  type ClusterLockOptions,
  type LockTimers,
} from '../../../src/lock/cluster-lock.js';
import type { KubeLease } from '../../../src/kube/port.js';
import { FakeClock, FakePort } from '../kube/fakes.js';
import { ManualTimers } from './manual-timers.js';

const KEY = `${LOCK_NAMESPACE}/${LOCK_NAME}`;


function setup() {
  const clock = new FakeClock();
  const port = new FakePort(clock);
  const timers = new ManualTimers();
  const opts = (runId: string, extra: Partial<ClusterLockOptions> = {}): ClusterLockOptions => ({
    runId,
    command: `drydock play upgrade.yaml (${runId})`,
    identity: `alice@laptop/100/${runId}`,
    clock,
    timers,
    ...extra,
  });
  return { clock, port, timers, opts };
}

function lease(port: FakePort): KubeLease {
  return port.leases.get(KEY)!;
}

describe('cluster lock', () => {
  it('creates the lease with holder, duration, command and start time', async () => {
    const { port, opts, timers } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    const stored = lease(port);
    expect(stored.spec.holderIdentity).to.equal('alice@laptop/100/run-1');
    expect(stored.spec.leaseDurationSeconds).to.equal(60);
    expect(stored.spec.renewTime).to.equal('2026-11-25T12:00:00.000Z');
    expect(stored.metadata.annotations).to.deep.equal({
      [COMMAND_ANNOTATION]: 'drydock play upgrade.yaml (run-1)',
      [STARTED_ANNOTATION]: '2026-11-25T12:00:00.000Z',
    });
    expect(lock.previous).to.equal(undefined);
    expect(timers.intervals).to.deep.equal([20_000]);
    await lock.release();
  });

  it('refuses a second holder while the first is alive, naming holder, command and since', async () => {
    const { port, opts, clock } = setup();
    await acquireClusterLock(port, opts('run-1'));
    clock.time += 30_000;
    const err = await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockHeldError);
    const held = err as LockHeldError;
    expect(held.holder).to.equal('alice@laptop/100/run-1');
    expect(held.command).to.equal('drydock play upgrade.yaml (run-1)');
    expect(held.since).to.equal('2026-11-25T12:00:00.000Z');
    expect(held.message).to.contain('alice@laptop/100/run-1').and.contain('upgrade.yaml');
    expect(lease(port).spec.holderIdentity).to.equal('alice@laptop/100/run-1');
  });

  it('takes over the lease of a holder that died once it expired, and says whose it was', async () => {
    const { port, opts, clock } = setup();
    await acquireClusterLock(port, opts('run-1'));
    // run-1 never renews (its process died); at exactly renewTime + duration the lease is expired.
    clock.time += 59_999;
    await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' })).then(
      () => expect.fail('took a live lease'),
      (e: unknown) => expect(e).to.be.instanceOf(LockHeldError),
    );
    clock.time += 1;
    const lock = await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' }));
    expect(lease(port).spec.holderIdentity).to.equal('bob@ops/7/run-2');
    expect(lease(port).spec.leaseTransitions).to.equal(1);
    expect(lock.previous).to.deep.equal({ holder: 'alice@laptop/100/run-1', command: 'drydock play upgrade.yaml (run-1)', since: '2026-11-25T12:00:00.000Z', reason: 'expired' });
    expect(describeTakeover(lock.previous)).to.contain('expired').and.contain('alice@laptop/100/run-1');
  });

  it('a concurrent taker of an expired lease gets LockHeldError (its replace conflicts)', async () => {
    const { port, opts, clock } = setup();
    await acquireClusterLock(port, opts('run-1'));
    clock.time += 120_000;
    const realGet = port.getLease.bind(port);
    let raced = false;
    // Between run-3's read and its replace, run-2 takes the lease.
    port.getLease = async (ns, name) => {
      const seen = await realGet(ns, name);
      if (!raced) {
        raced = true;
        await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' }));
      }
      return seen;
    };
    const err = await acquireClusterLock(port, opts('run-3', { identity: 'carol@ops/9/run-3' })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockHeldError);
    expect((err as LockHeldError).holder).to.equal('bob@ops/7/run-2');
  });

  it('breakLock takes a live lease and reports whose lock was broken', async () => {
    const { port, opts } = setup();
    await acquireClusterLock(port, opts('run-1'));
    const lock = await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2', breakLock: true }));
    expect(lease(port).spec.holderIdentity).to.equal('bob@ops/7/run-2');
    expect(lock.previous?.reason).to.equal('broken');
    expect(lock.previous?.holder).to.equal('alice@laptop/100/run-1');
    expect(describeTakeover(lock.previous)).to.match(/^broke the cluster lock held by alice@laptop\/100\/run-1/);
  });

  it('renewal every duration/3 keeps the lease alive past its duration', async () => {
    const { port, opts, clock, timers } = setup();
    await acquireClusterLock(port, opts('run-1'));
    for (let i = 0; i < 6; i++) {
      clock.time += 20_000;
      await timers.tick();
    }
    expect(lease(port).spec.renewTime).to.equal('2026-11-25T12:02:00.000Z');
    clock.time += 30_000;
    await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' })).then(
      () => expect.fail('took a renewed lease'),
      (e: unknown) => expect(e).to.be.instanceOf(LockHeldError),
    );
  });

  it('reports a lost lease once renewal finds another holder, and stops renewing', async () => {
    const { port, opts, clock, timers } = setup();
    const lost: string[] = [];
    const lock = await acquireClusterLock(port, opts('run-1', { onLost: (reason) => lost.push(reason) }));
    await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2', breakLock: true }));
    clock.time += 20_000;
    await timers.tick();
    expect(lock.signal.aborted).to.equal(true);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.contain('bob@ops/7/run-2');
    expect(lease(port).spec.holderIdentity).to.equal('bob@ops/7/run-2');
    await lock.release();
    expect(lease(port).spec.holderIdentity, 'release must not free a lock that is no longer ours').to.equal('bob@ops/7/run-2');
  });

  it('keeps retrying through API errors, and reports the lock lost once a full duration passed unrenewed', async () => {
    const { port, opts, clock, timers } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    const realReplace = port.replaceLease.bind(port);
    port.replaceLease = async () => {
      throw new KubeApiError('connection refused');
    };
    clock.time += 40_000;
    await timers.tick();
    expect(lock.signal.aborted).to.equal(false);
    clock.time += 20_000;
    await timers.tick();
    expect(lock.signal.aborted).to.equal(true);
    port.replaceLease = realReplace;
  });

  it('tells of an API outage once when renewals start failing, and of its end with how long it lasted', async () => {
    const { port, opts, clock, timers } = setup();
    const changes: unknown[] = [];
    await acquireClusterLock(port, opts('run-1', { onApiOutage: (change) => changes.push(change) }));
    const realReplace = port.replaceLease.bind(port);
    port.replaceLease = async () => {
      throw new KubeApiError('connection refused');
    };
    clock.time += 20_000;
    await timers.tick();
    clock.time += 20_000;
    await timers.tick();
    expect(changes).to.deep.equal([{ state: 'down', message: 'the cluster lock could not be renewed: connection refused' }]);
    port.replaceLease = realReplace;
    clock.time += 10_000;
    await timers.tick();
    expect(changes).to.deep.equal([
      { state: 'down', message: 'the cluster lock could not be renewed: connection refused' },
      { state: 'up', downMs: 30_000 },
    ]);
    clock.time += 20_000;
    await timers.tick();
    expect(changes, 'a renewal that works after a working one says nothing').to.have.length(2);
  });

  it('release stops renewal and frees the lease for the next run', async () => {
    const { port, opts, timers } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    await lock.release();
    expect(timers.active).to.equal(0);
    expect(lease(port).spec.holderIdentity).to.equal(undefined);
    const next = await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' }));
    expect(next.previous, 'a released lease is free, not broken').to.equal(undefined);
    expect(lease(port).spec.holderIdentity).to.equal('bob@ops/7/run-2');
  });

  it('passes through errors that are not conflicts', async () => {
    const { port, opts } = setup();
    port.createLease = async () => {
      throw new KubeApiError('forbidden', 403, 'Forbidden');
    };
    const err = await acquireClusterLock(port, opts('run-1')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).status).to.equal(403);
  });
});
