/**
 * The local run locks through the real CLI on the loopback fleet: a second `drydock play` on overlapping
 * hosts is refused with the holder named (and touches no host), runs on other hosts and --check runs go
 * ahead, a lock left by a killed run is taken over, and of two `drydock resume` of one run exactly one
 * proceeds.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { runDrydock } from '../../helpers/cli.js';
import { holdPlaybook, startDrydock, waitFor } from '../../helpers/cli-process.js';

describe('local run locks: one run per host, one resume per run', function () {
  this.timeout(240_000);
  let fleet: Fleet;
  let root: string;
  let n = 0;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.62.1' });
    root = mkdtempSync(join(tmpdir(), 'drydock-run-lock-'));
  });
  after(async () => {
    await fleet?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const fresh = (): string => {
    const dir = join(root, `case-${++n}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'gate'), '');
    return dir;
  };
  const names = (): string[] => fleet.hosts.map((h) => h.name);

  it('refuses a second play on overlapping hosts, naming the holder; other hosts and --check go ahead', async () => {
    const state = join(root, 'state-overlap');
    const [a, b, c] = names() as [string, string, string];
    const first = fresh();
    const holder = startDrydock(['play', holdPlaybook(first), '-i', fleet.inventoryFile, '-l', `${a},${b}`], { DRYDOCK_STATE_DIR: state });
    await waitFor('the first run on its hosts', () => existsSync(join(first, `${a}.pid`)) && existsSync(join(first, `${b}.pid`)));

    const second = fresh();
    rmSync(join(second, 'gate'));
    const refused = await runDrydock(['play', holdPlaybook(second), '-i', fleet.inventoryFile, '-l', `${b},${c}`], { stateDir: state });
    expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.stderr).to.contain(`${b} (${fleet.hosts[1]!.address}:${fleet.port}) is in use by another drydock run: pid ${holder.child.pid} (`);
    const holderRun = /run id: ([0-9a-f-]{36})/.exec(holder.stdout())![1]!;
    expect(refused.stderr).to.contain(`run ${holderRun}`).and.contain('drydock play');
    expect(refused.stderr).to.not.match(/\n\s+at .*:\d+/);
    expect(readdirSync(second).filter((f) => f.endsWith('.pid')), 'the refused run touched no host').to.deep.equal([]);

    const other = await runDrydock(['play', holdPlaybook(second), '-i', fleet.inventoryFile, '-l', c], { stateDir: state });
    expect(other.code, other.stdout + other.stderr).to.equal(0);
    expect(existsSync(join(second, `${c}.after`))).to.equal(true);

    const check = await runDrydock(['play', holdPlaybook(second), '-i', fleet.inventoryFile, '-l', `${b},${c}`, '--check'], { stateDir: state });
    expect(check.code, check.stdout + check.stderr).to.equal(0);

    rmSync(join(first, 'gate'));
    const done = await holder.done;
    expect(done.code, done.stdout + done.stderr).to.equal(0);
    expect(readdirSync(join(state, 'locks')), 'every lock given back').to.deep.equal([]);
  });

  it('takes over the locks of a run that was killed (its pid is gone)', async () => {
    const state = join(root, 'state-stale');
    const dir = fresh();
    const killed = startDrydock(['play', holdPlaybook(dir), '-i', fleet.inventoryFile], { DRYDOCK_STATE_DIR: state });
    await waitFor('the run on every host', () => names().every((h) => existsSync(join(dir, `${h}.pid`))));
    killed.child.kill('SIGKILL');
    await killed.done;
    expect(readdirSync(join(state, 'locks'))).to.have.length(3);
    rmSync(join(dir, 'gate'));
    const again = await runDrydock(['play', holdPlaybook(dir), '-i', fleet.inventoryFile], { stateDir: state });
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(readdirSync(join(state, 'locks'))).to.deep.equal([]);
  });

  it('of two drydock resume of one run, exactly one proceeds (repeated)', async () => {
    for (let round = 0; round < 3; round++) {
      const state = join(root, `state-resume-${round}`);
      const dir = fresh();
      rmSync(join(dir, 'gate'));
      const log = join(dir, 'steps.log');
      const playbook = join(dir, 'fails-once.yaml');
      writeFileSync(
        playbook,
        `- hosts: all
  gather_facts: false
  tasks:
    - name: needs the ok file
      shell: "test -e ${dir}/ok"
    - name: step
      shell: "echo {{ inventory_hostname }} >> ${log}; sleep 1"
`,
      );
      const failed = await runDrydock(['play', playbook, '-i', fleet.inventoryFile], { stateDir: state });
      expect(failed.code, failed.stdout + failed.stderr).to.equal(2);
      const runId = /run id: ([0-9a-f-]{36})/.exec(failed.stdout)![1]!;
      writeFileSync(join(dir, 'ok'), '');
      const both = await Promise.all([runDrydock(['resume', runId], { stateDir: state }), runDrydock(['resume', runId], { stateDir: state })]);
      const codes = both.map((r) => r.code).sort();
      expect(codes, both.map((r) => r.stdout + r.stderr).join('\n----\n')).to.deep.equal([0, 1]);
      const loser = both.find((r) => r.code === 1)!;
      expect(loser.stderr).to.match(/already being resumed by pid \d+|is in use by another drydock run|was already resumed by run/);
      expect(readFileSync(log, 'utf8').trim().split('\n').sort(), 'the step ran once per host').to.deep.equal(names().sort());
    }
  });
});
