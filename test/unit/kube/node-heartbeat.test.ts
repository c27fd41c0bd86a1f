/** Item: after a restart or reboot, a stale Ready=True (old heartbeat, same boot id) is never taken for the node being back. */
import { expect } from 'chai';
import { nodeHeartbeat, staleStatus, waitNodeReady } from '../../../src/kube/nodes.js';
import { NodeWaitError } from '../../../src/kube/errors.js';
import { node } from './builders.js';
import { FakeClock, FakePort } from './fakes.js';

const BEFORE = { bootId: 'boot-1', heartbeat: '2026-11-25T11:59:50Z' };

describe('kube/nodes: a fresh heartbeat after a restart', () => {
  it('reads the boot id and the Ready heartbeat', () => {
    expect(nodeHeartbeat(node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T11:59:50Z' }))).to.deep.equal(BEFORE);
    expect(nodeHeartbeat(node('w1'))).to.deep.equal({});
  });

  it('a node with the same boot id and heartbeat is stale; a newer heartbeat or a new boot id is fresh', () => {
    expect(staleStatus(node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T11:59:50Z' }), BEFORE)).to.match(/no status from the kubelet since the restart/);
    expect(staleStatus(node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T11:59:40Z' }), BEFORE)).to.be.a('string');
    expect(staleStatus(node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T12:00:01Z' }), BEFORE)).to.equal(undefined);
    expect(staleStatus(node('w1', { bootId: 'boot-2', heartbeat: '2026-11-25T11:59:50Z' }), BEFORE)).to.equal(undefined);
    // Nothing seen before: any heartbeat is news; none at all is not.
    expect(staleStatus(node('w1', { heartbeat: '2026-11-25T11:59:50Z' }), {})).to.equal(undefined);
    expect(staleStatus(node('w1'), {})).to.be.a('string');
  });

  it('does not accept the Ready=True left from before the restart, and says so when it gives up', async () => {
    const clock = new FakeClock();
    const port = new FakePort(clock);
    port.nodes.set('w1', node('w1', { bootId: 'boot-1', heartbeat: BEFORE.heartbeat }));
    const err = await waitNodeReady(port, 'w1', { timeoutMs: 10_000, after: BEFORE, clock }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodeWaitError);
    expect((err as Error).message).to.equal(
      'node w1 not ready after 10s: no status from the kubelet since the restart (last heartbeat 2026-11-25T11:59:50Z, same boot id boot-1): its Ready=True is from before',
    );
    // Without `after` the same node passes at once: the old behaviour, for playbooks that do not say what came before.
    expect((await waitNodeReady(port, 'w1', { timeoutMs: 10_000, clock })).metadata.name).to.equal('w1');
  });

  it('returns once the restarted kubelet posts Ready with a newer heartbeat', async () => {
    const clock = new FakeClock();
    const port = new FakePort(clock);
    port.nodes.set('w1', node('w1', { bootId: 'boot-1', heartbeat: BEFORE.heartbeat }));
    let polls = 0;
    const getNode = port.getNode.bind(port);
    port.getNode = async (name) => {
      if (++polls === 2) port.nodes.set('w1', node('w1', { ready: 'False', bootId: 'boot-1', heartbeat: '2026-11-25T12:00:02Z' }));
      if (polls === 3) port.nodes.set('w1', node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T12:00:04Z' }));
      return getNode(name);
    };
    const progress: string[] = [];
    await waitNodeReady(port, 'w1', { timeoutMs: 60_000, pollMs: 2000, after: BEFORE, clock, onProgress: (s) => progress.push(s) });
    expect(clock.elapsed()).to.equal(4000);
    expect(progress[0]).to.contain('its Ready=True is from before');
    expect(progress[1]).to.equal('Ready=False (KubeletReady)');
  });

  it('after a reboot, a new boot id with Ready=True is enough', async () => {
    const clock = new FakeClock();
    const port = new FakePort(clock);
    port.nodes.set('w1', node('w1', { bootId: 'boot-2', heartbeat: BEFORE.heartbeat }));
    await waitNodeReady(port, 'w1', { timeoutMs: 10_000, after: BEFORE, clock });
    expect(clock.elapsed()).to.equal(0);
  });
});
