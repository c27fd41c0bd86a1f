/** The cluster lock against the API simulator over HTTPS: real resourceVersion conflicts, real 409s. */
import { expect } from 'chai';
import { LockHeldError } from '../../../src/errors.js';
import { loadKubeConfig } from '../../../src/kube/client.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { acquireClusterLock, LOCK_NAME, LOCK_NAMESPACE, type LockTimers } from '../../../src/lock/cluster-lock.js';

const noRenewal: LockTimers = { every: () => () => undefined };

describe('cluster lock against the API simulator', function () {
  this.timeout(30_000);
  let server: ApiServer;

  beforeEach(async () => {
    server = await startApiServer({ listen: '127.0.0.1:0' });
  });
  afterEach(async () => {
    await server?.stop();
  });

  it('of two concurrent acquirers exactly one wins; the other is told who holds it', async () => {
    const portA = loadKubeConfig({ kubeconfigPath: server.kubeconfigPath });
    const portB = loadKubeConfig({ kubeconfigPath: server.kubeconfigPath });
    const results = await Promise.allSettled([
      acquireClusterLock(portA, { runId: 'run-a', command: 'drydock play a.yaml', identity: 'a@host/1/run-a' }),
      acquireClusterLock(portB, { runId: 'run-b', command: 'drydock play b.yaml', identity: 'b@host/2/run-b' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).to.have.length(1);
    expect(refused).to.have.length(1);
    expect(refused[0]!.reason).to.be.instanceOf(LockHeldError);
    const holder = server.store.find('leases', LOCK_NAMESPACE, LOCK_NAME)!.spec.holderIdentity;
    expect((refused[0]!.reason as LockHeldError).holder).to.equal(holder);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireClusterLock>>>).value.release();
    expect(server.store.find('leases', LOCK_NAMESPACE, LOCK_NAME)!.spec.holderIdentity ?? '').to.equal('');
  });

  it('takes over a stale lease once its holder stopped renewing past the duration', async () => {
    const port = loadKubeConfig({ kubeconfigPath: server.kubeconfigPath });
    await acquireClusterLock(port, { runId: 'dead', command: 'drydock play dead.yaml', identity: 'dead@host/1/dead', leaseDurationSeconds: 1, timers: noRenewal });
    const early = await acquireClusterLock(port, { runId: 'next', command: 'drydock play next.yaml', identity: 'next@host/2/next' }).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(LockHeldError);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const lock = await acquireClusterLock(port, { runId: 'next', command: 'drydock play next.yaml', identity: 'next@host/2/next' });
    expect(lock.previous).to.include({ holder: 'dead@host/1/dead', reason: 'expired' });
    expect(server.store.find('leases', LOCK_NAMESPACE, LOCK_NAME)!.spec.holderIdentity).to.equal('next@host/2/next');
    await lock.release();
  });
});
