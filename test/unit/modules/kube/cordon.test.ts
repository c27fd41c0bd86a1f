import { expect } from 'chai';
import { LEFT_CORDONED_BEFORE_RUN } from '../../../../src/modules/kube/index.js';
import { node } from '../../kube/builders.js';
import { FakePort } from '../../kube/fakes.js';
import { harness } from './context.js';

function setup(vars: Record<string, unknown> = {}, unschedulable = false) {
  const port = new FakePort();
  port.nodes.set('w1', node('w1', { unschedulable }));
  port.nodes.set('w2', node('w2'));
  return { port, h: harness({ host: 'w1', vars, kube: async () => port }) };
}

describe('modules/kube: kube_cordon and kube_uncordon', () => {
  it('cordons the host\'s node and records that drydock did it', async () => {
    const { port, h } = setup();
    const result = await h.run('kube_cordon');
    expect(result).to.include({ changed: true, node: 'w1', was_cordoned: false, cordoned_by_drydock: true, msg: 'cordoned node w1' });
    expect(port.patches).to.deep.equal([{ node: 'w1', patch: { spec: { unschedulable: true }, metadata: { annotations: { 'drydock.io/cordoned-by': 'drydock' } } } }]);
    expect(result.facts).to.deep.equal({
      drydock_cordons: { w1: { was_cordoned: false, cordoned_by_drydock: true } },
      drydock_was_cordoned: false,
      drydock_cordoned_by_drydock: true,
    });
  });

  it('a node cordoned before the run: cordon changes nothing, uncordon leaves it cordoned and says so', async () => {
    const { port, h } = setup({}, true);
    expect(await h.run('kube_cordon')).to.include({ changed: false, was_cordoned: true, cordoned_by_drydock: false });
    const result = await h.run('kube_uncordon');
    expect(result).to.include({ changed: false, left_cordoned: true, msg: LEFT_CORDONED_BEFORE_RUN });
    expect(result.failed).to.equal(undefined);
    expect(port.patches).to.deep.equal([]);
  });

  it('a second cordon of a node drydock cordoned keeps it drydock\'s, so uncordon still frees it', async () => {
    const { port, h } = setup();
    await h.run('kube_cordon');
    expect(await h.run('kube_cordon')).to.include({ changed: false, was_cordoned: false, cordoned_by_drydock: true });
    const result = await h.run('kube_uncordon');
    expect(result).to.include({ changed: true, left_cordoned: false, msg: 'uncordoned node w1' });
    expect(port.patches.at(-1)).to.deep.equal({ node: 'w1', patch: { spec: { unschedulable: null }, metadata: { annotations: { 'drydock.io/cordoned-by': null } } } });
    expect(port.nodes.get('w1')!.metadata.annotations).to.deep.equal({});
    expect(h.vars.drydock_cordons).to.deep.equal({});
    expect(h.vars.drydock_cordoned_by_drydock).to.equal(false);
  });

  it('without a record of this run, uncordon leaves the node unless told otherwise', async () => {
    const { port, h } = setup({}, true);
    const kept = await h.run('kube_uncordon');
    expect(kept).to.include({ changed: false, left_cordoned: true });
    expect(kept.msg).to.contain('set only_if_cordoned_by_drydock: false');
    expect(port.patches).to.deep.equal([]);
    expect(await h.run('kube_uncordon', { only_if_cordoned_by_drydock: false })).to.include({ changed: true, left_cordoned: false });
    expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(undefined);
  });

  it('uncordon of a schedulable node is ok and unchanged', async () => {
    const { h } = setup();
    expect(await h.run('kube_uncordon')).to.include({ changed: false, left_cordoned: false, msg: 'node w1 is not cordoned' });
  });

  it('records per node: cordoning another node does not touch the host\'s own facts', async () => {
    const { h } = setup();
    const result = await h.run('kube_cordon', { node: 'w2' });
    expect(result.facts).to.deep.equal({ drydock_cordons: { w2: { was_cordoned: false, cordoned_by_drydock: true } } });
    expect(await h.run('kube_uncordon', { node: 'w2' })).to.include({ changed: true });
  });

  it('check mode reports without patching, and a would-be cordon makes a would-be uncordon', async () => {
    const { port, h } = setup();
    expect(await h.run('kube_cordon', {}, { check: true })).to.include({ changed: true, msg: 'would cordon node w1' });
    expect(await h.run('kube_uncordon', {}, { check: true })).to.include({ changed: true, msg: 'would uncordon node w1' });
    expect(port.patches).to.deep.equal([]);
  });

  it('takes the node name from node_name, and says where it came from when the node is missing', async () => {
    const { port, h } = setup({ node_name: 'w2' });
    expect(await h.run('kube_cordon')).to.include({ node: 'w2', changed: true });
    expect(port.nodes.get('w2')!.spec.unschedulable).to.equal(true);
    const missing = harness({ host: 'ghost', kube: async () => port });
    const result = await missing.run('kube_cordon');
    expect(result.failed).to.equal(true);
    expect(result.msg).to.match(/^node "ghost" \(the inventory name of host ghost; set node_name if the Node is called otherwise\) is not in the cluster: get node ghost: nodes "ghost" not found/);
  });

  describe('the cordoned-by annotation: a cordon record that outlives the controller', () => {
    it('cordon writes the run id in the same patch that cordons', async () => {
      const { port } = setup();
      const h = harness({ host: 'w1', kube: async () => port, runId: 'run-a' });
      await h.run('kube_cordon');
      expect(port.patches).to.have.length(1);
      expect(port.nodes.get('w1')!.metadata.annotations).to.deep.equal({ 'drydock.io/cordoned-by': 'run-a' });
    });

    it('a later run with no facts uncordons a node an earlier, dead, run cordoned — and drops the annotation', async () => {
      const { port } = setup();
      await harness({ host: 'w1', kube: async () => port, runId: 'run-a' }).run('kube_cordon');
      const later = harness({ host: 'w1', kube: async () => port, runId: 'run-b' });
      const result = await later.run('kube_uncordon');
      expect(result).to.include({ changed: true, left_cordoned: false, cordoned_by_drydock: true, msg: 'uncordoned node w1 (cordoned by drydock run run-a)' });
      expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(undefined);
      expect(port.nodes.get('w1')!.metadata.annotations).to.deep.equal({});
    });

    it("a later run draining the node again counts the cordon as drydock's, so its uncordon frees it", async () => {
      const { port } = setup();
      await harness({ host: 'w1', kube: async () => port, runId: 'run-a' }).run('kube_cordon');
      const later = harness({ host: 'w1', kube: async () => port, runId: 'run-b' });
      expect(await later.run('kube_drain')).to.include({ changed: false, was_cordoned: false, cordoned_by_drydock: true });
      expect(await later.run('kube_cordon')).to.include({ changed: false, cordoned_by_drydock: true, msg: 'node w1 already cordoned by drydock run run-a (kube_uncordon will uncordon it)' });
      expect(await later.run('kube_uncordon')).to.include({ changed: true, left_cordoned: false });
      expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(undefined);
    });

    it('a node a human cordoned (no annotation) stays cordoned, even after drydock drains it', async () => {
      const { port } = setup({}, true);
      const h = harness({ host: 'w1', kube: async () => port, runId: 'run-b' });
      expect(await h.run('kube_drain')).to.include({ changed: false, was_cordoned: true, cordoned_by_drydock: false });
      expect(await h.run('kube_uncordon')).to.include({ changed: false, left_cordoned: true, msg: LEFT_CORDONED_BEFORE_RUN });
      expect(port.nodes.get('w1')!.spec.unschedulable).to.equal(true);
      expect(port.patches).to.deep.equal([]);
    });

    it('a stale annotation on a schedulable node is removed, nothing else changes', async () => {
      const { port } = setup();
      port.nodes.get('w1')!.metadata.annotations = { 'drydock.io/cordoned-by': 'run-a', keep: 'me' };
      const result = await harness({ host: 'w1', kube: async () => port, runId: 'run-b' }).run('kube_uncordon');
      expect(result).to.include({ changed: false, left_cordoned: false });
      expect(port.nodes.get('w1')!.metadata.annotations).to.deep.equal({ keep: 'me' });
      expect(port.patches).to.deep.equal([{ node: 'w1', patch: { metadata: { annotations: { 'drydock.io/cordoned-by': null } } } }]);
    });

    it("check mode patches nothing, and sees an annotated cordon as drydock's", async () => {
      const { port } = setup({}, true);
      port.nodes.get('w1')!.metadata.annotations = { 'drydock.io/cordoned-by': 'run-a' };
      const h = harness({ host: 'w1', kube: async () => port, runId: 'run-b' });
      expect(await h.run('kube_uncordon', {}, { check: true })).to.include({ changed: true, msg: 'would uncordon node w1 (cordoned by drydock run run-a)' });
      expect(port.patches).to.deep.equal([]);
    });
  });

  it('fails clearly when the run has no cluster access', async () => {
    const result = await harness({ host: 'w1' }).run('kube_cordon');
    expect(result).to.include({ failed: true });
    expect(result.msg).to.contain('kube_cordon needs the cluster\'s API, and this run has no cluster access');
  });
});
