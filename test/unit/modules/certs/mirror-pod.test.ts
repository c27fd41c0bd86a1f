import { expect } from 'chai';
import type { KubePod } from '../../../../src/kube/port.js';
import { describePod, isNewInstance, mirrorPodName, podInstance, podReady } from '../../../../src/modules/certs/mirror-pod.js';

function pod(uid: string, status: Record<string, unknown>, deleting = false): KubePod {
  return {
    metadata: { name: 'etcd-cp1', namespace: 'kube-system', uid, ...(deleting ? { deletionTimestamp: '2026-11-25T18:00:00Z' } : {}) },
    spec: { nodeName: 'cp1' },
    status: status as KubePod['status'],
  };
}

const running = (startedAt: string, restartCount = 0) => ({
  phase: 'Running',
  startTime: '2026-11-25T17:00:00Z',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ restartCount, state: { running: { startedAt } } }],
});

describe('modules/certs: reading a static pod through its mirror pod', () => {
  it('names the mirror pod <component>-<node>', () => {
    expect(mirrorPodName('kube-apiserver', 'cp1')).to.equal('kube-apiserver-cp1');
  });

  it('calls a pod new when its uid changed, or its containers started again under the same uid', () => {
    const before = podInstance(pod('u1', running('2026-11-25T17:00:05Z')));
    expect(isNewInstance(before, podInstance(pod('u1', running('2026-11-25T17:00:05Z'))))).to.equal(false);
    expect(isNewInstance(before, podInstance(pod('u2', running('2026-11-25T17:00:05Z'))))).to.equal(true);
    expect(isNewInstance(before, podInstance(pod('u1', running('2026-11-25T18:10:00Z'))))).to.equal(true);
    expect(isNewInstance(before, podInstance(pod('u1', running('2026-11-25T17:00:05Z', 1))))).to.equal(true);
  });

  it('is Ready only Running with the Ready condition True, and says what it is waiting for', () => {
    expect(podReady(pod('u1', running('x')))).to.equal(true);
    expect(podReady(pod('u1', { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }] }))).to.equal(false);
    expect(podReady(pod('u1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }))).to.equal(false);
    expect(describePod(null)).to.equal('no mirror pod');
    expect(describePod(pod('u1', running('x'), true))).to.equal('mirror pod terminating');
    expect(describePod(pod('u1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }))).to.equal('mirror pod Running, Ready=False');
  });
});
