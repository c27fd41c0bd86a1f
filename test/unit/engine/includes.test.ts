import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it("apply: gives its tags to the included tasks (the include's own tags do not reach them), as Ansible", async () => {
    // test/fixtures/ansible/include-apply: the playbook and what ansible-playbook 2.14 ran with --tags deploy.
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ansible/include-apply');
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const files = { '/pb/inc.yml': read('inc.yml'), '/pb/inc2.yml': read('inc2.yml') };
    const h = await play(read('site.yml').replace('hosts: h1', 'hosts: nodes'), { inventory: inventory({ nodes: ['h1'] }), files, options: { tags: ['deploy'] } });
    const ansible = read('expected.txt').split('\n').filter((l) => l.startsWith('TASK')).map((l) => /TASK \[(.*?)\]/.exec(l)![1]);
    const ours = h.events.flatMap((e) => (e.type === 'task.start' ? [e.name] : []));
    expect(ours).to.deep.equal(ansible);
  });
});
