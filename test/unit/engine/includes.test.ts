import { expect } from 'chai';
import { inventory, play } from './harness.js';

describe('engine: include_tasks decided when reached', () => {
  const inv = inventory({ nodes: ['a', 'b'] });

  it('a templated include cannot bring in a drain (the cluster lock is decided before the run): the hosts fail, nothing runs', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  vars:
    step: drain
  tasks:
    - include_tasks: "{{ step }}.yml"
    - name: after
      command: after
`,
      { inventory: inv, files: { '/pb/drain.yml': '- name: drain it\n  kube_drain:\n    node: "{{ inventory_hostname }}"\n' } },
    );
    expect(h.results('include_tasks')).to.deep.equal({ a: 'failed', b: 'failed' });
    expect(h.log).to.deep.equal([]);
    expect(h.outcome.failedHosts.sort()).to.deep.equal(['a', 'b']);
  });

  it('a template error in the file name fails that host with the reason, the others go on', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - include_tasks: "{{ files[inventory_hostname] }}.yml"
    - name: after
      command: after
`,
      { inventory: inventory({ nodes: ['a', 'b'] }, { b: { files: { b: 'ok' } } }), files: { '/pb/ok.yml': '- name: inside\n  command: inside\n' } },
    );
    expect(h.results('include_tasks')).to.deep.equal({ a: 'failed', b: 'ok' });
    expect(h.log).to.deep.equal(['b: inside', 'b: after']);
  });
});
