import { expect } from 'chai';
import { waitNodeReady } from '../../../src/kube/nodes.js';
import { NodeWaitError } from '../../../src/kube/errors.js';
import { KubeApiError } from '../../../src/errors.js';
import { node, pod } from './builders.js';
import { FakeClock, FakePort } from './fakes.js';

describe('kube/nodes waitNodeReady', () => {
  function setup(): { port: FakePort; clock: FakeClock } {
    const clock = new FakeClock();
    return { port: new FakePort(clock), clock };
  }

  it('returns as soon as the node is Ready at the expected kubelet version', async () => {
    const { port, clock } = setup();
    port.nodes.set('w1', node('w1', { ready: 'False', kubelet: 'v1.29.4' }));
    const progress: string[] = [];
    let polls = 0;
    const original = port.getNode.bind(port);
    port.getNode = async (name) => {
      polls++;
      if (polls === 3) port.nodes.set('w1', node('w1', { ready: 'True', kubelet: 'v1.30.2' }));
      return original(name);
    };
    const ready = await waitNodeReady(port, 'w1', { timeoutMs: 60_000, pollMs: 2000, expectKubeletVersion: '1.30.2', clock, onProgress: (s) => progress.push(s) });
    expect(ready.status.nodeInfo?.kubeletVersion).to.equal('v1.30.2');
    expect(clock.elapsed()).to.equal(4000);
    expect(progress).to.deep.equal(['Ready=False (KubeletReady); kubelet v1.29.4 (want 1.30.2)']);
  });

  it('keeps waiting while the node is Ready but still at the old kubelet version, then times out saying why', async () => {
    const { port, clock } = setup();
    port.nodes.set('w1', node('w1', { kubelet: 'v1.29.4' }));
    const err = await waitNodeReady(port, 'w1', { timeoutMs: 10_000, expectKubeletVersion: 'v1.30.2', clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodeWaitError);
    expect((err as Error).message).to.equal('node w1 not ready after 10s: kubelet v1.29.4 (want v1.30.2)');
    expect(clock.elapsed()).to.equal(10_000);
  });

  it('waits out API hiccups (connection refused, 503, 404 while re-registering)', async () => {
    const { port, clock } = setup();
    port.nodes.set('w1', node('w1'));
    port.getNodeErrors.push(
      new KubeApiError('get node w1: cannot reach the API server https://cp:6443: connect ECONNREFUSED'),
      new KubeApiError('get node w1: unavailable (HTTP 503 ServiceUnavailable)', 503, 'ServiceUnavailable'),
      new KubeApiError('get node w1: nodes "w1" not found (HTTP 404 NotFound)', 404, 'NotFound'),
    );
    await waitNodeReady(port, 'w1', { timeoutMs: 60_000, pollMs: 1000, clock });
    expect(clock.elapsed()).to.equal(3000);
  });

  it('gives up at once on a permission error', async () => {
    const { port, clock } = setup();
    port.nodes.set('w1', node('w1'));
    port.getNodeErrors.push(new KubeApiError('get node w1: forbidden (HTTP 403 Forbidden)', 403, 'Forbidden'));
    const err = await waitNodeReady(port, 'w1', { timeoutMs: 60_000, clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError).and.not.instanceOf(NodeWaitError);
    expect(clock.elapsed()).to.equal(0);
  });

  it('with requirePodsReady also waits for the node\'s running pods, ignoring finished and terminating ones', async () => {
    const { port, clock } = setup();
    port.nodes.set('w1', node('w1'));
    port.pods = [
      pod('cilium-x', { ns: 'kube-system', ready: false }),
      pod('job-done', { phase: 'Succeeded', ready: false }),
      pod('old', { ready: false, deletionTimestamp: '2026-11-25T11:00:00Z' }),
    ];
    const err = await waitNodeReady(port, 'w1', { timeoutMs: 4000, requirePodsReady: true, clock }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('node w1 not ready after 4s: pods not ready: kube-system/cilium-x');
    port.pods[0]!.status.conditions = [{ type: 'Ready', status: 'True' }];
    await waitNodeReady(port, 'w1', { timeoutMs: 4000, requirePodsReady: true, clock });
  });
});
