import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import type { JournalEnd } from '../../../src/journal/journal.js';
import { buildResumeState, type ParsedJournal, type ResumeState } from '../../../src/journal/resume-state.js';
import { hostsNamed, inventory, play, type Harness, type HarnessOptions } from './harness.js';

/** The journal a run with these events would have written; `end` absent = the controller died there. */
function journalOf(runId: string, events: RunEvent[], end?: Partial<JournalEnd>, resumes?: string): ParsedJournal {
  return {
    header: { kind: 'header', format: 1, runId, command: 'drydock play site.yml', cwd: '/', started: 'x', version: 'test', host: 'h', pid: 1, ...(resumes ? { resumes } : {}) },
    events: structuredClone(events),
    ...(end ? { end: { kind: 'end', ended: 'y', exitCode: 2, interrupted: false, ...end } } : {}),
  };
}

/** The events up to and including the first one `cut` accepts: what the journal holds after a kill -9 there. */
function killedAt(events: RunEvent[], cut: (e: RunEvent) => boolean): RunEvent[] {
  const at = events.findIndex(cut);
  if (at < 0) throw new Error('the cut point never happened');
  return events.slice(0, at + 1);
}

const started = (task: string, host: string) => (e: RunEvent) => e.type === 'task.start' && e.name === task && e.hosts.includes(host);
const executed = (h: Harness) => h.log.map((l) => l.replace(/^(\S+): /, '$1 '));

const UPGRADE = `
- name: prep
  hosts: nodes
  gather_facts: false
  tasks:
    - set_fact:
        token: "t-{{ inventory_hostname }}"
- name: roll
  hosts: nodes
  gather_facts: false
  serial: [1, 2]
  tasks:
    - name: first
      command: first {{ inventory_hostname }} {{ token }}
      register: first_out
    - name: second
      command: second {{ inventory_hostname }} {{ token }}
      notify: restart
    - name: third
      command: third {{ inventory_hostname }} {{ first_out.stdout }}
  handlers:
    - name: restart
      command: restart {{ inventory_hostname }}
`;

