import { expect } from 'chai';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from '../../../../src/lab/apiserver/patch.js';

const node = () => ({
  metadata: { name: 'n1', labels: { a: '1', b: '2' }, annotations: { keep: 'x', drop: 'y' } },
  spec: { podCIDR: '10.0.0.0/24', taints: [{ key: 'k1', effect: 'NoSchedule' }] },
  status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'False' }] },
});

describe('lab apiserver: patches', () => {
  it('JSON merge patch: sets, nests, deletes with null, replaces lists', () => {
    const out = mergePatch(node(), { spec: { unschedulable: true, taints: [] }, metadata: { labels: { a: null, c: '3' } } });
    expect(out.spec).to.deep.equal({ podCIDR: '10.0.0.0/24', unschedulable: true, taints: [] });
    expect(out.metadata.labels).to.deep.equal({ b: '2', c: '3' });
  });

  it('strategic merge patch: cordon and uncordon as kubectl sends them', () => {
    const cordoned = strategicMergePatch(node(), { spec: { unschedulable: true } });
    expect(cordoned.spec.unschedulable).to.equal(true);
    expect(cordoned.spec.taints).to.deep.equal([{ key: 'k1', effect: 'NoSchedule' }]);
    expect(strategicMergePatch(cordoned, { spec: { unschedulable: null } }).spec).to.not.have.property('unschedulable');
  });

  it('strategic merge patch: labels and annotations merge key by key', () => {
    const out = strategicMergePatch(node(), { metadata: { labels: { b: '20', z: '26' }, annotations: { drop: null } } });
    expect(out.metadata.labels).to.deep.equal({ a: '1', b: '20', z: '26' });
    expect(out.metadata.annotations).to.deep.equal({ keep: 'x' });
  });

  it('strategic merge patch: lists with a merge key merge by it; $patch directives work', () => {
    const out = strategicMergePatch(node(), {
      status: { conditions: [{ type: 'Ready', status: 'False' }], '$setElementOrder/conditions': [{ type: 'Ready' }] },
      spec: { taints: [{ key: 'k2', effect: 'NoExecute' }] },
    });
    expect(out.status.conditions).to.deep.equal([{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }]);
    expect(out.spec.taints.map((t: { key: string }) => t.key)).to.deep.equal(['k1', 'k2']);
    const removed = strategicMergePatch(out, { spec: { taints: [{ key: 'k1', $patch: 'delete' }] } });
    expect(removed.spec.taints).to.deep.equal([{ key: 'k2', effect: 'NoExecute' }]);
    const replaced = strategicMergePatch(node(), { metadata: { labels: { $patch: 'replace', only: 'this' } } });
    expect(replaced.metadata.labels).to.deep.equal({ only: 'this' });
  });

  it('strategic merge patch: containers merge by name, lists without a key are replaced', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }], tolerations: [{ key: 'x' }] } };
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'b', image: 'b:2' }], tolerations: [{ key: 'y' }] } });
    expect(out.spec.containers).to.deep.equal([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }]);
    expect(out.spec.tolerations).to.deep.equal([{ key: 'y' }]);
  });

  it('JSON patch: add, replace, remove, move, copy, escaped keys, test', () => {
    const out = jsonPatch(node(), [
      { op: 'add', path: '/metadata/labels/node-role.kubernetes.io~1worker', value: '' },
      { op: 'replace', path: '/spec/podCIDR', value: '10.1.0.0/24' },
      { op: 'remove', path: '/metadata/annotations/drop' },
      { op: 'add', path: '/spec/taints/-', value: { key: 'k3', effect: 'NoSchedule' } },
      { op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/b', path: '/metadata/labels/moved' },
      { op: 'test', path: '/spec/podCIDR', value: '10.1.0.0/24' },
    ]);
    expect(out.metadata.labels).to.deep.equal({ a: '1', 'node-role.kubernetes.io/worker': '', copied: '1', moved: '2' });
    expect(out.spec.podCIDR).to.equal('10.1.0.0/24');
    expect(out.spec.taints).to.have.length(2);
    expect(out.metadata.annotations).to.deep.equal({ keep: 'x' });
  });

  it('JSON patch: a failed test or a missing path is a 422 and changes nothing', () => {
    const original = node();
    expect(() => jsonPatch(original, [{ op: 'test', path: '/spec/podCIDR', value: 'other' }])).to.throw(/testing value/).with.property('code', 422);
    expect(() => jsonPatch(original, [{ op: 'remove', path: '/spec/nothing' }])).to.throw(/does not exist/);
    expect(() => jsonPatch(original, [{ op: 'replace', path: '/spec/nothing', value: 1 }])).to.throw(/does not exist/);
    expect(original.spec.podCIDR).to.equal('10.0.0.0/24');
  });

  it('dispatches on the Content-Type', () => {
    expect(applyPatch('application/json-patch+json', { a: 1 }, [{ op: 'add', path: '/b', value: 2 }])).to.deep.equal({ a: 1, b: 2 });
    expect(applyPatch('application/merge-patch+json', { l: [1, 2] }, { l: [3] })).to.deep.equal({ l: [3] });
    expect(applyPatch('application/strategic-merge-patch+json', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['b'] } }))
      .to.deep.equal({ metadata: { finalizers: ['a', 'b'] } });
  });
});
