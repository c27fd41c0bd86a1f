/**
 * The lab's hosts, for real: a small lab (2 control planes, 1 worker) booted once from the cached Debian
 * root and shared by these tests; the last test takes it down and checks that nothing is left.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/lab/sys.js';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { labUp, type UpResult } from '../../src/lab/up.js';
import { labDown, labFault, labStatus } from '../../src/lab/ops.js';
import { sshRun, type SshTarget } from '../../src/lab/sshcmd.js';
import { readLabRecord, type LabRecord } from '../../src/lab/state.js';
import { cgroupPids } from '../../src/lab/cgroup.js';
import { buildLabProgram } from './helpers/lab-cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lab hosts: namespaced Debian hosts with systemd and sshd', function () {
  this.timeout(60000);
  let stateDir = '';
  let up: UpResult | null = null;
  let downDone = false;

  const record = (): LabRecord => readLabRecord(join(stateDir, 'lab.json'))!;
  const target = (name: string): SshTarget => {
    const r = record();
    return { address: r.hosts.find((h) => h.name === name)!.address, clientKey: r.paths.clientKey, knownHosts: r.paths.knownHosts };
  };
  const on = async (host: string, command: string): Promise<string> => {
    const result = await sshRun(target(host), command);
    if (result.code !== 0) throw new Error(`${host}: ${command}: exit ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
  };
  /** Retries until the host answers over ssh (after a boot), returning the command's output. */
  const whenUp = async (host: string, command: string, timeoutMs = 30000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await sshRun(target(host), command, 10000);
      if (result.code === 0) return result.stdout.trim();
      if (Date.now() > deadline) throw new Error(`${host} did not come back: ${result.stderr}`);
      await sleep(200);
    }
  };

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab tests cannot run here: ${reason}`);
    this.timeout(600000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-test-'));
    up = await labUp({ stateDir, controlPlanes: 2, workers: 1, out: (line) => console.log(`      ${line}`) });
    console.log(
      `      lab up: ${up.bootSeconds.toFixed(1)}s to boot 3 hosts` +
        (up.rootfsBuilt ? `, ${up.rootfsSeconds.toFixed(1)}s to build the Debian root` : ' (cached root)'),
    );
  });

  after(async function () {
    this.timeout(60000);
    if (stateDir && !downDone) await labDown({ stateDir, purge: true, out: () => undefined });
  });

  it('boots every host to running (or degraded) and writes inventory and known_hosts', async () => {
    expect(up!.hosts.map((h) => h.name)).to.deep.equal(['cp1', 'cp2', 'worker1']);
    for (const host of up!.hosts) expect(host.systemState).to.be.oneOf(['running', 'degraded']);
    const inventory = readFileSync(join(stateDir, 'inventory.yaml'), 'utf8');
    expect(inventory).to.include('control_plane:').and.include('etcd:').and.include('workers:');
    const knownHosts = readFileSync(join(stateDir, 'known_hosts'), 'utf8');
    for (const h of record().hosts) expect(knownHosts).to.include(`${h.name},${h.address} ssh-ed25519 `);
    // Each host made its own key.
    const ed25519 = knownHosts.split('\n').filter((l) => l.includes('ssh-ed25519')).map((l) => l.split(' ')[2]);
    expect(new Set(ed25519).size).to.equal(3);
  });

  it('does nothing when asked to come up while already up', async () => {
    const before = record().supervisorPid;
    const again = await labUp({ stateDir, controlPlanes: 2, workers: 1, out: () => undefined });
    expect(again.alreadyRunning).to.equal(true);
    expect(record().supervisorPid).to.equal(before);
  });

  it('isolates hosts: hostname, files and dpkg database are each their own', async () => {
    expect(await on('cp1', 'hostname')).to.equal('cp1');
    expect(await on('cp2', 'hostname')).to.equal('cp2');
    await on('cp1', 'echo only-cp1 > /root/marker && touch /var/lib/dpkg/drydock-marker');
    expect(await on('cp1', 'cat /root/marker')).to.equal('only-cp1');
    expect((await sshRun(target('cp2'), 'cat /root/marker')).code).to.not.equal(0);
    expect(await on('cp1', 'ls /var/lib/dpkg')).to.not.equal(await on('cp2', 'ls /var/lib/dpkg'));
    const r = record();
    expect(existsSync(join(r.hosts[0]!.paths.upper, 'root/marker'))).to.equal(true);
    expect(existsSync(join(r.hosts[1]!.paths.upper, 'root/marker'))).to.equal(false);
    expect(existsSync(join(r.rootfs, 'root/marker'))).to.equal(false);
  });

  it('gives each host its own namespaces and only the lab subnet (no default route)', async () => {
    const r = record();
    const init = r.hosts[0]!.initPid!;
    for (const ns of ['mnt', 'pid', 'uts', 'ipc', 'cgroup', 'net']) {
      expect(readlinkSync(`/proc/${init}/ns/${ns}`), ns).to.not.equal(readlinkSync(`/proc/self/ns/${ns}`));
      expect(readlinkSync(`/proc/${init}/ns/${ns}`), ns).to.not.equal(readlinkSync(`/proc/${r.hosts[1]!.initPid!}/ns/${ns}`));
    }
    const routes = await on('cp1', 'ip -4 route');
    expect(routes).to.not.include('default');
    expect(routes.trim()).to.equal(`${r.subnet} dev eth0 proto kernel scope link src ${r.hosts[0]!.address}`);
    expect(await on('cp1', `timeout 3 bash -c 'echo > /dev/tcp/${r.hosts[1]!.address}/22' && echo reached`)).to.equal('reached');
    expect(await on('cp1', 'findmnt -n -o FSTYPE,OPTIONS /sys/fs/cgroup')).to.match(/^cgroup2\s+rw,/);
    expect(await on('cp1', 'findmnt -n -o OPTIONS /sys')).to.match(/^ro,/);
  });

  it('checks host keys strictly: the generated known_hosts works, an empty one is refused', async () => {
    expect(await on('worker1', 'echo ok')).to.equal('ok');
    const empty = join(stateDir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const refused = await sshRun({ ...target('worker1'), knownHosts: empty }, 'true');
    expect(refused.code).to.equal(255);
    expect(refused.stderr).to.match(/Host key verification failed/);
  });

  it('runs systemd as PID 1, and `systemctl restart ssh` works', async () => {
    expect(await on('cp2', 'ps -p 1 -o comm=')).to.equal('systemd');
    expect(await on('cp2', 'tr "\\0" "\\n" < /proc/1/environ')).to.include('container=drydock');
    const pidBefore = await on('cp2', 'systemctl show -p MainPID --value ssh');
    await on('cp2', 'systemctl restart ssh');
    expect(await whenUp('cp2', 'systemctl show -p MainPID --value ssh')).to.not.equal(pidBefore);
  });

  it('reboots for real: `reboot` inside a host brings it back with a new boot id and a fresh /run', async function () {
    // A control plane of the real cluster stops its static pods on the way down: give the boot time on a busy machine.
    this.timeout(240_000);
    const bootId = await on('cp1', 'cat /proc/sys/kernel/random/boot_id');
    const otherBootId = await on('cp2', 'cat /proc/sys/kernel/random/boot_id');
    expect(bootId).to.not.equal(otherBootId);
    const boots = record().hosts[0]!.boots;
    await on('cp1', 'touch /var/run/reboot-required');
    await sshRun(target('cp1'), 'reboot');
    const deadline = Date.now() + 180_000;
    let newBootId = bootId;
    while (newBootId === bootId && Date.now() < deadline) {
      newBootId = await whenUp('cp1', 'cat /proc/sys/kernel/random/boot_id', 180_000);
      if (newBootId === bootId) await sleep(200);
    }
    expect(newBootId).to.not.equal(bootId);
    expect((await sshRun(target('cp1'), 'test -e /var/run/reboot-required')).code).to.equal(1);
    expect(await on('cp1', 'cat /root/marker')).to.equal('only-cp1');
    expect(record().hosts[0]!.boots).to.equal(boots + 1);
  });

  it('fault down keeps a host down (no reboot) and fault up boots it again', async () => {
    await labFault({ stateDir, host: 'worker1', action: 'down' });
    const status = await labStatus({ stateDir });
    expect(status.hosts.find((h) => h.name === 'worker1')!.state).to.equal('down');
    await sleep(1500);
    expect(record().hosts.find((h) => h.name === 'worker1')!.state).to.equal('down');
    expect((await sshRun(target('worker1'), 'true', 8000)).code).to.equal(255);
    const ready = await labFault({ stateDir, host: 'worker1', action: 'up' });
    expect(ready!.systemState).to.be.oneOf(['running', 'degraded']);
    expect(await on('worker1', 'hostname')).to.equal('worker1');
  });

  it('fault partition cuts a host off while it keeps running, and heal restores it', async () => {
    await labFault({ stateDir, host: 'cp2', action: 'partition' });
    try {
      expect((await labStatus({ stateDir })).hosts.find((h) => h.name === 'cp2')!.state).to.equal('partitioned');
      expect((await sshRun(target('cp2'), 'true', 15000)).code).to.equal(255);
      const cp2 = record().hosts.find((h) => h.name === 'cp2')!.address;
      const probe = await sshRun(target('cp1'), `timeout 2 bash -c 'echo > /dev/tcp/${cp2}/22'`);
      expect(probe.code, 'cp1 reached the partitioned cp2').to.not.equal(0);
    } finally {
      await labFault({ stateDir, host: 'cp2', action: 'heal' });
    }
    expect((await labStatus({ stateDir })).hosts.find((h) => h.name === 'cp2')!.state).to.equal('running');
    expect(await whenUp('cp2', 'hostname')).to.equal('cp2');
  });

  it('keeps a host that powers itself off down until fault up', async () => {
    await sshRun(target('worker1'), 'poweroff');
    const deadline = Date.now() + 20000;
    while (record().hosts.find((h) => h.name === 'worker1')!.state !== 'down' && Date.now() < deadline) await sleep(100);
    await sleep(1000);
    expect(record().hosts.find((h) => h.name === 'worker1')!.state).to.equal('down');
    await labFault({ stateDir, host: 'worker1', action: 'up' });
    expect(await on('worker1', 'hostname')).to.equal('worker1');
  });

  it('`lab ssh HOST -- cmd` runs the system ssh with the lab key and passes the exit status on', async () => {
    const cli = join(import.meta.dirname, 'helpers', 'lab-cli.ts');
    const ok = await run(process.execPath, ['--import', 'tsx', cli, 'ssh', 'cp2', '--state-dir', stateDir, '--', 'hostname']);
    expect(ok.stdout.trim()).to.equal('cp2');
    expect(ok.code).to.equal(0);
    const failed = await run(process.execPath, ['--import', 'tsx', cli, 'ssh', 'cp2', '--state-dir', stateDir, '--', 'exit 3']);
    expect(failed.code).to.equal(3);
    const unknown = await run(process.execPath, ['--import', 'tsx', cli, 'ssh', 'cp9', '--state-dir', stateDir]);
    expect(unknown.code).to.equal(64);
    expect(unknown.stderr).to.include('no host "cp9"');
  });

  it('recovers from a crashed supervisor: status says down, up sweeps the leftovers and boots again', async () => {
    const before = record();
    process.kill(before.supervisorPid!, 'SIGKILL');
    await sleep(200);
    expect((await labStatus({ stateDir })).running).to.equal(false);
    try {
      await labUp({ stateDir, controlPlanes: 3, workers: 1, out: () => undefined });
      expect.fail('a lab of another shape was accepted');
    } catch (err) {
      expect((err as Error).message).to.include('holds a lab of 2 control planes and 1 workers');
    }
    const again = await labUp({ stateDir, out: () => undefined });
    expect(again.alreadyRunning).to.equal(false);
    expect(again.hosts.map((h) => h.systemState)).to.satisfy((s: string[]) => s.every((x) => x === 'running' || x === 'degraded'));
    // The old hosts were killed, not left next to the new ones; host keys survived (same upper layers).
    for (const h of before.hosts) expect(existsSync(`/proc/${h.initPid}`)).to.equal(false);
    expect(readFileSync(join(stateDir, 'known_hosts'), 'utf8')).to.include(before.hosts[0]!.name);
    expect(await on('cp1', 'cat /root/marker')).to.equal('only-cp1');
  });

  it('reports status as JSON through the commands', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await buildLabProgram().parseAsync(['node', 'lab', 'status', '--json', '--state-dir', stateDir]);
    } finally {
      process.stdout.write = write;
    }
    const status = JSON.parse(lines.join(''));
    expect(status.running).to.equal(true);
    expect(status.hosts.map((h: { state: string }) => h.state)).to.deep.equal(['running', 'running', 'running']);
  });

  it('lab down leaves no namespace, mount, link, cgroup or process behind', async () => {
    const r = record();
    const pids = [r.supervisorPid!, ...r.hosts.map((h) => h.initPid!)];
    await labDown({ stateDir, out: () => undefined });
    downDone = true;
    const ip = async (...args: string[]) => (await run('ip', args)).stdout;
    expect(await ip('netns', 'list')).to.not.include(`drydock-${r.id}-`);
    const links = await ip('-o', 'link', 'show');
    expect(links).to.not.include(`dd${r.id}-`).and.not.include(r.bridge);
    const mounts = readFileSync('/proc/mounts', 'utf8');
    expect(mounts).to.not.include(stateDir).and.not.include(`drydock-${r.id}-`);
    expect(existsSync(r.cgroup)).to.equal(false);
    expect(cgroupPids(r.cgroup)).to.deep.equal([]);
    const alive = pids.filter((pid) => existsSync(`/proc/${pid}`) && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    expect(alive).to.deep.equal([]);
    const ps = (await run('ps', ['-eo', 'args'])).stdout;
    expect(ps).to.not.include(stateDir);
    expect((await labStatus({ stateDir })).running).to.equal(false);
    await labDown({ stateDir, purge: true, out: () => undefined });
    expect(existsSync(stateDir)).to.equal(false);
  });
});
