import { expect } from 'chai';
import { KubeApiError } from '../../../../src/errors.js';
import type { KubePod } from '../../../../src/kube/port.js';
import { pod } from '../../kube/builders.js';
import { FakePort } from '../../kube/fakes.js';
import { harness } from './context.js';

function setup(pods: KubePod[], vars: Record<string, unknown> = {}) {
  const port = new FakePort();
  port.pods = pods;
  return { port, h: harness({ host: 'w1', vars, kube: async () => port }) };
}

describe('modules/kube: kube_blocking_pods', () => {
  it('returns the running pods on the host\'s node that match the selector, and asks the API with it', async () => {
    const { port, h } = setup([
      pod('batch-1', { node: 'w1', labels: { app: 'batch' } }),
      pod('batch-2', { node: 'w1', ns: 'jobs', labels: { app: 'batch', tier: 'x' } }),
      pod('web-1', { node: 'w1', labels: { app: 'web' } }),
      pod('batch-elsewhere', { node: 'w2', labels: { app: 'batch' } }),
    ]);
    const result = await h.run('kube_blocking_pods', { selector: 'app=batch' });
    expect(result).to.deep.include({ changed: false, blocked: true, pods: ['default/batch-1', 'jobs/batch-2'], node: 'w1', selector: 'app=batch' });
    expect(result.msg).to.equal('pods default/batch-1, jobs/batch-2 match app=batch on node w1');
    expect(result.failed).to.equal(undefined);
    expect(port.calls).to.include('listPodsOnNode w1 app=batch');
  });

  it('finished pods and pods being deleted do not block', async () => {
    const { h } = setup([
      pod('done', { node: 'w1', labels: { app: 'batch' }, phase: 'Succeeded' }),
      pod('crashed', { node: 'w1', labels: { app: 'batch' }, phase: 'Failed' }),
      pod('leaving', { node: 'w1', labels: { app: 'batch' }, deletionTimestamp: '2026-11-25T12:00:00Z' }),
      pod('starting', { node: 'w1', labels: { app: 'batch' }, phase: 'Pending' }),
    ]);
    const result = await h.run('kube_blocking_pods', { selector: 'app=batch' });
    expect(result).to.deep.include({ blocked: true, pods: ['default/starting'] });
  });

  it('nothing matching: not blocked', async () => {
    const { h } = setup([pod('web-1', { node: 'w1', labels: { app: 'web' } })]);
    const result = await h.run('kube_blocking_pods', { selector: 'app=batch' });
    expect(result).to.deep.include({ blocked: false, pods: [], msg: 'no running pod on node w1 matches app=batch' });
  });

  it('set-based and negated selectors match as the API server matches them', async () => {
    const { h } = setup([
      pod('a', { node: 'w1', labels: { app: 'batch' } }),
      pod('b', { node: 'w1', labels: { app: 'backup', keep: 'yes' } }),
      pod('c', { node: 'w1', labels: { app: 'web' } }),
    ]);
    expect((await h.run('kube_blocking_pods', { selector: 'app in (batch,backup)' })).pods).to.deep.equal(['default/a', 'default/b']);
    expect((await h.run('kube_blocking_pods', { selector: 'app in (batch,backup),!keep' })).pods).to.deep.equal(['default/a']);
  });

  it('uses node_name for the node, like the other kube_* modules', async () => {
    const { port, h } = setup([pod('batch-1', { node: 'node-a', labels: { app: 'batch' } })], { node_name: 'node-a' });
    expect(await h.run('kube_blocking_pods', { selector: 'app=batch' })).to.deep.include({ blocked: true, node: 'node-a' });
    expect(port.calls).to.include('listPodsOnNode node-a app=batch');
  });

  it('a selector it cannot read, or an empty one, fails the task without asking the API', async () => {
    const { port, h } = setup([pod('a', { node: 'w1', labels: { app: 'batch' } })]);
    const badOne = await h.run('kube_blocking_pods', { selector: 'app==' + '(x' });
    expect(badOne.failed).to.equal(true);
    expect(badOne.msg).to.include('invalid label selector "app==(x"');
    const empty = await h.run('kube_blocking_pods', { selector: '  ' });
    expect(empty.failed).to.equal(true);
    expect(empty.msg).to.include('needs a label selector');
    expect(port.calls.filter((c) => c.startsWith('listPodsOnNode'))).to.deep.equal([]);
  });

  it('an API failure is a failed task naming it', async () => {
    const { port, h } = setup([]);
    port.listPodsOnNode = async () => {
      throw new KubeApiError('list pods: connection refused', 0);
    };
    const result = await h.run('kube_blocking_pods', { selector: 'app=batch' });
    expect(result).to.deep.include({ failed: true, blocked: false, msg: 'list pods: connection refused' });
  });
});