describe('engine: drydock resume replays what an earlier run did', () => {
  const nodes = inventory({ nodes: hostsNamed('n', 4) });
  const respond: HarnessOptions['respond'] = (host, command) => ({ stdout: command.startsWith('first') ? `out-${host}` : '' });

  async function resumeAfter(first: Harness, cut: (e: RunEvent) => boolean, text = UPGRADE, opts: Partial<HarnessOptions> = {}): Promise<{ state: ResumeState; again: Harness }> {
    const state = buildResumeState([journalOf('run-a', killedAt(first.events, cut))]);
    const again = await play(text, { inventory: nodes, respond, ...opts, options: { runId: 'run-b', resume: state, ...opts.options } });
    return { state, again };
  }

  it('kill -9 mid-batch: finished hosts are left out, the host mid-task reruns only that task, the rest run normally', async () => {
    const first = await play(UPGRADE, { inventory: nodes, respond });
    expect(first.outcome.exitCode).to.equal(0);
    // Killed while n2 and n3 (the second batch) run `second`.
    const { state, again } = await resumeAfter(first, started('second', 'n2'));
    expect(state.plays.get(1)!.hosts.get('n1')!.finished).to.equal('run-a');
    expect(state.plays.get(1)!.hosts.get('n2')!.stoppedAt).to.include({ reason: 'interrupted', taskId: '1.tasks/1' });

    expect(again.outcome.exitCode).to.equal(0);
    const ran = executed(again);
    // n1 finished everything in run A: never contacted. prep ran for everyone: not run again (no commands anyway).
    expect(ran.filter((c) => c.startsWith('n1'))).to.deep.equal([]);
    // n2, n3: `first` is replayed (not run), `second` and `third` run — `third` sees first's registered stdout,
    // and `second` the token set_fact put in play 1 of run A. n4 never started: it runs the whole play.
    expect(ran).to.deep.equal([
      'n2 second n2 t-n2',
      'n3 second n3 t-n3',
      'n2 third n2 out-n2',
      'n3 third n3 out-n3',
      'n2 restart n2',
      'n3 restart n3',
      'n4 first n4 t-n4',
      'n4 second n4 t-n4',
      'n4 third n4 out-n4',
      'n4 restart n4',
    ]);
    // The original batches of serial [1, 2] ([n1], [n2, n3], [n4]) without the finished n1: the interrupted
    // batch carries on together.
    expect(again.events.filter((e) => e.type === 'batch.start' && e.playIndex === 1).map((e) => (e as { hosts: string[] }).hosts)).to.deep.equal([['n2', 'n3'], ['n4']]);
    // The replayed results say so and count as ok, not changed.
    const replayed = again.events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result' && e.replayedFrom !== undefined);
    expect(replayed.map((e) => `${e.result.host} ${e.taskId} ${e.result.status}`)).to.deep.equal(['n2 1.tasks/0 ok', 'n3 1.tasks/0 ok']);
    expect(replayed[0]!.result.msg).to.equal('done in run run-a; not run again');
    expect(again.outcome.stats['n2']).to.include({ ok: 4, changed: 3 }); // Ansible counts a change as ok too: 1 replayed + 3 run
    expect(again.events.some((e) => e.type === 'warning' && e.message.includes('n1, n2, n3, n4 finished it in run run-a'))).to.equal(true);
  });

  it('role tasks and a looped include resume by their ids: done items replayed in order, registers restored, the rest run', async () => {
    const text = `
- hosts: nodes
  gather_facts: false
  roles: [prep]
  tasks:
    - include_tasks: step.yml
      loop: [a, b]
    - name: last
      command: last {{ prep_out.stdout }}
`;
    const files = { '/pb/roles/prep/tasks/main.yml': '- name: prep\n  command: prep\n  register: prep_out\n', '/pb/step.yml': '- name: step\n  command: step {{ item }}\n' };
    const two = inventory({ nodes: ['n1', 'n2'] });
    const answer: HarnessOptions['respond'] = (host, command) => ({ stdout: command === 'prep' ? `p-${host}` : '' });
    const first = await play(text, { inventory: two, respond: answer, files });
    expect(executed(first)).to.deep.equal(['n1 prep', 'n2 prep', 'n1 step a', 'n2 step a', 'n1 step b', 'n2 step b', 'n1 last p-n1', 'n2 last p-n2']);
    // Killed as the second item's step starts.
    let seen = 0;
    const cut = (e: RunEvent): boolean => e.type === 'task.start' && e.name === 'step' && ++seen === 2;
    const state = buildResumeState([journalOf('run-a', killedAt(first.events, cut))]);
    const again = await play(text, { inventory: two, respond: answer, files, options: { runId: 'run-b', resume: state } });
    expect(again.outcome.exitCode).to.equal(0);
    expect(executed(again)).to.deep.equal(['n1 step b', 'n2 step b', 'n1 last p-n1', 'n2 last p-n2']);
  });

  it('a failed host restarts at its failed task; the hosts that finished stay out, the next batches run', async () => {
    let broken = true;
    const failing: HarnessOptions['respond'] = (host, command) => (broken && host === 'n2' && command.startsWith('second') ? { code: 1 } : respond(host, command, {}));
    const first = await play(UPGRADE.replace('serial: [1, 2]', 'serial: [1, 2]\n  max_fail_percentage: 0'), { inventory: nodes, respond: failing });
    expect(first.outcome.exitCode).to.equal(2);
    const state = buildResumeState([journalOf('run-a', first.events, { exitCode: 2 })]);
    expect(state.plays.get(1)!.hosts.get('n2')!.stoppedAt).to.include({ reason: 'failed', taskId: '1.tasks/1' });
    // n3 was in the same batch and stopped with it: not finished.
    expect(state.plays.get(1)!.hosts.get('n3')?.finished).to.equal(undefined);
    broken = false;
    const again = await play(UPGRADE.replace('serial: [1, 2]', 'serial: [1, 2]\n  max_fail_percentage: 0'), { inventory: nodes, respond: failing, options: { runId: 'run-b', resume: state } });
    expect(again.outcome.exitCode).to.equal(0);
    const ran = executed(again);
    expect(ran.filter((c) => c.startsWith('n1'))).to.deep.equal([]);
    expect(ran.filter((c) => c.startsWith('n2'))).to.deep.equal(['n2 second n2 t-n2', 'n2 third n2 out-n2', 'n2 restart n2']);
    expect(ran.filter((c) => c.startsWith('n4'))).to.have.length(4);
  });

  it('a chain: the second resume sees what both earlier runs did, and a handler that already ran is not run again', async () => {
    const first = await play(UPGRADE, { inventory: nodes, respond });
    // Run A dies as n2 starts `third`; run B (resuming A) dies as the handler starts on n2.
    const a = journalOf('run-a', killedAt(first.events, started('third', 'n2')));
    const b1 = await play(UPGRADE, { inventory: nodes, respond, options: { runId: 'run-b', resume: buildResumeState([a]) } });
    const b = journalOf('run-b', killedAt(b1.events, (e) => e.type === 'handler.start' && e.hosts.includes('n3')), undefined, 'run-a');
    const state = buildResumeState([a, b]);
    expect(state.chain).to.deep.equal(['run-a', 'run-b']);
    const c = await play(UPGRADE, { inventory: nodes, respond, options: { runId: 'run-c', resume: state } });
    expect(c.outcome.exitCode).to.equal(0);
    // n2 and n3 only need the handler they were in when B died; n4 never started.
    expect(executed(c)).to.deep.equal(['n2 restart n2', 'n3 restart n3', 'n4 first n4 t-n4', 'n4 second n4 t-n4', 'n4 third n4 out-n4', 'n4 restart n4']);
    // Nothing of the first two runs' commands ran a third time.
    expect(executed(c).filter((x) => / (first|second|third) n[23] /.test(x))).to.deep.equal([]);
  });

  it('meta: end_host counts as finished; a host killed before its handler ran gets the handler on resume', async () => {
    const text = `
- hosts: nodes
  gather_facts: false
  serial: 2
  tasks:
    - command: check {{ inventory_hostname }}
      notify: h
      register: c
    - meta: end_host
      when: inventory_hostname == 'n1'
    - command: work {{ inventory_hostname }}
  handlers:
    - name: h
      command: handle {{ inventory_hostname }}
`;
    const first = await play(text, { inventory: nodes, respond });
    const { state, again } = await resumeAfter(first, (e) => e.type === 'handler.start', text);
    expect(state.plays.get(0)!.hosts.get('n1')!.finished).to.equal(undefined);
    // Killed at the handler flush: n1 ended by meta (no batch.end yet), n2 had done `work`.
    expect(executed(again)).to.deep.equal(['n2 handle n2', 'n3 check n3', 'n4 check n4', 'n3 work n3', 'n4 work n4', 'n3 handle n3', 'n4 handle n4']);
    // n1: `check` replayed, notify replayed, end_host evaluated again → no `work`, but its handler runs.
    const n1 = again.events.filter((e) => e.type === 'task.result' && e.result.host === 'n1');
    expect(n1.map((e) => (e as Extract<RunEvent, { type: 'task.result' }>).replayedFrom)).to.deep.equal(['run-a']);
  });

  it('a finished batch ended by meta: end_host leaves that host out on resume', async () => {
    const text = `
- hosts: nodes
  gather_facts: false
  serial: 1
  tasks:
    - command: check {{ inventory_hostname }}
    - meta: end_host
      when: inventory_hostname == 'n1'
    - name: work
      command: work {{ inventory_hostname }}
`;
    const first = await play(text, { inventory: nodes, respond });
    const { state, again } = await resumeAfter(first, started('work', 'n3'), text);
    expect([...state.plays.get(0)!.hosts].filter(([, h]) => h.finished).map(([n]) => n)).to.deep.equal(['n1', 'n2']);
    expect(executed(again)).to.deep.equal(['n3 work n3', 'n4 check n4', 'n4 work n4']);
  });

  it('run_once: the copy to the other hosts is journaled, so none of them runs the task again', async () => {
    const text = `
- hosts: nodes
  gather_facts: false
  tasks:
    - command: once
      run_once: true
      register: o
    - name: each
      command: each {{ inventory_hostname }} {{ o.rc }}
`;
    const first = await play(text, { inventory: nodes, respond });
    const { again } = await resumeAfter(first, started('each', 'n1'), text);
    expect(executed(again)).to.deep.equal(['n1 each n1 0', 'n2 each n2 0', 'n3 each n3 0', 'n4 each n4 0']);
  });

  it('refuses a playbook whose tasks changed since the journal was written', async () => {
    const first = await play(UPGRADE, { inventory: nodes, respond });
    const state = buildResumeState([journalOf('run-a', killedAt(first.events, started('second', 'n2')))]);
    const changed = UPGRADE.replace('    - name: third', '    - command: inserted\n    - name: third');
    let error: unknown;
    try {
      await play(changed, { inventory: nodes, respond, options: { runId: 'run-b', resume: state } });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/cannot resume run run-a: .*site\.yml no longer has the same plays and tasks/);
  });

  it('a restored variable the journal masked is restored masked, and the run says so', async () => {
    const text = `
- hosts: nodes
  gather_facts: false
  serial: 1
  tasks:
    - set_fact:
        db_password: "s3cret-{{ inventory_hostname }}"
    - name: use
      command: use {{ db_password }}
`;
    const first = await play(text, { inventory: nodes, respond });
    // What the journal holds: events pass through redactSecrets on the way to disk.
    const { redactSecrets } = await import('../../../src/events/json-log.js');
    const cut = killedAt(first.events, started('use', 'n2')).map((e) => redactSecrets(e));
    const again = await play(text, { inventory: nodes, respond, options: { runId: 'run-b', resume: buildResumeState([journalOf('run-a', cut)]) } });
    expect(executed(again)[0]).to.equal('n2 use [REDACTED]');
    expect(again.events.some((e) => e.type === 'warning' && e.host === 'n2' && e.message.startsWith("db_password, restored from run run-a's journal, holds a secret the journal masked"))).to.equal(true);
  });

  it('task ids are positions: blocks, rescue, always, handlers and gather facts', async () => {
    const text = `
- hosts: n1
  tasks:
    - command: a
    - block:
        - command: b
        - fail: { msg: boom }
      rescue:
        - command: r
      always:
        - command: al
          notify: h
  handlers:
    - name: h
      command: handler
`;
    const h = await play(text, { inventory: nodes, respond }, [['n1']]);
    const ids = h.events.flatMap((e) => (e.type === 'task.start' || e.type === 'handler.start' ? [`${e.taskId} ${e.name}`] : []));
    expect(ids).to.deep.equal(['0.gather Gathering Facts', '0.tasks/0 command', '0.tasks/1/block/0 command', '0.tasks/1/block/1 fail', '0.tasks/1/rescue/0 command', '0.tasks/1/always/0 command', '0.handlers/0 h']);
  });
});
