import { expect } from 'chai';
import { inventory, play } from './harness.js';

describe('engine: handlers', () => {
  const inv = inventory({ nodes: ['a', 'b', 'c', 'd'] });

  it('run once per batch, in definition order, only on hosts that notified them', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: 2
  tasks:
    - name: change one
      command: change-one
      changed_when: inventory_hostname in ['a', 'c']
      notify: [restart b, restart a]
    - name: change two
      command: change-two
      notify: restart a
  handlers:
    - name: restart b
      command: handler-b
    - name: restart a
      command: handler-a
    - name: never notified
      command: handler-never
`,
      { inventory: inv },
    );
    const handlerRuns = h.log.filter((l) => l.includes('handler'));
    expect(handlerRuns).to.deep.equal(['a: handler-b', 'a: handler-a', 'b: handler-a', 'c: handler-b', 'c: handler-a', 'd: handler-a']);
    // Handlers of batch 1 ran before batch 2 started.
    expect(h.log.indexOf('b: handler-a')).to.be.lessThan(h.log.indexOf('c: change-one'));
  });

  it('answer listen topics, and meta: flush_handlers runs them mid-play', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - command: change
      notify: config changed
    - meta: flush_handlers
    - command: after flush
  handlers:
    - name: reload
      command: handler-reload
      listen: config changed
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['a: change', 'a: handler-reload', 'a: after flush']);
  });

  it('do not run for a host that failed later, unless force_handlers', async () => {
    const text = (force: boolean) => `
- hosts: nodes
  gather_facts: false
  force_handlers: ${force}
  tasks:
    - command: change
      notify: restart
    - command: breaks
  handlers:
    - name: restart
      command: handler
`;
    const respond = (host: string, cmd: string) => ({ code: host === 'b' && cmd === 'breaks' ? 1 : 0 });
    const plain = await play(text(false), { inventory: inv, respond });
    expect(plain.log.filter((l) => l.includes('handler'))).to.deep.equal(['a: handler', 'c: handler', 'd: handler']);
    const forced = await play(text(true), { inventory: inv, respond });
    expect(forced.log.filter((l) => l.includes('handler'))).to.deep.equal(['a: handler', 'b: handler', 'c: handler', 'd: handler']);
  });

  it('flush after pre_tasks, tasks and post_tasks, in that order', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  pre_tasks:
    - { command: pre, notify: h }
  tasks:
    - { command: main, notify: h }
  post_tasks:
    - { command: post, notify: h }
  handlers:
    - { name: h, command: handler }
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['a: pre', 'a: handler', 'a: main', 'a: handler', 'a: post', 'a: handler']);
  });

  it('are not notified by an unchanged result', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - command: check
      changed_when: false
      notify: restart
  handlers:
    - name: restart
      command: handler
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['a: check']);
  });
});
