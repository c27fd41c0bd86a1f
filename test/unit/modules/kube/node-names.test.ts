import { expect } from 'chai';
import { describeNodeName, nodeNameFor, resolveNodeName } from '../../../../src/kube/node-names.js';

describe('kube/node-names', () => {
  it('defaults to the inventory name, lowercased as the kubelet registers it', () => {
    expect(nodeNameFor({}, 'Worker-1')).to.equal('worker-1');
    expect(resolveNodeName({}, 'w1')).to.deep.equal({ name: 'w1', source: 'inventory name' });
  });
  it("honours kubespray's kube_override_hostname", () => {
    expect(resolveNodeName({ kube_override_hostname: 'node-a.example' }, '10.0.0.5')).to.deep.equal({ name: 'node-a.example', source: 'kube_override_hostname' });
  });
  it('node_name wins over kube_override_hostname; blank values are ignored', () => {
    expect(nodeNameFor({ node_name: 'n1', kube_override_hostname: 'other' }, 'h')).to.equal('n1');
    expect(nodeNameFor({ node_name: '  ', kube_override_hostname: 'k1' }, 'h')).to.equal('k1');
    expect(nodeNameFor({ node_name: '' }, 'h')).to.equal('h');
  });
  it('says where the name came from and what to set', () => {
    expect(describeNodeName(resolveNodeName({}, '10.0.0.5'), '10.0.0.5')).to.equal('node "10.0.0.5" (the inventory name of host 10.0.0.5; set node_name if the Node is called otherwise)');
    expect(describeNodeName(resolveNodeName({ node_name: 'n1' }, 'h'), 'h')).to.equal('node "n1" (from node_name of host h)');
  });
});
