import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { PlayRenderer, formatTaskResult } from '../../../src/events/play-output.js';
import { countResult, defaultRetryPath, retryFileText } from '../../../src/engine/report.js';
import { exitCodeOf } from '../../../src/engine/run-playbook.js';
import type { RecapStats } from '../../../src/events/events.js';
import { inventory, play } from '../engine/harness.js';
import { pyFloat } from '../../../src/util/pyfloat.js';

function render(events: RunEvent[]): string {
  let text = '';
  const renderer = new PlayRenderer({ out: { write: (t: string) => (text += t) }, color: false });
  for (const e of events) renderer.handle(e);
  return text;
}

describe('engine: output, recap and retry file', () => {
  it('prints ansible-playbook lines: banners, ok/changed/skipping, delegation, fatal with the stderr tail, ...ignoring', async () => {
    const h = await play(
      `
- name: Upgrade
  hosts: nodes
  gather_facts: false
  tasks:
    - name: drain
      command: drain
      delegate_to: localhost
    - name: upgrade
      command: upgrade
      when: inventory_hostname != 'c'
    - name: optional
      command: optional
      ignore_errors: true
`,
      {
        inventory: inventory({ nodes: ['a', 'b', 'c'] }),
        respond: (host, cmd) => (host === 'b' && cmd === 'upgrade' ? { code: 100, stderr: 'E: line one\nE: could not lock' } : cmd === 'optional' ? { code: 1 } : {}),
      },
    );
    const text = render(h.events);
    expect(text).to.contain(`PLAY [Upgrade] ${'*'.repeat(79 - 'PLAY [Upgrade]'.length)}`);
    expect(text).to.contain('TASK [drain] ***');
    expect(text).to.contain('changed: [a -> localhost]\n');
    expect(text).to.contain('changed: [a]\n');
    expect(text).to.contain('skipping: [c]\n');
    expect(text).to.match(/fatal: \[b\]: FAILED! => \{"changed":true,"msg":"non-zero return code","rc":100\}\n  stderr: E: line one\n  stderr: E: could not lock\n/);
    expect(text).to.match(/fatal: \[a\]: FAILED! => .*\n\.\.\.ignoring\n/);
    expect(text).to.contain('PLAY RECAP ***');
    expect(text).to.match(/\nb +: ok=1 +changed=1 +unreachable=0 +failed=1 /);
  });

  it('prints a float result as Ansible does (2.0, not 2)', () => {
    const text = formatTaskResult({ type: 'task.result', result: { host: 'n1', task: 't', status: 'ok' }, show: { msg: [pyFloat(2), pyFloat(1e16), 3, 'x'] } });
    expect(text).to.equal('ok: [n1] => {\n    "msg": [\n        2.0,\n        1e+16,\n        3,\n        "x"\n    ]\n}\n');
  });

  it('shows unreachable hosts with the phase, loop items and retries', () => {
    const unreachable = formatTaskResult({
      type: 'task.result',
      result: { host: 'n1', task: 't', status: 'unreachable', phase: 'tcp', msg: 'n1: unreachable (tcp): refused' },
      show: { changed: false, msg: 'n1: unreachable (tcp): refused', phase: 'tcp' },
    });
    expect(unreachable).to.equal('fatal: [n1]: UNREACHABLE! => {"changed":false,"msg":"n1: unreachable (tcp): refused","phase":"tcp"}\n');
    expect(formatTaskResult({ type: 'task.result', result: { host: 'n1', task: 't', status: 'changed' }, item: 'kubelet' })).to.equal('changed: [n1] => (item=kubelet)\n');
    expect(render([{ type: 'task.retry', host: 'n1', task: 'wait', attempt: 1, retriesLeft: 2 }])).to.equal('FAILED - RETRYING: [n1]: wait (2 retries left).\n');
  });

  it('names the hosts a task still waits for', () => {
    const text = render([{ type: 'status', waitingOn: ['n1', 'n7'], task: 'drain', elapsedMs: 12_000 }]);
    expect(text).to.equal('[12s] drain: still running on: n1, n7\n');
  });

  it('counts as Ansible: changed and ignored also count ok, rescued does not', () => {
    const stats: RecapStats = {};
    for (const s of ['ok', 'changed', 'ignored', 'rescued', 'skipped'] as const) countResult(stats, 'h', s);
    expect(stats['h']).to.deep.equal({ ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 1, rescued: 1, ignored: 1 });
  });

  it('exit codes: 0, 2 for failures or a stopped play, 4 for unreachable (wins)', () => {
    const none = new Set<string>();
    expect(exitCodeOf({}, none, none, false)).to.equal(0);
    expect(exitCodeOf({}, new Set(['a']), none, false)).to.equal(2);
    expect(exitCodeOf({}, none, none, true)).to.equal(2);
    expect(exitCodeOf({}, new Set(['a']), new Set(['b']), true)).to.equal(4);
  });

  it('retry file: sorted failed and unreachable hosts, one per line; default path <playbook>.retry', async () => {
    expect(retryFileText(['n3', 'n1'], ['n2', 'n1'])).to.equal('n1\nn2\nn3\n');
    expect(retryFileText([], [])).to.equal('');
    expect(defaultRetryPath('/x/upgrade.yml')).to.equal('/x/upgrade.retry');
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n`, {
      inventory: inventory({ nodes: ['c', 'a', 'b'] }),
      respond: (host) => ({ code: host === 'c' ? 1 : 0 }),
      unreachable: ['a'],
    });
    expect(retryFileText(h.outcome.failedHosts, h.outcome.unreachableHosts)).to.equal('a\nc\n');
  });

  it('the report holds every host × task result with timings', async () => {
    const h = await play(`\n- name: P\n  hosts: nodes\n  gather_facts: false\n  serial: 1\n  tasks:\n    - name: t1\n      command: x\n`, {
      inventory: inventory({ nodes: ['a', 'b'] }),
    });
    const report = h.outcome.report;
    expect(report.plays).to.have.length(1);
    expect(report.plays[0]!.batches).to.deep.equal([['a'], ['b']]);
    expect(report.plays[0]!.tasks.map((t) => `${t.batch}:${t.task}:${t.results.map((r) => `${r.host}=${r.status}`).join(',')}`)).to.deep.equal(['1:t1:a=changed', '2:t1:b=changed']);
    expect(report.plays[0]!.tasks[0]!.line).to.equal(7);
    expect(report.plays[0]!.tasks[0]!.results[0]!.ms).to.be.a('number');
    expect(report.exitCode).to.equal(0);
  });
});
