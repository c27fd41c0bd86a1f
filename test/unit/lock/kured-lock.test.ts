import { expect } from 'chai';
import { KubeApiError, KuredLockHeldError } from '../../../src/errors.js';
import { acquireKuredLock, parseKuredDaemonSet } from '../../../src/lock/kured-lock.js';
import { drydockLockValue, KURED_LOCK_ANNOTATION, kuredLockVerdict, parseKuredLock } from '../../../src/lock/kured-lock-value.js';
import { FAKE_EPOCH, FakeClock, FakePort } from '../kube/fakes.js';

const HOUR_NS = 3600e9;
const single = (nodeID: string, created: string, ttlNs = 0): string => JSON.stringify({ nodeID, metadata: { unschedulable: false }, created, TTL: ttlNs });
const multi = (maxOwners: number, locks: Array<{ nodeID: string; created: string; TTL: number }>): string => JSON.stringify({ maxOwners, locks });
const NOW = FAKE_EPOCH; // 2026-11-25T12:00:00Z

describe('lock/kured-lock-value: reading Kured\'s lock', () => {
  it('parses the single-holder format, the TTL from Go nanoseconds', () => {
    const value = parseKuredLock(single('w2', '2026-11-25T11:30:00.123456789Z', 2 * HOUR_NS));
    expect(value).to.deep.equal({ format: 'single', holders: [{ nodeID: 'w2', created: '2026-11-25T11:30:00.123456789Z', ttlMs: 2 * 3600_000 }] });
  });

  it('parses the multi-holder format (--concurrency > 1), an emptied one included', () => {
    const value = parseKuredLock(multi(2, [{ nodeID: 'w1', created: '2026-11-25T11:00:00Z', TTL: 0 }]));
    expect(value.format).to.equal('multi');
    expect(value.maxOwners).to.equal(2);
    expect(value.holders.map((h) => h.nodeID)).to.deep.equal(['w1']);
    expect(parseKuredLock('{"maxOwners":3,"locks":[]}')).to.deep.equal({ format: 'multi', holders: [], maxOwners: 3 });
  });

  it('says what is wrong with a value it cannot read', () => {
    expect(() => parseKuredLock('w2')).to.throw(/not JSON/);
    expect(() => parseKuredLock('[]')).to.throw(/not a JSON object/);
    expect(() => parseKuredLock('{"nodeID": 7}')).to.throw(/nodeID is not a string/);
    expect(() => parseKuredLock('{"maxOwners": 2, "locks": {}}')).to.throw(/"locks" is not a list/);
  });

  it('decides: held by a node without TTL, free once the TTL ran out, free when absent or emptied', () => {
    expect(kuredLockVerdict(parseKuredLock(single('w2', '2026-11-20T00:00:00Z')), NOW)).to.deep.include({ kind: 'held' });
    expect(kuredLockVerdict(parseKuredLock(single('w2', '2026-11-25T11:30:00Z', HOUR_NS)), NOW).kind).to.equal('held');
    expect(kuredLockVerdict(parseKuredLock(single('w2', '2026-11-25T10:59:00Z', HOUR_NS)), NOW).kind).to.equal('free');
    expect(kuredLockVerdict(undefined, NOW).kind).to.equal('free');
    expect(kuredLockVerdict(parseKuredLock('{"maxOwners":2,"locks":[]}'), NOW).kind).to.equal('free');
    const mixed = parseKuredLock(multi(2, [{ nodeID: 'w1', created: '2026-11-25T09:00:00Z', TTL: HOUR_NS }, { nodeID: 'w3', created: '2026-11-25T11:59:00Z', TTL: HOUR_NS }]));
    expect(kuredLockVerdict(mixed, NOW)).to.deep.include({ kind: 'held', holder: { nodeID: 'w3', created: '2026-11-25T11:59:00Z', ttlMs: 3600_000 } });
  });

  it('a drydock run\'s lock is told apart from Kured\'s, in either format', () => {
    const ours = parseKuredLock(drydockLockValue('run-1', NOW, 3600_000, 1));
    expect(kuredLockVerdict(ours, NOW)).to.deep.equal({ kind: 'drydock', runId: 'run-1' });
    expect(kuredLockVerdict(parseKuredLock(single('drydock/run-0', '2026-11-25T11:00:00Z')), NOW)).to.deep.equal({ kind: 'drydock', runId: 'run-0' });
    // drydock's lock past its TTL is free like any other.
    expect(kuredLockVerdict(ours, NOW + 3600_000).kind).to.equal('free');
  });

  it('writes a value a single-lock and a multi-lock Kured both read as full', () => {
    const raw = JSON.parse(drydockLockValue('run-1', NOW, 3600_000, 3)) as Record<string, unknown>;
    // What Kured's single lock unmarshals: nodeID, created, TTL (ns).
    expect(raw).to.include({ nodeID: 'drydock/run-1', created: '2026-11-25T12:00:00.000Z', TTL: 3600e9, maxOwners: 3 });
    // What its multi lock counts: as many holders as it has owners, so it finds no room.
    expect(raw.locks).to.have.length(3);
    expect(JSON.parse(drydockLockValue('run-1', NOW, 3600_000, 0)).locks).to.have.length(1);
  });

  it('parses --kured NAMESPACE/NAME', () => {
    expect(parseKuredDaemonSet('kured/kured-ds')).to.deep.equal({ namespace: 'kured', name: 'kured-ds' });
    expect(parseKuredDaemonSet('kured')).to.equal(undefined);
    expect(parseKuredDaemonSet('a/b/c')).to.equal(undefined);
  });
});

