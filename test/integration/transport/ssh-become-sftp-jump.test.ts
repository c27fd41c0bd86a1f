import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CommandTimeoutError, HostUnreachableError, RemoteCommandError } from '../../../src/errors.js';
import { BecomeError } from '../../../src/transport/become.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection } from '../../../src/transport/ssh.js';
import type { SshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, sessionProcesses, skipUnlessSudo, startFleet } from '../../helpers/fleet.js';
import type { Fleet } from '../../helpers/fleet.js';

const run = promisify(execFile);

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('sudo become, sftp and jump hosts against a real sshd', function () {
  this.timeout(20_000);
  let fleet: Fleet;
  let knownHosts: KnownHostsStore;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.51.1' });
    knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
  });
  after(async () => fleet?.stop());

  describe('become with sudo', () => {
    let conn: SshConnection;
    before(async function () {
      skipUnlessSudo(this, fleet);
      conn = await openSshConnection(fleetSpec(fleet, fleet.hosts[0], { user: fleet.sudoUser }), {
        knownHosts,
        killGraceMs: 300,
      });
    });
    after(async () => conn?.close());

    it('runs as root with the password fed on stdin, then passes the caller stdin on', async () => {
      const become = { enabled: true, user: 'root', password: fleet.sudoPassword };
      const result = await conn.exec('id -u; id -un; cat', { become, stdin: 'payload\n' });
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal('0\nroot\npayload\n');
      expect(result.stderr).to.equal('');
      expect((await conn.exec('id -un')).stdout).to.equal(`${fleet.sudoUser}\n`);
    });

    it('reports a wrong password clearly, without the password, and does not run the command', async () => {
      const wrong = 'definitely-wrong-9137';
      const err = await settle(conn.exec('touch /tmp/drydock-should-not-exist', { become: { enabled: true, user: 'root', password: wrong } }));
      expect(err).to.be.instanceOf(BecomeError);
      expect(err).to.be.instanceOf(RemoteCommandError);
      expect(err).to.include({ reason: 'wrong-password' });
      expect((err as Error).message).to.include('incorrect password').and.include('touch /tmp/drydock-should-not-exist');
      expect((err as Error).message).not.to.include(wrong).and.not.to.include('DRYDOCK');
      expect(JSON.stringify(err)).not.to.include(wrong);
      expect(await stat('/tmp/drydock-should-not-exist').then(() => true, () => false)).to.equal(false);
    });

    it('reports a missing password as such', async () => {
      const err = await settle(conn.exec('id -u', { become: { enabled: true, user: 'root' } }));
      expect(err).to.include({ reason: 'password-required' });
      expect((err as Error).message).to.include('requires a password');
    });

    it('ends an escalated command on timeout', async () => {
      const marker = `drydock-become-timeout-${Date.now()}`;
      const become = { enabled: true, user: 'root', password: fleet.sudoPassword };
      const err = await settle(conn.exec(`sleep 57; echo ${marker}`, { become, timeoutMs: 800 }));
      expect(err).to.be.instanceOf(CommandTimeoutError);
      const left = await run('pgrep', ['-af', marker]).then((r) => r.stdout.trim(), () => '');
      expect(left).to.equal('');
    });
  });

  describe('sftp', () => {
    let conn: SshConnection;
    before(async () => {
      conn = await openSshConnection(fleetSpec(fleet), { knownHosts });
    });
    after(async () => conn?.close());

    it('puts and gets a file, applying the mode even over an existing file', async () => {
      const path = `${fleet.dir}/home/sftp-${Date.now()}.bin`;
      const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
      await conn.put(path, data, 0o640);
      expect((await stat(path)).mode & 0o777).to.equal(0o640);
      expect((await conn.get(path)).equals(data)).to.equal(true);
      await conn.put(path, 'second version\n', 0o600);
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect((await conn.get(path)).toString()).to.equal('second version\n');
    });

    it('reuses one sftp session for every transfer on a connection', async () => {
      const trace: string[] = [];
      const fresh = await openSshConnection(fleetSpec(fleet), { knownHosts, debug: (line) => trace.push(line) });
      try {
        const base = `${fleet.dir}/home/many-${Date.now()}`;
        await Promise.all(Array.from({ length: 15 }, (_, i) => fresh.put(`${base}-${i}`, `file ${i}`)));
        const read = await Promise.all(Array.from({ length: 15 }, (_, i) => fresh.get(`${base}-${i}`)));
        expect(read.map(String)).to.deep.equal(Array.from({ length: 15 }, (_, i) => `file ${i}`));
        expect(trace.filter((line) => line.includes('subsystem: sftp'))).to.have.length(1);
      } finally {
        await fresh.close();
      }
    });

    it('reports a missing remote file as a failed transfer, not an unreachable host', async () => {
      const err = await settle(conn.get(`${fleet.dir}/home/does-not-exist`));
      expect(err).to.be.instanceOf(RemoteCommandError);
      expect(err).not.to.be.instanceOf(HostUnreachableError);
      expect((err as Error).message).to.include('does-not-exist');
    });
  });

  describe('jump hosts', () => {
    it('opens a second connection through forwardOut on a first (manual ProxyJump)', async () => {
      const bastion = await openSshConnection(fleetSpec(fleet, fleet.hosts[0]), { knownHosts });
      try {
        const target = fleet.hosts[1]!;
        const sock = await bastion.forwardOut(target.address, target.port);
        const inner = await openSshConnection(fleetSpec(fleet, target), { knownHosts, sock });
        const result = await inner.exec('echo $SSH_CONNECTION');
        // The target sees the connection coming from the bastion's side of loopback.
        expect(result.stdout.split(' ')[2]).to.equal(target.address);
        await inner.close();
      } finally {
        await bastion.close();
      }
    });

    it('connects through spec.proxyJump on its own and closes the hops with the target', async () => {
      const before = sessionProcesses(fleet).length;
      const jump = fleetSpec(fleet, fleet.hosts[0]);
      const spec = fleetSpec(fleet, fleet.hosts[2], { proxyJump: [jump] });
      const conn = await openSshConnection(spec, { knownHosts });
      expect((await conn.exec('hostname >/dev/null; echo via-jump')).stdout).to.equal('via-jump\n');
      expect(sessionProcesses(fleet).length).to.equal(before + 2);
      await conn.close();
      const deadline = Date.now() + 3000;
      while (sessionProcesses(fleet).length > before && Date.now() < deadline) await new Promise((d) => setTimeout(d, 20));
      expect(sessionProcesses(fleet).length).to.equal(before);
    });

    it('reports a failing jump host as the target failing in the proxy phase', async () => {
      const jump = fleetSpec(fleet, fleet.hosts[0], { name: 'bastion', port: 1 });
      const err = await settle(openSshConnection(fleetSpec(fleet, fleet.hosts[2], { proxyJump: [jump] }), { knownHosts }));
      expect(err).to.be.instanceOf(HostUnreachableError);
      expect(err).to.include({ phase: 'proxy', host: fleet.hosts[2]!.name });
      expect((err as Error).message).to.include('bastion');
    });
  });
});
