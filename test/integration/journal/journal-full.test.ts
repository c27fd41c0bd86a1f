/**
 * A full disk under the journal, for real: DRYDOCK_STATE_DIR is a 64 KiB tmpfs, and a task of the run fills
 * it (on the loopback sshd fleet, which shares the machine's files) and prints more than a page, so the
 * journal cannot record that task's end (a shorter line could still fit in the file's last page): the run starts nothing after it (marker files read back on the hosts), ends with exit 74, `drydock
 * runs` says the journal is incomplete, and `drydock resume` names the task whose end was not recorded and
 * refuses to run it again without --yes; with --yes it finishes the run, each other task once.
 *
 * Mounting needs root: without it the test fails with that reason (it never skips silently).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

describe('a full disk under the run journal (tmpfs, loopback fleet)', function () {
  this.timeout(180_000);
  let fleet: Fleet | undefined;
  let dir: string;
  let state: string;
  let mounted = false;

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs for the state folder and needs root (run it as root)');
    dir = mkdtempSync(join(tmpdir(), 'drydock-journal-full-'));
    state = join(dir, 'state');
    mkdirSync(state);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', state]);
    mounted = true;
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.61.1' });
  });
  after(async () => {
    await fleet?.stop();
    if (mounted) execFileSync('umount', [state]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops before the next task, exits 74, and resume asks about the task whose end was not recorded', async () => {
    const marks = join(dir, 'marks');
    mkdirSync(marks);
    const fillFlag = join(dir, 'fill-now');
    writeFileSync(fillFlag, '');
    const filler = join(state, 'filler');
    const playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: before
      command: sh -c 'echo x >> ${marks}/before-{{ inventory_hostname }}'
    - name: fill the state disk
      run_once: true
      command: sh -c 'echo x >> ${marks}/fill; if [ -e ${fillFlag} ]; then head -c 1048576 /dev/zero > ${filler}; fi; head -c 12000 /dev/zero | tr "\\0" x'
    - name: after
      command: sh -c 'echo x >> ${marks}/after-{{ inventory_hostname }}'
`,
    );
    const hosts = fleet!.hosts.map((h) => h.name);
    const lines = (name: string): number => (existsSync(join(marks, name)) ? readFileSync(join(marks, name), 'utf8').split('\n').filter(Boolean).length : 0);

    const first = await runDrydock(['play', playbook, '-i', fleet!.inventoryFile], { stateDir: state });
    expect(first.code, first.stdout + first.stderr).to.equal(74);
    expect(first.stderr).to.match(/the run journal .*\.jsonl could not be written \(ENOSPC/);
    for (const h of hosts) expect(lines(`before-${h}`), h).to.equal(1);
    expect(lines('fill')).to.equal(1);
    // Nothing started after the journal failed.
    for (const h of hosts) expect(lines(`after-${h}`), h).to.equal(0);
    const runId = /run id: ([0-9a-f-]{36})/.exec(first.stdout)?.[1];
    expect(runId, first.stdout).to.be.a('string');

    // The reserve freed at the end let the end line say why the journal stops.
    const runs = await runDrydock(['runs', '--json'], { stateDir: state });
    const listed = (JSON.parse(runs.stdout) as Array<{ id: string; outcome: string; exitCode: number; journalError: string }>).find((r) => r.id === runId);
    expect(listed).to.include({ outcome: 'journal-incomplete', exitCode: 74 });
    expect(listed!.journalError).to.contain('ENOSPC');

    // Room again; the filling step would not fill any more.
    rmSync(filler);
    rmSync(fillFlag);
    const refused = await runDrydock(['resume', runId!], { stateDir: state });
    expect(refused.code, refused.stdout + refused.stderr).to.equal(64);
    expect(refused.stdout).to.contain(`${hosts[0]}: task "fill the state disk" (0.tasks/1) in run ${runId}`);
    expect(lines('fill')).to.equal(1);
    for (const h of hosts) expect(lines(`after-${h}`), h).to.equal(0);

    const resumed = await runDrydock(['resume', runId!, '--yes'], { stateDir: state });
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0);
    // The unknown task ran again (the admin said so); everything else ran exactly once.
    expect(lines('fill')).to.equal(2);
    for (const h of hosts) {
      expect(lines(`before-${h}`), h).to.equal(1);
      expect(lines(`after-${h}`), h).to.equal(1);
    }
  });
});