describe('lock/kured-lock: taking and giving back Kured\'s lock', () => {
  const KEY = 'kube-system/kured';
  function setup(annotation?: string): { port: FakePort; clock: FakeClock } {
    const clock = new FakeClock();
    const port = new FakePort(clock);
    port.daemonSetMeta.set(KEY, { name: 'kured', namespace: 'kube-system', resourceVersion: '10', annotations: annotation === undefined ? {} : { [KURED_LOCK_ANNOTATION]: annotation } });
    return { port, clock };
  }
  const annotation = (port: FakePort): string | undefined => port.daemonSetMeta.get(KEY)?.annotations?.[KURED_LOCK_ANNOTATION];

  it('no DaemonSet: nothing to take', async () => {
    const port = new FakePort(new FakeClock());
    expect(await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1' })).to.equal(undefined);
  });

  it('refuses while Kured holds it, naming the node, since when and when the TTL runs out; nothing written', async () => {
    const { port, clock } = setup(single('w2', '2026-11-25T11:30:00Z', HOUR_NS));
    const err = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KuredLockHeldError);
    expect((err as Error).message).to.contain('for node w2 since 2026-11-25T11:30:00Z (its TTL runs out at 2026-11-25T12:30:00.000Z)');
    expect(port.calls.filter((c) => c.startsWith('patch'))).to.deep.equal([]);
    const noTtl = setup(single('w2', '2026-11-25T11:30:00Z'));
    const err2 = await acquireKuredLock(noTtl.port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock }).catch((e: unknown) => e);
    expect((err2 as Error).message).to.contain('it has no TTL and stays until Kured releases it');
  });

  it('takes a free lock with the resourceVersion read, and gives it back at the end', async () => {
    const { port, clock } = setup();
    const lock = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock });
    expect(lock?.tookOverFrom).to.equal(undefined);
    expect(kuredLockVerdict(parseKuredLock(annotation(port)!), clock.now())).to.deep.equal({ kind: 'drydock', runId: 'r1' });
    expect(await lock!.release()).to.equal('released');
    expect(annotation(port)).to.equal(undefined);
    expect(await lock!.release()).to.equal('released');
  });

  it('takes over a lock whose TTL ran out, and keeps the room of a multi lock', async () => {
    const { port, clock } = setup(multi(2, [{ nodeID: 'w1', created: '2026-11-25T09:00:00Z', TTL: HOUR_NS }]));
    await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock });
    expect(JSON.parse(annotation(port)!).locks).to.have.length(2);
  });

  it('takes over a lock a dead drydock run left, saying whose', async () => {
    const { port, clock } = setup(single('drydock/old-run', '2026-11-25T01:00:00Z'));
    const lock = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock });
    expect(lock?.tookOverFrom).to.equal('old-run');
  });

  it('reads again after a 409 Conflict (Kured wrote in between) and then refuses Kured\'s new lock', async () => {
    const { port, clock } = setup();
    const patch = port.patchDaemonSetAnnotations.bind(port);
    let first = true;
    port.patchDaemonSetAnnotations = async (ns, name, annotations, rv) => {
      if (first) {
        first = false;
        // Kured's update lands between drydock's read and write.
        await patch(ns, name, { [KURED_LOCK_ANNOTATION]: single('w3', '2026-11-25T12:00:00Z') }, rv);
      }
      return patch(ns, name, annotations, rv);
    };
    const err = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KuredLockHeldError);
    expect((err as Error).message).to.contain('node w3');
  });

  it('does not remove a lock that is no longer its own', async () => {
    const { port, clock } = setup();
    const lock = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock });
    const meta = port.daemonSetMeta.get(KEY)!;
    port.daemonSetMeta.set(KEY, { ...meta, annotations: { [KURED_LOCK_ANNOTATION]: single('w4', '2026-11-25T12:00:00Z') } });
    expect(await lock!.release()).to.equal('not-ours');
    expect(annotation(port)).to.contain('w4');
  });

  it('refuses a value it cannot read', async () => {
    const { port, clock } = setup('garbage');
    const err = await acquireKuredLock(port, { namespace: 'kube-system', name: 'kured', runId: 'r1', clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as Error).message).to.contain('cannot read Kured\'s lock');
  });
});
