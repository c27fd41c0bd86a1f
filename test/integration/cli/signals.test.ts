/**
 * SIGTERM and SIGHUP through the real CLI against the loopback fleet: treated as Ctrl-C (no new task, recap,
 * journal closed as interrupted), the running remote commands ended after the grace period
 * (DRYDOCK_STOP_GRACE) or at once on a second signal (read back: the process is gone on the host), and the
 * exit code is 128 + the signal. After SIGKILL, `drydock runs` and `drydock resume` name the tasks in flight.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { runDrydock } from '../../helpers/cli.js';
import { holdPlaybook, startDrydock, waitFor } from '../../helpers/cli-process.js';
import { processAlive } from '../../../src/util/process-alive.js';

const pidOf = (dir: string, host: string): number => Number(readFileSync(join(dir, `${host}.pid`), 'utf8').trim());

describe('SIGTERM and SIGHUP stop a run as Ctrl-C does; SIGKILL leaves a journal that names what was in flight', function () {
  this.timeout(180_000);
  let fleet: Fleet;
  let root: string;
  let n = 0;

  before(async () => {
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.61.1' });
    root = mkdtempSync(join(tmpdir(), 'drydock-signals-'));
  });
  after(async () => {
    await fleet?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const fresh = (): { dir: string; state: string } => {
    const dir = join(root, `case-${++n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'gate'), '');
    return { dir, state: join(dir, 'state') };
  };
  const journalLines = (state: string, runId: string): Array<Record<string, unknown>> =>
    readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const hostPids = (dir: string): number[] => fleet.hosts.map((h) => pidOf(dir, h.name));
  const allStarted = (dir: string) => (): boolean => fleet.hosts.every((h) => existsSync(join(dir, `${h.name}.pid`)));

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: recap, journal closed as interrupted, the remote commands ended after the grace period, exit ${code}`, async () => {
      const { dir, state } = fresh();
      const run = startDrydock(['play', holdPlaybook(dir), '-i', fleet.inventoryFile], { DRYDOCK_STATE_DIR: state, DRYDOCK_STOP_GRACE: '1' });
      await waitFor('the hold task on every host', allStarted(dir));
      const pids = hostPids(dir);
      expect(pids.every(processAlive)).to.equal(true);
      const sent = Date.now();
      run.child.kill(signal);
      const result = await run.done;
      const output = result.stdout + result.stderr;
      expect(result.code, output).to.equal(code);
      expect(Date.now() - sent, 'ended by the 1 s grace, not by the gate').to.be.below(15_000);
      expect(result.stdout).to.contain('PLAY RECAP');
      expect(pids.some(processAlive), 'the held commands are gone from the hosts').to.equal(false);
      for (const host of fleet.hosts) expect(existsSync(join(dir, `${host.name}.after`)), 'no new task started').to.equal(false);
      const runId = /run id: ([0-9a-f-]{36})/.exec(result.stdout)![1]!;
      expect(journalLines(state, runId).at(-1)).to.include({ kind: 'end', interrupted: true, exitCode: code });
    });
  }

  it('a second signal ends the running commands at once, without waiting for the grace period', async () => {
    const { dir, state } = fresh();
    const run = startDrydock(['play', holdPlaybook(dir), '-i', fleet.inventoryFile], { DRYDOCK_STATE_DIR: state, DRYDOCK_STOP_GRACE: '600' });
    await waitFor('the hold task on every host', allStarted(dir));
    const pids = hostPids(dir);
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    expect(pids.every(processAlive), 'the first SIGTERM lets running commands go on').to.equal(true);
    const sent = Date.now();
    run.child.kill('SIGHUP');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).to.equal(143);
    expect(Date.now() - sent).to.be.below(15_000);
    expect(pids.some(processAlive)).to.equal(false);
    expect(result.stdout).to.contain('PLAY RECAP');
  });

  it('drydock run: SIGTERM gives the recap, a closed journal, the command ended and exit 143', async () => {
    const { dir, state } = fresh();
    const host = fleet.hosts[0]!.name;
    const run = startDrydock(['run', host, '-i', fleet.inventoryFile, '--', `echo $$ > ${dir}/${host}.pid; while [ -e ${dir}/gate ]; do sleep 0.1; done`], {
      DRYDOCK_STATE_DIR: state,
      DRYDOCK_STOP_GRACE: '1',
    });
    await waitFor('the command on the host', () => existsSync(join(dir, `${host}.pid`)));
    const pid = pidOf(dir, host);
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).to.equal(143);
    expect(result.stdout).to.contain('RECAP');
    expect(processAlive(pid)).to.equal(false);
    const runs = JSON.parse((await runDrydock(['runs', '--json'], { stateDir: state })).stdout) as Array<{ outcome: string; exitCode: number }>;
    expect(runs.map((r) => [r.outcome, r.exitCode])).to.deep.equal([['interrupted', 143]]);
  });

  it('after SIGKILL, drydock runs and drydock resume name the tasks in flight (they may have completed)', async () => {
    const { dir, state } = fresh();
    const playbook = holdPlaybook(dir);
    const run = startDrydock(['play', playbook, '-i', fleet.inventoryFile], { DRYDOCK_STATE_DIR: state });
    await waitFor('the hold task on every host', allStarted(dir));
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).to.equal('SIGKILL');
    rmSync(join(dir, 'gate')); // the orphaned commands end; the resume runs the hold task again

    const listed = await runDrydock(['runs', '--json'], { stateDir: state });
    const [summary] = JSON.parse(listed.stdout) as Array<{ outcome: string; inFlight: Array<{ host: string; task: string }> }>;
    expect(summary!.outcome).to.equal('interrupted');
    expect(summary!.inFlight).to.have.deep.members(fleet.hosts.map((h) => ({ host: h.name, task: 'hold' })));
    const table = await runDrydock(['runs'], { stateDir: state });
    expect(table.stdout).to.contain('may have completed').and.contain(`${fleet.hosts[0]!.name}: hold`);

    const runId = /run id: ([0-9a-f-]{36})/.exec(killed.stdout)![1]!;
    // The tasks in flight may have completed: resume asks first, and --yes answers.
    const resumed = await runDrydock(['resume', runId, '--yes'], { stateDir: state });
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0);
    for (const host of fleet.hosts) {
      expect(resumed.stdout).to.contain(`${host.name}: 0 task(s) done (not run again); interrupted at task "hold"`);
      expect(existsSync(join(dir, `${host.name}.after`))).to.equal(true);
    }
    expect(resumed.stdout).to.contain('it may have run in full');
  });
});
