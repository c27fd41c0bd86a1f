/**
 * Issue 15 item 2, on a real sshd: a timed-out command is dead on the host before drydock moves on, so closing
 * the connection right after (the host's last task) leaves nothing running. Cases: a process in the command's
 * group that ignores TERM (it needs the KILL after the grace period, which used to be lost with the
 * connection), and a `setsid` child, in a process group of its own but still a descendant when the kill runs.
 * What runs is read back with `ps` on the host over a fresh connection.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandTimeoutError } from '../../../src/errors.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection, type SshConnection } from '../../../src/transport/ssh.js';
import { runDrydock } from '../../helpers/cli.js';
import { fleetSpec, startFleet, type Fleet } from '../../helpers/fleet.js';

describe('a timed-out command leaves nothing running when the connection closes next', function () {
  this.timeout(40_000);
  let fleet: Fleet;
  let knownHosts: KnownHostsStore;
  const open = (): Promise<SshConnection> => openSshConnection(fleetSpec(fleet), { knownHosts, killGraceMs: 500 });

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.35.1' });
    knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
  });
  after(async () => {
    // Anything a failing run left behind, ended by its pid (found by this test's unusual sleep lengths).
    for (const pid of await onHost('7391')) process.kill(pid, 'SIGKILL');
    await fleet?.stop();
  });

  /** Pids of processes on the host whose command line contains `needle`, read with ps over a new connection. */
  async function onHost(needle: string): Promise<number[]> {
    const conn = await open();
    try {
      const { stdout } = await conn.exec('ps -eo pid=,args=');
      return stdout
        .split('\n')
        .filter((line) => line.includes(`sleep ${needle}`))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
    } finally {
      await conn.close();
    }
  }

  async function timeOutThenClose(command: string): Promise<void> {
    const conn = await open();
    let err: unknown;
    try {
      await conn.exec(command, { timeoutMs: 400 });
    } catch (e) {
      err = e;
    }
    // The host's last task: drydock closes the connection as soon as the command is settled.
    await conn.close();
    expect(err).to.be.instanceOf(CommandTimeoutError);
  }

  const settleTime = (): Promise<void> => new Promise((done) => setTimeout(done, 1500));

  it('a process of the group that ignores TERM is killed before the connection closes', async () => {
    await timeOutThenClose(`(trap '' TERM; exec sleep 7391.1) >/dev/null 2>&1 & sleep 7391.2`);
    await settleTime();
    expect(await onHost('7391.1')).to.deep.equal([]);
    expect(await onHost('7391.2')).to.deep.equal([]);
  });

  it('a setsid child, in a process group of its own, is killed too', async () => {
    await timeOutThenClose(`setsid sleep 7391.3 >/dev/null 2>&1 </dev/null & sleep 7391.4`);
    await settleTime();
    expect(await onHost('7391.3')).to.deep.equal([]);
    expect(await onHost('7391.4')).to.deep.equal([]);
  });

  it('aborted and closed at once, as the engine does when a task times out: the kill still runs first', async () => {
    const conn = await open();
    const controller = new AbortController();
    const pending = conn.exec(`(trap '' TERM; exec sleep 7391.5) >/dev/null 2>&1 & setsid sleep 7391.6 >/dev/null 2>&1 </dev/null & sleep 7391.7`, {
      signal: controller.signal,
    });
    pending.catch(() => undefined);
    await new Promise((done) => setTimeout(done, 500));
    controller.abort();
    await conn.close();
    await settleTime();
    for (const needle of ['7391.5', '7391.6', '7391.7']) expect(await onHost(needle), needle).to.deep.equal([]);
  });

  for (const [how, args, task] of [
    ['play --timeout', ['--timeout', '1'], ''],
    ["a task's timeout:", [], '      timeout: 1\n'],
  ] as const) {
    it(`${how} on the host's last task leaves nothing running (exit 2, read back with ps)`, async () => {
      const n = how.startsWith('play') ? '8' : '9';
      const playbook = join(fleet.dir, `last-task-${n}.yaml`);
      writeFileSync(
        playbook,
        '- hosts: all\n  gather_facts: false\n  tasks:\n' +
          `    - shell: "(trap '' TERM; exec sleep 7391.${n}1) >/dev/null 2>&1 & setsid sleep 7391.${n}2 >/dev/null 2>&1 </dev/null & sleep 7391.${n}3"\n` +
          task,
      );
      const knownHostsArgs = ['-e', JSON.stringify({ ansible_ssh_common_args: `-o UserKnownHostsFile=${fleet.knownHostsFile}` })];
      const res = await runDrydock(['play', playbook, '-i', fleet.inventoryFile, ...knownHostsArgs, ...args], { stateDir: fleet.dir });
      expect(res.code, res.stderr + res.stdout).to.equal(2);
      await settleTime();
      for (const suffix of ['1', '2', '3']) expect(await onHost(`7391.${n}${suffix}`), suffix).to.deep.equal([]);
    });
  }
});
