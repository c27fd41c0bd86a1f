import { expect } from 'chai';
import { computePdbStatus, decideEviction, scaledValue } from '../../../../src/lab/apiserver/pdb.js';
import { ApiError } from '../../../../src/lab/apiserver/status.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean; phase?: string; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: `uid-${opts.owner}`, controller: true }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: { nodeName: 'node-1' },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  };
}

const scaleThree = () => 3;

describe('lab apiserver: PodDisruptionBudget arithmetic', () => {
  it('scales percentages like intstr, rounding up when asked', () => {
    expect(scaledValue(2, 10, true)).to.equal(2);
    expect(scaledValue('50%', 3, true)).to.equal(2);
    expect(scaledValue('50%', 3, false)).to.equal(1);
    expect(scaledValue('0%', 7, true)).to.equal(0);
    expect(() => scaledValue('half', 3, true)).to.throw(/invalid value/);
  });

  it('minAvailable as an integer counts the matching pods and their healthy ones', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' }), pod('c', { owner: 'rs', ready: false }), pod('other', { labels: { app: 'db' } })];
    expect(computePdbStatus(pdb('p', { minAvailable: 1 }), pods, scaleThree)).to.deep.equal({
      expectedPods: 3, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1,
    });
  });

  it('does not count terminating pods as healthy', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs', deleting: true })];
    expect(computePdbStatus(pdb('p', { minAvailable: 1 }), pods, scaleThree).disruptionsAllowed).to.equal(0);
  });

  it('maxUnavailable and percentages use the controllers scale, each controller once', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' }), pod('c', { owner: 'rs' })];
    expect(computePdbStatus(pdb('p', { maxUnavailable: 1 }), pods, scaleThree)).to.include({ expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(computePdbStatus(pdb('p', { maxUnavailable: '50%' }), pods, scaleThree)).to.include({ desiredHealthy: 1, disruptionsAllowed: 2 });
    expect(computePdbStatus(pdb('p', { minAvailable: '50%' }), pods, scaleThree)).to.include({ desiredHealthy: 2, disruptionsAllowed: 1 });
  });

  it('leaves unmanaged pods out of a maxUnavailable budget\'s expected count (1.26+), and allows nothing while none is expected', () => {
    const scale = (p: KubeObject) => (p.metadata.ownerReferences ? 1 : 'unmanaged' as const);
    const mixed = computePdbStatus(pdb('p', { maxUnavailable: 1 }), [pod('bare'), pod('a', { owner: 'rs' })], scale);
    expect(mixed).to.deep.include({ expectedPods: 1, desiredHealthy: 0, currentHealthy: 2, disruptionsAllowed: 2 });
    expect(mixed.problem).to.equal(undefined);
    expect(computePdbStatus(pdb('p', { maxUnavailable: 1 }), [pod('bare')], scale)).to.deep.include({ expectedPods: 0, currentHealthy: 1, disruptionsAllowed: 0 });
  });

  it('a controller without /scale is a sync error', () => {
    const status = computePdbStatus(pdb('p', { maxUnavailable: 1 }), [pod('a', { owner: 'job' })], () => ({ error: 'jobs.batch does not implement the scale subresource' }));
    expect(status).to.include({ disruptionsAllowed: 0, problem: 'jobs.batch does not implement the scale subresource' });
  });

  it('an empty selector covers every pod of the namespace, a missing one none', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs', labels: { app: 'db' } })];
    expect(computePdbStatus(pdb('p', { selector: {}, minAvailable: 0 }), pods, scaleThree).currentHealthy).to.equal(2);
    expect(computePdbStatus(pdb('p', { selector: null, minAvailable: 0 }), pods, scaleThree).currentHealthy).to.equal(0);
  });
});

