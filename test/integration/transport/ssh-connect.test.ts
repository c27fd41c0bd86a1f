import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, startFleet } from '../../helpers/fleet.js';
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

/** A loopback port that nothing listens on. */
async function closedPort(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, address, done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('ssh connect phases and authentication against a real sshd', function () {
  this.timeout(20_000);
  let fleet: Fleet;
  let knownHosts: KnownHostsStore;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.41.1' });
    knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
  });
  after(async () => fleet?.stop());

  it('reports a closed port as unreachable in the tcp phase', async () => {
    const address = fleet.hosts[0]!.address;
    const spec = fleetSpec(fleet, fleet.hosts[0], { port: await closedPort(address) });
    const err = await settle(openSshConnection(spec, { knownHosts }));
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'tcp', host: 'node01' });
    expect((err as Error).message).to.include('ECONNREFUSED');
  });

  it('reports a server that never speaks SSH as a key-exchange timeout', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((done) => server.listen(0, '127.0.41.250', done));
    try {
      const spec = fleetSpec(fleet, fleet.hosts[0], {
        hostname: '127.0.41.250',
        port: (server.address() as AddressInfo).port,
        connectTimeoutMs: 300,
      });
      const err = await settle(openSshConnection(spec, { knownHosts }));
      expect(err).to.include({ phase: 'kex' });
      expect((err as Error).message).to.include('timed out after 0.3s');
    } finally {
      server.close();
    }
  });

  it('names the user and the key files tried when authentication fails', async () => {
    const stranger = join(fleet.dir, 'id_stranger');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const spec = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [stranger, join(fleet.dir, 'no-such-key')] });
    const err = await settle(openSshConnection(spec, { knownHosts }));
    expect(err).to.include({ phase: 'auth' });
    const message = (err as Error).message;
    expect(message).to.include(`${fleet.user}@`).and.include(stranger).and.include('no-such-key (not found)');
    expect(message).to.include('All configured authentication methods failed');
  });

  it('tries identity files in order until one is accepted', async () => {
    const stranger = join(fleet.dir, 'id_stranger2');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const spec = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [stranger, fleet.clientKey] });
    const conn = await openSshConnection(spec, { knownHosts });
    expect((await conn.exec('echo ok')).stdout).to.equal('ok\n');
    await conn.close();
  });

  it('uses an encrypted key with its passphrase', async () => {
    const spec = fleetSpec(fleet, fleet.hosts[0], {
      identityFiles: [fleet.clientKeyEncrypted],
      passphrase: fleet.clientKeyPassphrase!,
      become: { enabled: false, user: 'root', method: 'sudo', password: 'become-secret-77' },
    });
    const conn = await openSshConnection(spec, { knownHosts });
    expect((await conn.exec('echo ok')).stdout).to.equal('ok\n');
    // Whatever logs the connection object must not print the secrets it was made with.
    const shown = inspect(conn, { depth: 6, showHidden: true });
    expect(shown).not.to.include(fleet.clientKeyPassphrase).and.not.to.include('become-secret-77');
    await conn.close();
  });

  it('names the key file, never the passphrase, when the passphrase is wrong or missing', async () => {
    const wrong = 'not-the-passphrase-4711';
    const spec = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [fleet.clientKeyEncrypted], passphrase: wrong });
    const err = await settle(openSshConnection(spec, { knownHosts }));
    expect(err).to.include({ phase: 'auth' });
    expect((err as Error).message).to.include(fleet.clientKeyEncrypted).and.include('wrong passphrase');
    expect((err as Error).message).not.to.include(wrong);
    expect(JSON.stringify(err)).not.to.include(wrong);

    const { passphrase: _unused, ...withoutPassphrase } = spec;
    const missing = await settle(openSshConnection(withoutPassphrase, { knownHosts }));
    expect((missing as Error).message).to.include(fleet.clientKeyEncrypted).and.include('no passphrase was given');
  });

  describe('with an ssh-agent', () => {
    let agent: ChildProcess | undefined;
    let agentSocket: string;
    before(async () => {
      agentSocket = join(fleet.dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
      const deadline = Date.now() + 5000;
      while (!(await stat(agentSocket).then(() => true, () => false))) {
        if (Date.now() > deadline) throw new Error('ssh-agent did not start');
        await new Promise((done) => setTimeout(done, 20));
      }
      await run('ssh-add', ['-q', fleet.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
    });
    after(() => {
      agent?.kill();
    });

    it('authenticates with an agent key when identities are not limited to files', async () => {
      const spec = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [], identitiesOnly: false, agentSocket });
      const conn = await openSshConnection(spec, { knownHosts });
      expect((await conn.exec('echo agent')).stdout).to.equal('agent\n');
      await conn.close();
    });

    it('ignores the agent under IdentitiesOnly', async () => {
      const spec = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [], identitiesOnly: true, agentSocket });
      const err = await settle(openSshConnection(spec, { knownHosts }));
      expect(err).to.include({ phase: 'auth' });
      expect((err as Error).message).to.include('no usable SSH identity');
    });

    it('goes on to the identity files when the agent socket is dead', async () => {
      const dead = join(fleet.dir, 'no-agent.sock');
      const spec = fleetSpec(fleet, fleet.hosts[0], { identitiesOnly: false, agentSocket: dead });
      const conn = await openSshConnection(spec, { knownHosts });
      await conn.close();
      const onlyAgent = fleetSpec(fleet, fleet.hosts[0], { identityFiles: [], identitiesOnly: false, agentSocket: dead });
      const err = await settle(openSshConnection(onlyAgent, { knownHosts }));
      expect(err).to.include({ phase: 'auth' });
      expect((err as Error).message).to.include(`ssh-agent at ${dead}`);
    });
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const conn = await openSshConnection(fleetSpec(fleet), { knownHosts });
    await Promise.all([conn.close(), conn.close()]);
    await conn.close();
    const err = await settle(conn.exec('true'));
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(await conn.whenClosed).to.equal(undefined);
  });

  it('stops connecting when aborted', async () => {
    const controller = new AbortController();
    const pending = openSshConnection(fleetSpec(fleet), { knownHosts, signal: controller.signal });
    controller.abort();
    const err = await settle(pending);
    expect((err as Error).name).to.equal('AbortError');
  });
});
