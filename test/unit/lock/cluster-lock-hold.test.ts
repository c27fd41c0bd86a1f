import { expect } from 'chai';
import { KubeApiError, LockHeldError } from '../../../src/errors.js';
import { acquireClusterLock, LOCK_NAME, LOCK_NAMESPACE, type ClusterLockOptions } from '../../../src/lock/cluster-lock.js';
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
    command: `drydock upgrade (${runId})`,
    identity: `alice@laptop/100/${runId}`,
    clock,
    timers,
    ...extra,
  });
  const lease = (): KubeLease => port.leases.get(KEY)!;
  /** The API server away (kube-apiserver restarting): every lease call fails like a refused connection. */
  const apiAway = () => {
    const saved = { replace: port.replaceLease.bind(port), get: port.getLease.bind(port), create: port.createLease.bind(port) };
    const refuse = async (): Promise<never> => {
      throw new KubeApiError('connect ECONNREFUSED 10.0.0.1:6443');
    };
    port.replaceLease = refuse;
    port.getLease = refuse;
    port.createLease = refuse;
    return () => {
      port.replaceLease = saved.replace;
      port.getLease = saved.get;
      port.createLease = saved.create;
    };
  };
  return { clock, port, timers, opts, lease, apiAway };
}

describe('cluster lock held through an API outage (kubeadm restarting kube-apiserver)', () => {
  it('writes the longer lease at once, so others see it held for the whole step', async () => {
    const { opts, lease, port } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    const restore = await lock.hold(2100);
    expect(lease().spec.leaseDurationSeconds).to.equal(2100);
    await restore();
    expect(lease().spec.leaseDurationSeconds).to.equal(60);
  });

  it('survives an outage longer than the base lease while held, and goes back to the base lease after', async () => {
    const { opts, clock, timers, lease, apiAway, port } = setup();
    const lost: string[] = [];
    const lock = await acquireClusterLock(port, opts('run-1', { onLost: (r) => lost.push(r) }));
    const restore = await lock.hold(900);
    const back = apiAway();
    // Five minutes without an API server: renewals fail at every tick.
    for (let i = 0; i < 15; i++) {
      clock.time += 20_000;
      await timers.tick();
    }
    expect(lock.signal.aborted, lost.join('; ')).to.equal(false);
    back();
    await restore();
    expect(lease().spec.holderIdentity).to.equal('alice@laptop/100/run-1');
    expect(lease().spec.leaseDurationSeconds).to.equal(60);
    expect(Date.parse(lease().spec.renewTime!)).to.equal(clock.time);
  });

  it('without the hold, the same outage loses the lock (the behaviour the hold exists for)', async () => {
    const { opts, clock, timers, apiAway, port } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    apiAway();
    for (let i = 0; i < 4; i++) {
      clock.time += 20_000;
      await timers.tick();
    }
    expect(lock.signal.aborted).to.equal(true);
  });

  it('never lets a second run take the lock while it is held, even after the base lease would have run out', async () => {
    const { opts, clock, port } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    await lock.hold(900);
    clock.time += 300_000; // no renewal at all for five minutes (the controller paused)
    const err = await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockHeldError);
  });

  it('refuses to start the step when the longer lease cannot be written', async () => {
    const { opts, apiAway, port, lease } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    apiAway();
    const err = await lock.hold(900).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as Error).message).to.match(/could not lengthen the cluster lock/);
    expect(lease().spec.leaseDurationSeconds).to.equal(60);
  });

  it('release at the end of a run during an outage retries until the API answers, then frees the lock', async () => {
    const { opts, apiAway, port, lease } = setup();
    let back: () => void = () => undefined;
    const slept: number[] = [];
    const lock = await acquireClusterLock(port, opts('run-1', { sleep: async (ms) => {
      slept.push(ms);
      if (slept.length === 3) back();
    } }));
    await lock.hold(900);
    back = apiAway();
    await lock.release();
    expect(slept.length).to.equal(3);
    expect(lease().spec.holderIdentity).to.equal(undefined);
  });

  it('release gives up after its retry time and says so (the lease then expires on its own)', async () => {
    const { opts, apiAway, port, lease } = setup();
    const lock = await acquireClusterLock(port, opts('run-1', { releaseRetryMs: 6000, sleep: async () => undefined }));
    apiAway();
    const err = await lock.release().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    void lease;
  });

  it('a refusal names when a lengthened lease runs out', async () => {
    const { opts, port, clock } = setup();
    const lock = await acquireClusterLock(port, opts('run-1'));
    await lock.hold(900);
    const err = (await acquireClusterLock(port, opts('run-2', { identity: 'bob@ops/7/run-2' })).catch((e: unknown) => e)) as LockHeldError;
    expect(err.detail.expires).to.equal(new Date(clock.time + 900_000).toISOString());
    expect(err.message).to.include(`expires at ${err.detail.expires}`);
  });
});
