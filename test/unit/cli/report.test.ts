/**
 * `drydock report` and `--html` as functions: the report written from the journal a run left (controller-only
 * modules: no host is contacted), a report that cannot be written is a warning that leaves the exit code alone,
 * and `drydock report` of a resumed run joins the chain.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import { playCommand } from '../../../src/cli/commands/play.js';
import { reportCommand } from '../../../src/cli/commands/report.js';
import type { ReportData } from '../../../src/report/model.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';
import { captureStreams as capture, playOptions as options } from '../../helpers/play-options.js';
import { syntheticJournal } from '../../helpers/synthetic-journal.js';

function blob(html: string): ReportData {
  const m = /<script type="application\/json" id="drydock-report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data blob');
  return JSON.parse(m[1]!) as ReportData;
}

describe('drydock report and --html (command functions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-report-cmd-'));
  const stateDir = join(dir, 'state');
  const book = join(dir, 'site.yml');
  let saved: string | undefined;
  before(() => {
    saved = process.env['DRYDOCK_STATE_DIR'];
    process.env['DRYDOCK_STATE_DIR'] = stateDir;
    writeFileSync(book, `- name: Greet\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: refuse beta\n      fail: { msg: "beta says no" }\n      when: inventory_hostname == 'beta'\n`);
  });
  after(() => {
    if (saved === undefined) delete process.env['DRYDOCK_STATE_DIR'];
    else process.env['DRYDOCK_STATE_DIR'] = saved;
  });

  it('--html writes the report of the run when it ends, with the plan the run recorded', async () => {
    const c = capture();
    const html = join(dir, 'run.html');
    expect(await playCommand(book, options({ html }), c.streams, offlinePlanPorts())).to.equal(2);
    expect(c.out.stdout).to.contain(`run report: ${html}`);
    expect(statSync(html).mode & 0o777).to.equal(0o600);
    const data = blob(readFileSync(html, 'utf8'));
    expect(data.hosts).to.deep.equal(['alpha', 'beta']);
    expect(data.plans).to.deep.equal([`playbook ${book}\nplay 1 "Greet": 2 hosts: alpha, beta\n`]);
    expect(data.failed.map((f) => [f.host, f.msg])).to.deep.equal([['beta', 'beta says no']]);
    expect(data.runs[0]).to.include({ exitCode: 2, outcome: 'failed' });
  });

  it('a report that cannot be written is a warning; the run keeps its exit code', async () => {
    const c = capture();
    const html = join(dir, 'no-such-folder', 'run.html');
    expect(await playCommand(book, options({ html }), c.streams, offlinePlanPorts())).to.equal(2);
    expect(c.out.stderr).to.match(/drydock: warning: the run report .*no-such-folder\/run\.html could not be written \(drydock report \S+ -o FILE tries again\)/);
  });

  it('drydock report joins a resumed run with the runs it continues, and refuses a run with no journal', async () => {
    const runs = join(stateDir, 'runs');
    mkdirSync(runs, { recursive: true });
    const write = (id: string, lines: unknown[]): void => writeFileSync(join(runs, `${id}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    write('chain-1', syntheticJournal({ runId: 'chain-1', hosts: 2, tasks: 2, failHost: 1, failAtTask: 1 }));
    write('chain-2', syntheticJournal({ runId: 'chain-2', hosts: 2, tasks: 2, failHost: -1, resumes: 'chain-1', start: Date.parse('2026-12-07T04:00:00Z') }));
    const out = join(dir, 'chain.html');
    const c = capture();
    expect(await reportCommand('chain-2', { output: out }, c.streams.stdout, stateDir)).to.equal(0);
    expect(c.out.stdout).to.equal(`report of run chain-2: ${out}\n`);
    const data = blob(readFileSync(out, 'utf8'));
    expect(data.runs.map((r) => r.runId)).to.deep.equal(['chain-1', 'chain-2']);
    const older = capture();
    expect(await reportCommand('chain-1', { output: join(dir, 'older.html') }, older.streams.stdout, stateDir)).to.equal(0);
    expect(older.out.stdout).to.contain('run chain-1 was resumed by run chain-2: drydock report chain-2 shows both');
    expect(blob(readFileSync(join(dir, 'older.html'), 'utf8')).runs.map((r) => r.runId)).to.deep.equal(['chain-1']);
    await reportCommand('missing', { output: join(dir, 'x.html') }, c.streams.stdout, stateDir).then(
      () => expect.fail('reported a run without a journal'),
      (err: unknown) => expect(err).to.be.instanceOf(UsageError),
    );
  });
});
