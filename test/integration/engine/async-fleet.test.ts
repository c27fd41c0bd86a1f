/**
 * async / poll and async_status against a real loopback sshd host, compared with ansible-playbook 2.14.18's
 * run of the same playbook (test/fixtures/ansible/play-semantics/async.*). The jobs are judged on the host:
 * a fire-and-forget job is still running after its task returned, then writes its file.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { fixtureText, recapOf, recorded } from '../../unit/engine/ansible-recorded.js';

interface ReportResult { host: string; status: string; rc?: number; stdout?: string; stderr?: string; msg?: string; data?: Record<string, unknown> }
interface Report { stats: Record<string, unknown>; plays: { tasks: { task: string; results: ReportResult[] }[] }[] }

describe('async / poll and async_status on a loopback host', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    fleet = await startFleet({ hosts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-async-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('poll: 0 returns a job id at once, async_status follows it to its end; poll: N waits; too slow fails; as Ansible', async () => {
    const ansible = recorded('play-semantics', 'async');
    const book = join(dir, 'async.yml');
    writeFileSync(book, fixtureText('play-semantics', 'async.yml').replace('hosts: h1', 'hosts: all'));
    const report = join(dir, 'report.json');
    const res = await runDrydock(['play', book, '-i', fleet.inventoryFile, '--report', report], { stateDir: join(dir, 'state') });
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    const got = JSON.parse(readFileSync(report, 'utf8')) as Report;
    const host = fleet.hosts[0]!.name;
    const result = (task: string): ReportResult => got.plays[0]!.tasks.find((t) => t.task === task)!.results[0]!;
    const want = (task: string) => ansible.plays[0]!.tasks.find((t) => t.task === task)!.hosts['h1'] as Record<string, unknown>;
    const data = (task: string): Record<string, unknown> => ({ ...result(task).data, rc: result(task).rc, stdout: result(task).stdout, stderr: result(task).stderr, msg: result(task).msg });

    const fired = data('fire and forget');
    expect(fired['ansible_job_id']).to.match(/^j\d+\.\d+$/);
    expect({ finished: fired['finished'], started: fired['started'] }).to.deep.equal({ finished: want('fire and forget')['finished'], started: 1 });
    const checked = data('check on it');
    expect({ finished: checked['finished'], rc: checked['rc'], stdout: checked['stdout'] }).to.deep.equal({ finished: 1, rc: 0, stdout: want('check on it')['stdout'] });
    expect(checked['attempts']).to.be.greaterThan(1);
    const waited = data('waited');
    expect({ finished: waited['finished'], stdout: waited['stdout'], stderr: waited['stderr'] }).to.deep.equal({ finished: 1, stdout: want('waited')['stdout'], stderr: want('waited')['stderr'] });
    expect(result('too slow').status).to.equal('ignored');
    expect(result('too slow').msg).to.equal(want('too slow')['msg']);
    expect({ rc: result('failing job').rc, status: result('failing job').status }).to.deep.equal({ rc: want('failing job')['rc'], status: 'ignored' });
    expect(got.stats).to.deep.equal({ [host]: recapOf(ansible)['h1'] });
  });

  it('a fire-and-forget job outlives its task and the connection', async () => {
    const mark = join(dir, 'late-mark');
    const book = join(dir, 'late.yml');
    writeFileSync(book, `- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: sleep 2; touch ${mark}\n      async: 20\n      poll: 0\n`);
    const res = await runDrydock(['play', book, '-i', fleet.inventoryFile], { stateDir: join(dir, 'state2') });
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    expect(existsSync(mark)).to.equal(false);
    await new Promise((r) => setTimeout(r, 3500));
    expect(existsSync(mark)).to.equal(true);
  });
});
