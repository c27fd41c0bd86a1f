/**
 * The modules that change system state (apt, dpkg_selections, systemd, reboot), for real, on lab hosts
 * (never on this machine). apt uses a local repository built here with dpkg-deb/dpkg-scanpackages and
 * copied onto the host: the lab hosts have no route out.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { readLabRecord, type LabRecord } from '../../src/lab/state.js';
import { taskModules } from '../../src/modules/catalogue.js';
import type { ModuleResult } from '../../src/modules/types.js';
import { KnownHostsStore } from '../../src/transport/known-hosts.js';
import { openSshConnection } from '../../src/transport/ssh.js';
import type { Connection, ConnectionSpec } from '../../src/transport/types.js';
import { realModuleContext, type RealContextOptions } from '../helpers/module-context.js';

const run = promisify(execFile);

/**
 * The lab is brought up and down through its CLI in a child process: under mocha's tsx hook the lab's
 * services entry cannot resolve its loader (import.meta.resolve), while a plain `node --import tsx` can.
 */
const LAB_CLI = join(import.meta.dirname, 'helpers/lab-cli.ts');
function labCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', LAB_CLI, ...args], { timeout: 600_000 });
}
const modules = taskModules();
const PKG = 'drydock-demo';

/** Builds `drydock-demo` at each version into `<dir>/repo` with a Packages index. */
async function buildRepo(dir: string, versions: string[]): Promise<string> {
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  for (const version of versions) {
    const root = join(dir, `build-${version}`);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr/share', PKG), { recursive: true });
    writeFileSync(join(root, 'usr/share', PKG, 'version'), `${version}\n`);
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: ${PKG}\nVersion: ${version}\nArchitecture: all\nMaintainer: drydock tests <tests@drydock.invalid>\nDescription: drydock module test package\n`,
    );
    await run('dpkg-deb', ['--root-owner-group', '--build', root, join(repo, `${PKG}_${version}_all.deb`)]);
  }
  const { stdout } = await run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: repo });
  writeFileSync(join(repo, 'Packages'), stdout);
  return repo;
}

describe('lab: state-changing task modules on real hosts', function () {
  this.timeout(120_000);
  let stateDir = '';
  let workDir = '';
  let record: LabRecord;
  let knownHosts: KnownHostsStore;
  const conns = new Map<string, Connection>();

  const spec = (name: string, connectTimeoutMs = 10_000): ConnectionSpec => {
    const host = record.hosts.find((h) => h.name === name)!;
    return {
      name, hostname: host.address, port: 22, user: 'root', identityFiles: [record.paths.clientKey], identitiesOnly: true,
      proxyJump: [], userKnownHostsFiles: [record.paths.knownHosts], globalKnownHostsFiles: [], hostKeyPolicy: 'strict',
      connectTimeoutMs, keepaliveIntervalMs: 2000, keepaliveCountMax: 2, become: { enabled: false, user: 'root', method: 'sudo' },
    };
  };
  const open = (s: ConnectionSpec, timeoutMs?: number) =>
    openSshConnection({ ...s, connectTimeoutMs: Math.min(timeoutMs ?? 10_000, 10_000) }, { knownHosts });
  const task = async (host: string, name: string, options: RealContextOptions): Promise<ModuleResult> => {
    const ctx = realModuleContext(conns.get(host)!, { spec: spec(host), open, ...options });
    const result = await modules.get(name)!.run(ctx);
    conns.set(host, ctx.current());
    return result;
  };
  const sh = async (host: string, cmd: string): Promise<string> => {
    const r = await conns.get(host)!.exec(cmd);
    if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab module tests cannot run here: ${reason}`);
    this.timeout(600_000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-modules-'));
    workDir = mkdtempSync(join(tmpdir(), 'drydock-lab-repo-'));
    await labCli(['up', '--state-dir', stateDir, '--control-planes', '1', '--workers', '1']);
    record = readLabRecord(join(stateDir, 'lab.json'))!;
    knownHosts = await KnownHostsStore.load([record.paths.knownHosts], []);
    for (const h of record.hosts) conns.set(h.name, await open(spec(h.name)));

    const repo = await buildRepo(workDir, ['1.0-1', '1.1-1']);
    for (const file of [`${PKG}_1.0-1_all.deb`, `${PKG}_1.1-1_all.deb`, 'Packages']) {
      const copied = await task('cp1', 'copy', { args: { src: join(repo, file), dest: `/srv/repo/${file}`, force: true } }).catch((e) => ({ failed: true, msg: String(e) }));
      if (copied.failed) {
        await sh('cp1', 'mkdir -p /srv/repo');
        expect(await task('cp1', 'copy', { args: { src: join(repo, file), dest: `/srv/repo/${file}` } })).to.not.have.property('failed');
      }
    }
    // Only the local repository: the Debian mirror and the lab's own repositories are not this test's concern.
    await sh('cp1', 'mkdir -p /root/apt-sources-off && mv /etc/apt/sources.list.d/* /root/apt-sources-off/ 2>/dev/null; : > /etc/apt/sources.list');
    await sh('cp1', `echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list.d/drydock-test.list`);
  });

  after(async function () {
    this.timeout(120_000);
    for (const c of conns.values()) await c.close().catch(() => undefined);
    if (stateDir) await labCli(['down', '--purge', '--state-dir', stateDir]).catch((err) => console.log(`      lab down failed: ${String(err)}`));
    for (const d of [stateDir, workDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  describe('apt and dpkg_selections', () => {
    it('installs a pinned glob version after updating the cache, then reports ok on a rerun', async () => {
      const first = await task('cp1', 'apt', { args: { name: [`${PKG}=1.0-*`], update_cache: true } });
      expect(first).to.deep.include({ changed: true, cache_updated: true, packages: [{ name: PKG, action: 'install', to: '1.0-1' }] });
      expect(await sh('cp1', `dpkg-query -W -f='\${Version}' ${PKG}`)).to.equal('1.0-1');
      const again = await task('cp1', 'apt', { args: { name: [`${PKG}=1.0-*`] } });
      expect(again.changed).to.equal(false);
    });

    it('predicts an upgrade in check mode without installing it', async () => {
      const predicted = await task('cp1', 'apt', { args: { name: [`${PKG}=1.1-*`] }, check: true });
      expect(predicted).to.deep.include({ changed: true, packages: [{ name: PKG, action: 'install', from: '1.0-1', to: '1.1-1' }] });
      expect(await sh('cp1', `dpkg-query -W -f='\${Version}' ${PKG}`)).to.equal('1.0-1');
    });

    it('fails clearly for a version the repository lacks', async () => {
      const missing = await task('cp1', 'apt', { args: { name: [`${PKG}=9.9-*`] } });
      expect(missing.failed).to.equal(true);
      expect(missing.msg).to.include(PKG).and.include('1.1-1, 1.0-1');
    });

    it('holds the package; a held package changes only with allow_change_held_packages', async () => {
      expect((await task('cp1', 'dpkg_selections', { args: { name: PKG, selection: 'hold' } })).changed).to.equal(true);
      expect((await task('cp1', 'dpkg_selections', { args: { name: PKG, selection: 'hold' } })).changed).to.equal(false);
      expect((await sh('cp1', 'apt-mark showhold')).split('\n')).to.include(PKG);
      const refused = await task('cp1', 'apt', { args: { name: [`${PKG}=1.1-*`] } });
      expect(refused.failed).to.equal(true);
      expect(refused.msg).to.include('held');
      const allowed = await task('cp1', 'apt', { args: { name: [`${PKG}=1.1-*`], allow_change_held_packages: true } });
      expect(allowed.changed).to.equal(true);
      expect(await sh('cp1', `cat /usr/share/${PKG}/version`)).to.equal('1.1-1');
      // apt itself clears the hold of a package it installs; the module puts it back.
      expect(allowed.held).to.deep.equal([PKG]);
      expect(await sh('cp1', `dpkg --get-selections ${PKG}`)).to.match(/\shold$/);
      expect((await task('cp1', 'dpkg_selections', { args: { name: PKG, selection: 'install' } })).changed).to.equal(true);
      const downgrade = await task('cp1', 'apt', { args: { name: [`${PKG}=1.0-1`] } });
      expect(downgrade.failed).to.equal(true);
      expect(downgrade.msg).to.include(`downgrade ${PKG} 1.1-1 → 1.0-1`).and.include('allow_downgrade');
      expect((await task('cp1', 'apt', { args: { name: [`${PKG}=1.0-1`], allow_downgrade: true } })).changed).to.equal(true);
      expect(await sh('cp1', `cat /usr/share/${PKG}/version`)).to.equal('1.0-1');
    });

    it('removes the package once', async () => {
      expect((await task('cp1', 'apt', { args: { name: [PKG], state: 'absent' } })).changed).to.equal(true);
      expect((await task('cp1', 'apt', { args: { name: [PKG], state: 'absent' } })).changed).to.equal(false);
    });
  });

  describe('systemd', () => {
    it('starts, enables, restarts and stops a unit, idempotently', async () => {
      const unit = '[Unit]\nDescription=drydock demo\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n';
      expect((await task('cp1', 'copy', { args: { content: unit, dest: '/etc/systemd/system/drydock-demo.service' } })).changed).to.equal(true);
      const args = { name: 'drydock-demo', state: 'started', enabled: true, daemon_reload: true };
      expect((await task('cp1', 'systemd', { args })).changed).to.equal(true);
      expect(await sh('cp1', 'systemctl is-active drydock-demo; systemctl is-enabled drydock-demo')).to.equal('active\nenabled');
      expect((await task('cp1', 'systemd', { args })).changed).to.equal(false);
      const pid = await sh('cp1', 'systemctl show -p MainPID --value drydock-demo');
      expect((await task('cp1', 'service', { args: { name: 'drydock-demo', state: 'restarted' } })).changed).to.equal(true);
      expect(await sh('cp1', 'systemctl show -p MainPID --value drydock-demo')).to.not.equal(pid);
      expect((await task('cp1', 'systemd', { args: { name: 'drydock-demo', state: 'stopped' }, check: true })).changed).to.equal(true);
      expect(await sh('cp1', 'systemctl is-active drydock-demo || true')).to.equal('active');
      expect((await task('cp1', 'systemd', { args: { name: 'drydock-demo', state: 'stopped' } })).changed).to.equal(true);
      expect((await task('cp1', 'systemd', { args: { name: 'drydock-demo', state: 'stopped' } })).changed).to.equal(false);
      const missing = await task('cp1', 'systemd', { args: { name: 'no-such-unit', state: 'started' } });
      expect(missing.msg).to.include('Could not find the requested service no-such-unit');
    });
  });

  describe('reboot', () => {
    it('reboots a host and waits for a new boot id', async () => {
      const before = await sh('worker1', 'cat /proc/sys/kernel/random/boot_id');
      const result = await task('worker1', 'reboot', { args: { reboot_timeout: 90, connect_timeout: 5 } });
      expect(result).to.include({ changed: true, rebooted: true, previous_boot_id: before });
      expect(await sh('worker1', 'cat /proc/sys/kernel/random/boot_id')).to.not.equal(before);
    });
  });
});
