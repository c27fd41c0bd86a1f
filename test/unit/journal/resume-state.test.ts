import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import { EventBus, type RunEvent } from '../../../src/events/events.js';
import { startRunJournal } from '../../../src/journal/journal.js';
import { buildResumeState, describeResume, loadResumeState, lockHeldByDeadChainRun, parseJournalText } from '../../../src/journal/resume-state.js';
import { listRuns } from '../../../src/journal/runs.js';
import { formatRunsTable } from '../../../src/cli/commands/runs.js';

const header = (runId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'header', format: 1, runId, command: 'drydock play site.yml', cwd: '/w', started: '2026-11-25T10:00:00Z', version: 't', host: hostname(), pid: 999_999, argv: ['play', 'site.yml'], ...extra });
const ev = (event: RunEvent) => JSON.stringify({ kind: 'event', at: 'x', event });
const end = (exitCode: number, interrupted = false) => JSON.stringify({ kind: 'end', ended: 'y', exitCode, interrupted });

const RUN_START: RunEvent = { type: 'run.start', runId: 'a', command: 'play', hosts: ['n1', 'n2'], forks: 5, at: 'x', playbookFingerprint: 'fp' };
const result = (host: string, taskId: string, status: 'ok' | 'changed' | 'failed', extra: Record<string, unknown> = {}): RunEvent => ({
  type: 'task.result',
  taskId,
  result: { host, task: `task ${taskId}`, status, data: { changed: status === 'changed', rc: 0 } },
  ...extra,
});

/** Run a: play 0 done by both; play 1 batch [n1] done, batch [n2] killed in task 1.tasks/1. */
const RUN_A = [
  header('a'),
  ev(RUN_START),
  ev({ type: 'play.start', name: 'prep', hosts: ['n1', 'n2'], playIndex: 0 }),
  ev({ type: 'task.start', name: 'facts', hosts: ['n1', 'n2'], taskId: '0.tasks/0' }),
  ev(result('n1', '0.tasks/0', 'ok', { facts: { token: 't1' } })),
  ev(result('n2', '0.tasks/0', 'ok', { facts: { token: 't2' } })),
  ev({ type: 'batch.end', play: 'prep', playIndex: 0, index: 0, finished: ['n1', 'n2'] }),
  ev({ type: 'play.start', name: 'roll', hosts: ['n1', 'n2'], playIndex: 1 }),
  ev({ type: 'task.start', name: 'one', hosts: ['n1'], taskId: '1.tasks/0' }),
  ev(result('n1', '1.tasks/0', 'changed')),
  ev({ type: 'batch.end', play: 'roll', playIndex: 1, index: 0, finished: ['n1'] }),
  ev({ type: 'task.start', name: 'one', hosts: ['n2'], taskId: '1.tasks/0' }),
  ev({ type: 'task.result', taskId: '1.tasks/0', item: 'x', result: { host: 'n2', task: 'one', status: 'changed' } }),
  ev(result('n2', '1.tasks/0', 'changed')),
  ev({ type: 'task.start', name: 'two', hosts: ['n2'], taskId: '1.tasks/1' }),
];