describe('lab apiserver: eviction verdict', () => {
  const statusOf = (budget: KubeObject, pods: KubeObject[]) => computePdbStatus(budget, pods, scaleThree);

  it('answers 429 TooManyRequests with the DisruptionBudget cause when no disruption is left', () => {
    const pods = [pod('a', { owner: 'rs' })];
    const budget = pdb('web-pdb', { minAvailable: 1 });
    try {
      decideEviction(pods[0]!, [budget], (b) => statusOf(b, pods));
      expect.fail('expected a 429');
    } catch (err) {
      expect(err).to.be.instanceOf(ApiError);
      const status = (err as ApiError).toStatus();
      expect(status).to.deep.include({ code: 429, reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget." });
      expect(status.details.causes).to.deep.equal([{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 1 healthy pods and has 1 currently' }]);
    }
  });

  it('answers 500 when two budgets cover the pod', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' })];
    expect(() => decideEviction(pods[0]!, [pdb('one', { minAvailable: 0 }), pdb('two', { minAvailable: 0 })], (b) => statusOf(b, pods)))
      .to.throw(ApiError, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')
      .with.property('code', 500);
    // The real server answers this Status without a reason.
    try {
      decideEviction(pods[0]!, [pdb('one', { minAvailable: 0 }), pdb('two', { minAvailable: 0 })], (b) => statusOf(b, pods));
    } catch (err) {
      expect((err as ApiError).toStatus()).to.not.have.property('reason');
    }
  });

  it('charges the budget when a disruption is allowed, and skips it for pending, finished and terminating pods', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' })];
    const budget = pdb('web-pdb', { minAvailable: 1 });
    expect(decideEviction(pods[0]!, [budget], (b) => statusOf(b, pods))).to.deep.equal({ kind: 'delete', chargedPdb: 'web-pdb' });
    const tight = pdb('tight', { minAvailable: 5 });
    expect(decideEviction(pod('p', { phase: 'Pending' }), [tight], (b) => statusOf(b, pods))).to.deep.equal({ kind: 'delete' });
    expect(decideEviction(pod('s', { phase: 'Succeeded' }), [tight], (b) => statusOf(b, pods))).to.deep.equal({ kind: 'delete' });
    expect(decideEviction(pod('t', { deleting: true }), [tight], (b) => statusOf(b, pods))).to.deep.equal({ kind: 'already-terminating' });
  });

  it('refuses a not-Ready pod under a budget that wants no healthy pod (desiredHealthy 0): 429, as the real server does', () => {
    const pods = [pod('sick', { ready: false })];
    expect(() => decideEviction(pods[0]!, [pdb('zero', { minAvailable: 0 })], (b) => statusOf(b, pods)))
      .to.throw(ApiError)
      .with.deep.property('details', { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget zero needs 0 healthy pods and has 0 currently' }] });
  });

  it('words the 429 by the stored status: not processed yet, failed sync', () => {
    const budget = pdb('b', { maxUnavailable: 1 });
    const base = { expectedPods: 0, desiredHealthy: 0, currentHealthy: 0, disruptionsAllowed: 0 };
    const cause = (status: object) => {
      try {
        decideEviction(pod('a', { owner: 'job' }), [budget], () => ({ ...base, ...status }));
      } catch (err) {
        return (err as ApiError).details?.causes?.[0]?.message;
      }
      return 'allowed';
    };
    expect(cause({ observedGeneration: 0 })).to.equal('The disruption budget b is still being processed by the server.');
    expect(cause({ observedGeneration: 1, condition: { status: 'False', reason: 'SyncFailed', message: 'jobs.batch does not implement the scale subresource' } }))
      .to.equal('The disruption budget b does not allow evicting pods currently because it failed sync: jobs.batch does not implement the scale subresource');
    expect(cause({ observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1 })).to.equal('The disruption budget b does not allow evicting pods currently');
  });

  it('lets an unhealthy pod go while the budget is met, without charging it', () => {
    const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' }), pod('sick', { owner: 'rs', ready: false })];
    const budget = pdb('web-pdb', { minAvailable: 2 });
    expect(decideEviction(pods[2]!, [budget], (b) => statusOf(b, pods))).to.deep.equal({ kind: 'delete' });
  });
});
