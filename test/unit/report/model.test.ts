import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import type { JournalLine } from '../../../src/journal/journal.js';
import { buildReportModel } from '../../../src/report/model.js';
import { TAIL_CHARS } from '../../../src/report/output.js';
import { syntheticJournal } from '../../helpers/synthetic-journal.js';

const T0 = Date.parse('2026-12-07T02:00:00Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

/** A journal written by hand: header at 0, events at the given offsets, optional end. */
function journal(runId: string, events: Array<[number, RunEvent]>, end?: { at: number; exitCode: number; interrupted?: boolean }, resumes?: string, start = 0): JournalLine[] {
  return [
    { kind: 'header', format: 1, runId, command: `drydock play site.yaml (${runId})`, cwd: '/', started: iso(start), version: '0', host: 'ctl', user: 'ops', pid: 1, ...(resumes ? { resumes } : {}) },
    ...events.map(([at, event]): JournalLine => ({ kind: 'event', at: iso(at), event })),
    ...(end ? [{ kind: 'end' as const, ended: iso(end.at), exitCode: end.exitCode, interrupted: end.interrupted === true }] : []),
  ];
}

const result = (host: string, task: string, status: 'ok' | 'changed' | 'failed' | 'unreachable', taskId: string, ms?: number, extra: Record<string, unknown> = {}): RunEvent => ({
  type: 'task.result',
  taskId,
  result: { host, task, status, ...(ms !== undefined ? { ms } : {}), ...extra },
});

describe('report: journal → view model', () => {
  it('one run: hosts, tasks with their marks, results with times, batches, the failed host, the plan and who ran it', () => {
    const data = buildReportModel([syntheticJournal({ hosts: 6, tasks: 5, batchSize: 3, failHost: 1, failAtTask: 2 })]);
    expect(data.hosts).to.deep.equal(['node-001', 'node-002', 'node-003', 'node-004', 'node-005', 'node-006']);
    expect(data.tasks.map((t) => [t.name, t.mark])).to.deep.equal([
      ['task 1', null],
      ['task 2', 'drain'],
      ['task 3', null],
      ['task 4', null],
      ['task 5', 'reboot'],
    ]);
    // 6 hosts × 5 tasks, less the two tasks the failed host did not reach.
    expect(data.results).to.have.length(28);
    const failed = data.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => [data.hosts[r.host], data.tasks[r.task]!.name])).to.deep.equal([['node-002', 'task 3']]);
    expect(data.outputs[failed[0]!.out!]).to.contain('E: boom');
    expect(data.failed).to.deep.equal([{ host: 'node-002', task: 'task 3', status: 'failed', msg: 'non-zero return code', run: 'run-1' }]);
    expect(data.batches.map((b) => b.hosts.map((h) => data.hosts[h]))).to.deep.equal([
      ['node-001', 'node-002', 'node-003'],
      ['node-004', 'node-005', 'node-006'],
    ]);
    expect(data.batches[1]!.start).to.be.at.least(data.batches[0]!.end);
    expect(data.plans).to.deep.equal(['upgrade 1.36.3 → 1.37.2\n6 nodes in batches of 3']);
    expect(data.runs).to.have.length(1);
    expect(data.runs[0]).to.include({ runId: 'run-1', user: 'admin', exitCode: 2, outcome: 'failed' });
    expect(data.recap).to.have.property('node-002');
    for (const r of data.results) expect(r.start + r.ms).to.be.at.most(data.span);
  });

  it('a drain: where it starts and ends, how long it was blocked and by which budget and pod', () => {
    const data = buildReportModel([syntheticJournal({ hosts: 3, tasks: 3 })]);
    expect(data.drains).to.have.length(1);
    const drain = data.drains[0]!;
    expect(data.hosts[drain.host]).to.equal('node-001');
    expect(drain).to.include({ node: 'node-001', ok: true, blockedMs: 65_000 });
    expect(drain.end - drain.start).to.equal(66_000);
    expect(drain.blockers.map((b) => [b.pod, b.pdbs])).to.deep.equal([['default/web-a', ['default/web-pdb']]]);
  });

  it('times a task from its result (ms) or from its task.start; loop items and replays are not extra bars', () => {
    const data = buildReportModel([
      journal(
        'r1',
        [
          [1000, { type: 'play.start', name: 'p', hosts: ['a', 'b'], playIndex: 0 }],
          [1000, { type: 'task.start', name: 'loop', hosts: ['a', 'b'], taskId: '0.tasks/0', module: 'command' }],
          [2000, { type: 'task.result', taskId: '0.tasks/0', item: 'x', result: { host: 'a', task: 'loop', status: 'ok' } }],
          [4000, result('a', 'loop', 'ok', '0.tasks/0')],
          [5000, result('b', 'loop', 'changed', '0.tasks/0', 1500)],
          [6000, { ...(result('b', 'again', 'ok', '0.tasks/1') as Extract<RunEvent, { type: 'task.result' }>), replayedFrom: 'r0' }],
        ],
        { at: 7000, exitCode: 0 },
      ),
    ]);
    expect(data.results.map((r) => [data.hosts[r.host], r.status, r.start, r.ms])).to.deep.equal([
      ['a', 'ok', 1000, 3000],
      ['b', 'changed', 3500, 1500],
    ]);
    expect(data.runs[0]).to.include({ outcome: 'ok', exitCode: 0, ended: 7000 });
  });

  it('an interrupted run without an end line: the tasks it had running show as running until its last line', () => {
    const data = buildReportModel([
      journal('r1', [
        [0, { type: 'play.start', name: 'p', hosts: ['a', 'b'], playIndex: 0 }],
        [1000, { type: 'task.start', name: 'upgrade kubelet', hosts: ['a', 'b'], taskId: '0.tasks/0', module: 'apt' }],
        [3000, result('a', 'upgrade kubelet', 'changed', '0.tasks/0', 2000)],
        [9000, { type: 'warning', message: 'still waiting on b' }],
      ]),
    ]);
    const running = data.results.filter((r) => r.status === 'running');
    expect(running.map((r) => [data.hosts[r.host], r.start, r.ms])).to.deep.equal([['b', 1000, 8000]]);
    expect(data.failed.map((f) => [f.host, f.status])).to.deep.equal([['b', 'running']]);
    expect(data.runs[0]).to.include({ outcome: 'interrupted', ended: null, exitCode: null });
    expect(data.warnings).to.have.length(1);
  });

  it('a resumed chain: one task column per task id, each run its own results and times, failures named with their run', () => {
    const first = journal(
      'r1',
      [
        [0, { type: 'play.start', name: 'p', hosts: ['a'], playIndex: 0 }],
        [0, { type: 'task.start', name: 't1', hosts: ['a'], taskId: '0.tasks/0' }],
        [1000, result('a', 't1', 'ok', '0.tasks/0', 1000)],
        [1000, { type: 'task.start', name: 't2', hosts: ['a'], taskId: '0.tasks/1' }],
        [2000, result('a', 't2', 'failed', '0.tasks/1', 1000, { msg: 'boom' })],
      ],
      { at: 2500, exitCode: 2 },
    );
    const second = journal(
      'r2',
      [
        [60_000, { type: 'play.start', name: 'p', hosts: ['a'], playIndex: 0 }],
        [60_000, { type: 'task.start', name: 't1', hosts: ['a'], taskId: '0.tasks/0' }],
        [60_000, { ...(result('a', 't1', 'ok', '0.tasks/0') as Extract<RunEvent, { type: 'task.result' }>), replayedFrom: 'r1' }],
        [60_000, { type: 'task.start', name: 't2', hosts: ['a'], taskId: '0.tasks/1' }],
        [61_000, result('a', 't2', 'changed', '0.tasks/1', 1000)],
      ],
      { at: 62_000, exitCode: 0 },
      'r1',
      60_000,
    );
    const data = buildReportModel([first, second]);
    expect(data.runId).to.equal('r2');
    expect(data.runs.map((r) => [r.runId, r.outcome, r.resumes])).to.deep.equal([
      ['r1', 'failed', null],
      ['r2', 'ok', 'r1'],
    ]);
    expect(data.tasks.map((t) => t.name)).to.deep.equal(['t1', 't2']);
    expect(data.results.map((r) => [r.run, data.tasks[r.task]!.name, r.status, r.start])).to.deep.equal([
      [0, 't1', 'ok', 0],
      [0, 't2', 'failed', 1000],
      [1, 't2', 'changed', 60_000],
    ]);
    expect(data.failed).to.deep.equal([{ host: 'a', task: 't2', status: 'failed', msg: 'boom', run: 'r1' }]);
    expect(data.span).to.equal(62_000);
  });

  it('a chain resumed hours later: the pause is cut to a minute on the timeline, and each run says what was cut', () => {
    const event = (at: number, host: string): Array<[number, RunEvent]> => [
      [at, { type: 'task.start', name: 't', hosts: [host], taskId: '0.tasks/0' }],
      [at + 1000, result(host, 't', 'ok', '0.tasks/0', 1000)],
    ];
    const tenHours = 10 * 3600_000;
    const data = buildReportModel([
      journal('r1', event(0, 'a'), { at: 2000, exitCode: 2 }),
      journal('r2', event(tenHours + 500, 'b'), { at: tenHours + 3000, exitCode: 0 }, 'r1', tenHours),
    ]);
    const cut = tenHours - 2000 - 60_000;
    expect(data.runs.map((r) => [r.started, r.ended, r.cutBefore, r.gapBefore])).to.deep.equal([
      [0, 2000, 0, 0],
      [62_000, 65_000, cut, tenHours - 2000],
    ]);
    expect(data.results.map((r) => r.start)).to.deep.equal([0, 62_500]);
    expect(data.span).to.equal(65_000);
  });

  it('API outages from the lock: down then up, and one never seen back runs to the end', () => {
    const data = buildReportModel([
      journal(
        'r1',
        [
          [1000, { type: 'api.outage', state: 'down', message: 'the cluster lock could not be renewed: ECONNREFUSED' }],
          [21_000, { type: 'api.outage', state: 'up', downMs: 20_000 }],
          [30_000, { type: 'api.outage', state: 'down', message: 'again' }],
        ],
        { at: 40_000, exitCode: 1 },
      ),
    ]);
    expect(data.outages).to.deep.equal([
      { start: 1000, end: 21_000, message: 'the cluster lock could not be renewed: ECONNREFUSED' },
      { start: 30_000, end: null, message: 'again' },
    ]);
  });

  it('a drain the run died in: blocked until the journal ends, no verdict', () => {
    const data = buildReportModel([
      journal('r1', [
        [0, { type: 'task.start', name: 'drain', hosts: ['w1'], taskId: '0.tasks/0', module: 'kube_drain' }],
        [2000, { type: 'drain.blocked', host: 'w1', node: 'w1', pod: 'default/db-0', pdbs: [], message: 'refused' }],
        [50_000, { type: 'status', waitingOn: ['default/db-0'], task: 'kube_drain w1', elapsedMs: 50_000 }],
      ]),
    ]);
    expect(data.drains).to.have.length(1);
    expect(data.drains[0]).to.include({ start: 2000, end: 50_000, ok: null });
  });

  it('drydock run journals (host.result) become one "command" task', () => {
    const data = buildReportModel([journal('r1', [[500, { type: 'host.result', result: { host: 'a', task: 'uptime', status: 'ok', ms: 300, stdout: 'up 3 days' } }]], { at: 600, exitCode: 0 })]);
    expect(data.tasks.map((t) => [t.name, t.module])).to.deep.equal([['uptime', 'command']]);
    expect(data.results[0]).to.include({ start: 200, ms: 300 });
    expect(data.outputs[data.results[0]!.out!]).to.equal('stdout:\nup 3 days');
  });

  it('keeps output tails bounded', () => {
    const big = `${'x'.repeat(100_000)}\nlast line`;
    const data = buildReportModel([journal('r1', [[500, { type: 'host.result', result: { host: 'a', task: 'c', status: 'failed', ms: 1, stdout: big, stderr: big, msg: big } }]], { at: 600, exitCode: 2 })]);
    const out = data.outputs[0]!;
    expect(out.length).to.be.below(3 * TAIL_CHARS + 100);
    expect(out).to.contain('last line');
  });
  it('nodes before and after: the chain\'s first read before, its last run\'s read after, changes and the API servers', () => {
    const versions = (phase: 'before' | 'after', kubelet: Record<string, string>, apiServers?: Array<{ node: string; version: string }>): RunEvent => ({
      type: 'nodes.versions',
      phase,
      rows: Object.entries(kubelet).map(([name, kubeletVersion]) => ({ name, kubeletVersion, ready: name !== 'w2', cordoned: name === 'w2' })),
      ...(apiServers ? { apiServers } : {}),
    });
    const data = buildReportModel([
      journal('r1', [[0, versions('before', { cp1: 'v1.36.3', w1: 'v1.36.3', w2: 'v1.36.3' }, [{ node: 'cp1', version: 'v1.36.3' }])], [9000, versions('after', { cp1: 'v1.37.2', w1: 'v1.36.3', w2: 'v1.36.3' })]], { at: 9500, exitCode: 2 }),
      journal('r2', [[20_000, versions('before', { cp1: 'v1.37.2', w1: 'v1.36.3', w2: 'v1.36.3' })], [30_000, versions('after', { cp1: 'v1.37.2', w1: 'v1.37.2', w2: 'v1.37.2' }, [{ node: 'cp1', version: 'v1.37.2' }])]], { at: 31_000, exitCode: 0 }, 'r1', 20_000),
    ]);
    expect(data.nodeVersions).to.deep.equal({
      nodes: [
        { name: 'cp1', before: 'v1.36.3', after: 'v1.37.2', ready: true, cordoned: false, changed: true },
        { name: 'w1', before: 'v1.36.3', after: 'v1.37.2', ready: true, cordoned: false, changed: true },
        { name: 'w2', before: 'v1.36.3', after: 'v1.37.2', ready: false, cordoned: true, changed: true },
      ],
      apiServers: [{ node: 'cp1', before: 'v1.36.3', after: 'v1.37.2', changed: true }],
      hasBefore: true,
      hasAfter: true,
      beforeError: null,
      afterError: null,
    });
  });

  it('nodes before and after: an unreadable API is kept as the error; a last run without its after read has no after', () => {
    const data = buildReportModel([
      journal('r1', [[0, { type: 'nodes.versions', phase: 'before', error: 'connect ECONNREFUSED 10.0.0.1:6443' }], [5000, { type: 'nodes.versions', phase: 'after', rows: [{ name: 'w1', kubeletVersion: 'v1.36.3', ready: true, cordoned: false }] }]], { at: 5500, exitCode: 2 }),
      journal('r2', [[9000, { type: 'nodes.versions', phase: 'before', rows: [{ name: 'w1', kubeletVersion: 'v1.36.3', ready: true, cordoned: false }] }]], undefined, 'r1', 9000),
    ]);
    expect(data.nodeVersions).to.deep.include({ beforeError: 'connect ECONNREFUSED 10.0.0.1:6443', hasBefore: true, hasAfter: false, afterError: null });
    expect(data.nodeVersions!.nodes).to.deep.equal([]);
    expect(buildReportModel([journal('r3', [], { at: 10, exitCode: 0 })]).nodeVersions).to.equal(null);
  });
});