describe('journal: the resume state of a failed or interrupted run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-resume-'));
    mkdirSync(join(dir, 'runs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (id: string, lines: string[], trailing = '\n') => writeFileSync(join(dir, 'runs', `${id}.jsonl`), lines.join('\n') + trailing);
  const load = (id: string) => loadResumeState(id, dir, { isAlive: () => false });
  const refusal = (id: string): string => {
    try {
      load(id);
    } catch (err) {
      expect(err).to.be.instanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('a killed run (no end line, torn last line): finished hosts, completed results in order, the task in flight', () => {
    write('a', [...RUN_A, '{"kind":"event","at":"x","event":{"type":"task.res'], '');
    const state = load('a');
    expect(state).to.include({ runId: 'a', fingerprint: 'fp', command: 'drydock play site.yml', cwd: '/w' });
    expect(state.argv).to.deep.equal(['play', 'site.yml']);
    const prep = state.plays.get(0)!;
    expect(prep.hosts.get('n2')).to.deep.include({ finished: 'a' });
    expect(prep.hosts.get('n2')!.results[0]).to.deep.include({ taskId: '0.tasks/0', facts: { token: 't2' }, runId: 'a' });
    const roll = state.plays.get(1)!;
    expect(roll.hosts.get('n1')!.finished).to.equal('a');
    const n2 = roll.hosts.get('n2')!;
    expect(n2.finished).to.equal(undefined);
    // One result per host per task: the loop item's line does not count.
    expect(n2.results.map((r) => `${r.taskId} ${r.status}`)).to.deep.equal(['1.tasks/0 changed']);
    expect(n2.stoppedAt).to.deep.equal({ taskId: '1.tasks/1', task: 'two', reason: 'interrupted', runId: 'a' });
    expect(describeResume(state)).to.deep.equal([
      'play 1 "prep":',
      '  done, left out: n1, n2',
      'play 2 "roll":',
      '  done, left out: n1',
      '  n2: 1 task(s) done (not run again); interrupted at task "two" in run a (it was running when the controller of that run died: it may have completed on the host); restarts at that task',
    ]);
  });

  it('a chain: the resumed run\'s replays are not counted twice, its new results and failures are', () => {
    write('a', [...RUN_A, end(130, true)]);
    write('b', [
      header('b', { resumes: 'a', argv: ['play', 'site.yml', '--resume', 'a'] }),
      ev({ ...RUN_START, runId: 'b' }),
      ev({ type: 'play.start', name: 'roll', hosts: ['n2'], playIndex: 1 }),
      ev({ type: 'task.start', name: 'one', hosts: ['n2'], taskId: '1.tasks/0' }),
      ev({ ...(result('n2', '1.tasks/0', 'ok') as object), replayedFrom: 'a' } as RunEvent),
      ev({ type: 'task.start', name: 'two', hosts: ['n2'], taskId: '1.tasks/1' }),
      ev({ type: 'task.result', taskId: '1.tasks/1', result: { host: 'n2', task: 'two', status: 'failed', msg: 'apt says no\nmore' } }),
      ev({ type: 'batch.end', play: 'roll', playIndex: 1, index: 0, finished: [] }),
      end(2),
    ]);
    const state = load('b');
    expect(state.chain).to.deep.equal(['a', 'b']);
    expect(state.argv).to.deep.equal(['play', 'site.yml', '--resume', 'a']);
    const n2 = state.plays.get(1)!.hosts.get('n2')!;
    expect(n2.results.map((r) => `${r.taskId} ${r.runId}`)).to.deep.equal(['1.tasks/0 a']);
    expect(n2.stoppedAt).to.deep.include({ taskId: '1.tasks/1', reason: 'failed', runId: 'b', msg: 'apt says no\nmore' });
    expect(describeResume(state).at(-1)).to.equal('  n2: 1 task(s) done (not run again); failed at task "two" in run b (apt says no); restarts at that task');
    // Run a was resumed by b: resuming a again would ignore what b did.
    expect(refusal('a')).to.equal('run a was already resumed by run b; resume that one instead (drydock resume b)');
  });

  it('refuses: no journal, a bad run id, a run that succeeded, a run still running, a run without task records', () => {
    expect(refusal('nope')).to.match(/^no journal for run nope in .*runs \(see drydock runs/);
    expect(refusal('../etc/passwd')).to.equal('"../etc/passwd" is not a run id (see drydock runs)');
    write('ok', [header('ok'), ev(RUN_START), end(0)]);
    expect(refusal('ok')).to.equal('run ok finished successfully (exit 0): nothing to resume');
    write('live', [header('live', { pid: 4242 }), ev(RUN_START)]);
    expect(() => loadResumeState('live', dir, { isAlive: (pid) => pid === 4242 })).to.throw(UsageError, 'run live is still running (pid 4242)');
    write('old', [header('old'), ev({ type: 'run.start', runId: 'old', command: 'play', hosts: [], forks: 1, at: 'x' }), end(2)]);
    expect(refusal('old')).to.match(/^run old has no playbook task records/);
  });

  it('a resume that was refused before its first task (lock held) neither blocks nor hides anything', () => {
    write('a', [...RUN_A, end(130, true)]);
    // b resumed a but stopped before run.start; c resumed b and got work done; d resumed c and was refused too.
    write('b', [header('b', { resumes: 'a', argv: ['play', 'site.yml', '-e', 'pw=x', '--resume', 'a'] }), end(1)]);
    // a can be resumed again (b did nothing)...
    expect(load('a').chain).to.deep.equal(['a']);
    // ...and so can b: it stands for a, with b's own command line.
    const viaB = load('b');
    expect(viaB).to.include({ runId: 'b' });
    expect(viaB.chain).to.deep.equal(['a']);
    expect(viaB.argv).to.deep.equal(['play', 'site.yml', '-e', 'pw=x', '--resume', 'a']);
    write('c', [header('c', { resumes: 'b' }), ev({ ...RUN_START, runId: 'c' }), end(2)]);
    write('d', [header('d', { resumes: 'c' }), end(1)]);
    // Once c did work, a and b are superseded by it; d (nothing done) does not supersede c.
    expect(refusal('a')).to.equal('run a was already resumed by run c; resume that one instead (drydock resume c)');
    expect(refusal('b')).to.equal('run b was already resumed by run c; resume that one instead (drydock resume c)');
    expect(load('c').chain).to.deep.equal(['a', 'c']);
    expect(load('d').chain).to.deep.equal(['a', 'c']);
  });

  it('refuses a chain whose runs ran different playbooks', () => {
    const a = parseJournalText(`${RUN_A.join('\n')}\n`);
    const b = parseJournalText(`${[header('b', { resumes: 'a' }), ev({ ...RUN_START, playbookFingerprint: 'other' })].join('\n')}\n`);
    expect(() => buildResumeState([a, b])).to.throw(UsageError, 'run b ran a different playbook than run a it resumed');
  });

  it('a file that is not a journal is refused clearly', () => {
    expect(() => parseJournalText('hello\n', '/x.jsonl')).to.throw(UsageError, '/x.jsonl is not a drydock run journal');
  });

  it('the journal header records the arguments (secrets masked) and the run it resumes; drydock runs shows the links', () => {
    const bus = new EventBus();
    const journal = startRunJournal(bus, 'b', { argv: ['play', 'x.yml', '-e', 'db_password=hunter2 user=me', '--resume', 'a'], stateDir: dir, warn: () => undefined, resumes: 'a' })!;
    journal.close({ exitCode: 0 });
    const first = JSON.parse(readFileSync(journal.path, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(first).to.include({ resumes: 'a' });
    expect(first['argv']).to.deep.equal(['play', 'x.yml', '-e', 'db_password=[REDACTED] user=me', '--resume', 'a']);
    expect(first['command']).to.equal("drydock play x.yml -e 'db_password=[REDACTED] user=me' --resume a");
    write('a', [...RUN_A, end(2)]);
    const runs = listRuns({ stateDir: dir, isAlive: () => false });
    expect(runs.find((r) => r.id === 'a')).to.include({ resumedBy: 'b', resumes: null });
    expect(runs.find((r) => r.id === 'b')).to.include({ resumes: 'a', resumedBy: null });
    const table = formatRunsTable(runs);
    expect(table).to.match(/\ba\s+\S+\s+failed, resumed by b\b/);
    expect(table).to.match(/\bb\s+\S+\s+ok, resumes a\b/);
  });

  it('a cluster lock held by a dead run of the chain may be taken over; a live one or another run\'s may not', () => {
    const here = hostname();
    expect(lockHeldByDeadChainRun(`root@${here}/4242/run-a`, ['run-a', 'run-b'], () => false)).to.equal(true);
    expect(lockHeldByDeadChainRun(`root@${here}/4242/run-a`, ['run-a'], () => true)).to.equal(false);
    expect(lockHeldByDeadChainRun(`root@${here}/4242/run-x`, ['run-a'], () => false)).to.equal(false);
    expect(lockHeldByDeadChainRun('root@other-machine/4242/run-a', ['run-a'], () => false)).to.equal(false);
    expect(lockHeldByDeadChainRun('garbage', ['run-a'])).to.equal(false);
  });
});
