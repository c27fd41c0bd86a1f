/**
 * `-K/--ask-become-pass` through the real CLI on a terminal (a pty from util-linux `script`), against a fleet
 * user whose sudo asks for its password every time: the password typed at the prompt becomes root, and it
 * is neither in the drydock process's argv (/proc/PID/cmdline, read while the run holds the host) nor in the
 * log file or the journal. Without a terminal -K is a usage error.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessSudo, startFleet, type Fleet } from '../../helpers/fleet.js';
import { REPO_ROOT, runDrydock } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/cli-process.js';
import { shellQuote } from '../../../src/util/shell.js';

/** The pids of drydock processes whose command line mentions `marker`. */
function drydockPids(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        return argv.some((a) => a.endsWith('bin/drydock.js')) && argv.includes(marker) ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

describe('-K/--ask-become-pass asks on the terminal and keeps the password out of argv and logs', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.63.1' });
    dir = mkdtempSync(join(tmpdir(), 'drydock-ask-become-'));
  });
  after(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('becomes root with the password typed at the prompt; the password is in no argv, log or journal', async function () {
    skipUnlessSudo(this, fleet);
    const gate = join(dir, 'gate');
    writeFileSync(gate, '');
    const playbook = join(dir, 'whoami.yaml');
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: who am i
      shell: "id -u > ${dir}/uid; while [ -e ${gate} ]; do sleep 0.1; done"
`,
    );
    const log = join(dir, 'run.log');
    const state = join(dir, 'state');
    const args = ['bin/drydock.js', 'play', playbook, '-i', fleet.inventoryFile, '-u', fleet.sudoUser, '-b', '-K', '--log-file', log];
    const command = [process.execPath, ...args].map(shellQuote).join(' ');
    // script gives drydock a terminal; what the test writes to script's stdin is typed on it.
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', DRYDOCK_STATE_DIR: state },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the BECOME password prompt', () => output.includes('BECOME password:'), 60_000);
    child.stdin.write(`${fleet.sudoPassword}\r`);
    await waitFor('the task on the host', () => existsSync(join(dir, 'uid')), 60_000);

    const pids = drydockPids(playbook);
    expect(pids, 'the drydock process was found').to.not.be.empty;
    for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).to.not.contain(fleet.sudoPassword);
    rmSync(gate);
    const code = await closed;
    expect(code, output).to.equal(0);
    expect(readFileSync(join(dir, 'uid'), 'utf8').trim(), 'the task ran as root').to.equal('0');
    expect(output, 'not echoed').to.not.contain(fleet.sudoPassword);
    expect(readFileSync(log, 'utf8')).to.contain('who am i').and.not.contain(fleet.sudoPassword);
    for (const journal of readdirSync(join(state, 'runs'))) expect(readFileSync(join(state, 'runs', journal), 'utf8')).to.not.contain(fleet.sudoPassword);
  });

  it('refuses -K without a terminal (exit 64), saying how else to give the password', async () => {
    const result = await runDrydock(['run', 'all', '-i', fleet.inventoryFile, '-K', '--', 'true'], { stateDir: join(dir, 'state-2') });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.contain('-K/--ask-become-pass asks on a terminal').and.contain('-e @file');
  });
});
