import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { formatDiff } from '../../../src/events/diff-text.js';
import { formatResultDiffs } from '../../../src/events/play-output.js';
import { hostsNamed, inventory, play } from './harness.js';

type ResultEvent = Extract<RunEvent, { type: 'task.result' }>;
const debugMsgs = (events: RunEvent[]): string[] =>
  events
    .filter((e): e is ResultEvent => e.type === 'task.result' && e.item === undefined && e.result.task.startsWith('show'))
    .map((e) => `${e.result.host}=${String(e.result.data?.['msg'])}`);

describe('engine: strategies, scopes and progress', () => {
  it('strategy free: a slow host does not hold the others back', async () => {
    const h = await play(
      `\n- hosts: nodes\n  gather_facts: false\n  strategy: free\n  tasks:\n    - command: one\n    - command: two\n`,
      {
        inventory: inventory({ nodes: ['slow', 'fast'] }),
        respond: async (host, cmd) => {
          if (host === 'slow' && cmd === 'one') await new Promise((r) => setTimeout(r, 30));
          return {};
        },
      },
    );
    expect(h.log.indexOf('fast: two')).to.be.lessThan(h.log.indexOf('slow: two'));
    expect(h.log.indexOf('fast: two')).to.be.lessThan(h.log.length - 1);
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('linear: the same slow host makes the fast one wait', async () => {
    const order: string[] = [];
    await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: one\n    - command: two\n`, {
      inventory: inventory({ nodes: ['slow', 'fast'] }),
      respond: async (host, cmd) => {
        if (host === 'slow' && cmd === 'one') await new Promise((r) => setTimeout(r, 30));
        order.push(`${host}: ${cmd} done`);
        return {};
      },
    });
    expect(order).to.deep.equal(['fast: one done', 'slow: one done', 'slow: two done', 'fast: two done']);
  });

  it('the status line names the hosts a task is still waiting for', async () => {
    let tick: (() => void) | undefined;
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - name: drain\n      command: drain\n`, {
      inventory: inventory({ nodes: ['a', 'b', 'c'] }),
      onTicker: (t) => (tick = t),
      respond: async (host) => {
        if (host === 'c') {
          await new Promise((r) => setTimeout(r, 5));
          tick?.();
        }
        return {};
      },
    });
    const status = h.events.find((e): e is Extract<RunEvent, { type: 'status' }> => e.type === 'status');
    expect(status).to.deep.include({ task: 'drain', waitingOn: ['c'] });
  });

  it('vars_files override play vars; -e overrides both; serial may be templated', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: "{{ batch_size }}"
  vars: { batch_size: 2, a: play, b: play, c: play }
  vars_files: [vars/site.yml]
  tasks:
    - name: show
      debug: { msg: "{{ a }} {{ b }} {{ c }}" }
      run_once: true
`,
      { inventory: inventory({ nodes: hostsNamed('n', 4) }), files: { '/pb/vars/site.yml': 'b: file\nc: file\n' }, options: { extraVars: { c: 'extra' } } },
    );
    expect(h.events.filter((e) => e.type === 'batch.start')).to.have.length(2);
    expect(debugMsgs(h.events)).to.deep.equal(['n1=play file extra', 'n3=play file extra']);
  });

  it('ansible_play_hosts leaves out failed hosts; ansible_play_hosts_all keeps them', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - command: x
    - name: show
      debug: { msg: "{{ ansible_play_hosts | join(',') }}/{{ ansible_play_hosts_all | join(',') }}/{{ ansible_play_batch | join(',') }}" }
`,
      { inventory: inventory({ nodes: ['a', 'b', 'c'] }), respond: (host) => ({ code: host === 'b' ? 1 : 0 }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=a,c/a,b,c/a,b,c', 'c=a,c/a,b,c/a,b,c']);
  });

  it('ansible_play_hosts_all of a later play keeps a host that failed in an earlier one (as ansible-playbook 2.14)', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - command: x
- hosts: nodes
  gather_facts: false
  tasks:
    - name: show
      debug: { msg: "{{ ansible_play_hosts | join(',') }}/{{ ansible_play_hosts_all | join(',') }}" }
`,
      { inventory: inventory({ nodes: ['a', 'b', 'c'] }), respond: (host) => ({ code: host === 'b' ? 1 : 0 }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=a,c/a,b,c', 'c=a,c/a,b,c']);
  });

  it('rescue sees ansible_failed_task and ansible_failed_result', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - block:
        - name: upgrade kubelet
          command: upgrade
      rescue:
        - name: show
          debug: { msg: "{{ ansible_failed_task.name }} rc={{ ansible_failed_result.rc }}" }
`,
      { inventory: inventory({ nodes: ['a'] }), respond: () => ({ code: 7 }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=upgrade kubelet rc=7']);
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('loop over an empty list skips the host', async () => {
    const h = await play(`\n- hosts: a\n  gather_facts: false\n  vars: { pkgs: [] }\n  tasks:\n    - name: each\n      command: "x {{ item }}"\n      loop: "{{ pkgs }}"\n`, {
      inventory: inventory({ nodes: ['a'] }),
    });
    expect(h.results('each')).to.deep.equal({ a: 'skipped' });
    expect(h.calls).to.have.length(0);
  });

  it('a failed loop item fails the host; the register holds every item', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: each
      command: "x {{ item }}"
      loop: [1, 2, 3]
      register: out
      ignore_errors: true
    - name: show
      debug: { msg: "{{ out.results | map(attribute='rc') | list }} {{ out.failed }} {{ out.msg }}" }
`,
      { inventory: inventory({ nodes: ['a'] }), respond: (_h, cmd) => ({ code: cmd === 'x 2' ? 1 : 0 }) },
    );
    expect(h.results('each')).to.deep.equal({ a: 'ignored' });
    expect(debugMsgs(h.events)).to.deep.equal(['a=[0, 1, 0] True One or more items failed']);
  });

  it('ignore_unreachable keeps the host in the play and counts it ignored', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n      ignore_unreachable: true\n    - debug: { msg: hi }\n`, {
      inventory: inventory({ nodes: ['a', 'b'] }),
      unreachable: ['b'],
    });
    expect(h.results('command')).to.deep.equal({ a: 'changed', b: 'ignored' });
    expect(h.results('debug')).to.deep.equal({ a: 'ok', b: 'ok' });
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('meta: clear_host_errors brings failed hosts back', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n    - meta: clear_host_errors\n    - command: z\n`, {
      inventory: inventory({ nodes: ['a', 'b'] }),
      respond: (host, cmd) => ({ code: host === 'a' && cmd === 'x' ? 1 : 0 }),
    });
    expect(h.log).to.deep.equal(['a: x', 'b: x', 'a: z', 'b: z']);
  });

  it('meta: end_batch ends the batch; the next batch still runs', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  serial: 1\n  tasks:\n    - command: x\n    - meta: end_batch\n    - command: z\n`, {
      inventory: inventory({ nodes: ['a', 'b'] }),
    });
    expect(h.log).to.deep.equal(['a: x', 'b: x']);
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('keeps open connections under maxOpenConnections, closing the least recently used idle host', async () => {
    const open = new Set<string>();
    let peak = 0;
    const released: string[] = [];
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: one\n    - command: two\n`, {
      inventory: inventory({ nodes: ['a', 'b', 'c', 'd'] }),
      options: { forks: 2, maxOpenConnections: 2 },
      onConnect: (host) => {
        open.add(host);
        peak = Math.max(peak, open.size);
      },
      onRelease: (host) => {
        open.delete(host);
        released.push(host);
      },
    });
    expect(h.outcome.exitCode).to.equal(0);
    expect(peak).to.equal(2);
    expect(released.slice(0, 2)).to.deep.equal(['a', 'b']);
    // Without a budget nothing is ever closed during the run.
    const none: string[] = [];
    await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: one\n`, { inventory: inventory({ nodes: ['a', 'b', 'c'] }), onRelease: (x) => none.push(x) });
    expect(none).to.deep.equal([]);
  });

  it('--diff output: changed lines with context', () => {
    expect(formatDiff({ path: '/etc/x', before: 'a\nb\nc\n', after: 'a\nB\nc\nd\n' })).to.equal('--- before: /etc/x\n+++ after: /etc/x\n a\n-b\n+B\n c\n+d\n');
    const long = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const text = formatDiff({ before: long, after: long.replace('l1\n', 'L1\n').replace('l18', 'L18') });
    expect(text).to.contain('-l1\n+L1\n');
    expect(text).to.contain('@@\n');
    expect(text).not.to.contain(' l9\n');
    expect(formatResultDiffs({ host: 'a', task: 't', status: 'changed', data: { diff: [{ before: '', after: 'x\n' }] } })).to.equal('--- before\n+++ after\n+x\n');
  });
});
