import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import { createLiveOpener } from '../../../src/run/live-opener.js';
import { SshConnectionPool } from '../../../src/transport/pool.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

function specFor(fleet: Fleet, index: number, proxyJump: ConnectionSpec[] = []): ConnectionSpec {
  const host = fleet.hosts[index]!;
  return {
    name: host.name, hostname: host.address, port: host.port, user: fleet.user, identityFiles: [fleet.clientKey], identitiesOnly: true,
    proxyJump, userKnownHostsFiles: [fleet.knownHostsFile], globalKnownHostsFiles: [], hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000, keepaliveIntervalMs: 0, keepaliveCountMax: 3, become: { enabled: false, user: 'root', method: 'sudo' },
  };
}

describe('SshConnectionPool against a loopback fleet', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ hosts: 12 });
  });
  after(async () => {
    await fleet?.stop();
  });

  it('reuses one connection per host across several commands', async () => {
    const pool = new SshConnectionPool({ open: createLiveOpener() });
    try {
      for (let round = 0; round < 3; round++) {
        const outputs = await Promise.all(
          [0, 1, 2].map(async (i) => (await (await pool.connect(specFor(fleet, i))).exec(`echo ${round}-$((${i} + 1))`)).stdout),
        );
        expect(outputs).to.deep.equal([`${round}-1\n`, `${round}-2\n`, `${round}-3\n`]);
      }
      expect(pool.handshakes).to.equal(3);
    } finally {
      await pool.closeAll();
    }
  });

  it('tunnels every host behind a ProxyJump bastion through one shared bastion connection', async () => {
    const pool = new SshConnectionPool({ open: createLiveOpener() });
    try {
      const bastion = specFor(fleet, 0);
      // node01 itself is a target too (directly), and the 11 others sit behind it.
      const targets = [bastion, ...fleet.hosts.slice(1).map((_, i) => specFor(fleet, i + 1, [bastion]))];
      const results = await Promise.all(targets.map(async (spec) => (await pool.connect(spec)).exec('echo ok')));
      expect(results.map((r) => r.stdout)).to.deep.equal(targets.map(() => 'ok\n'));
      expect(pool.handshakes).to.equal(targets.length + 1);
    } finally {
      await pool.closeAll();
    }
  });

  it('reports hosts behind an unreachable bastion as proxy failures naming it, with one bastion attempt', async () => {
    const pool = new SshConnectionPool({ open: createLiveOpener(), retries: 0 });
    const deadBastion: ConnectionSpec = { ...specFor(fleet, 0), name: 'dead-bastion', hostname: '127.0.9.1' };
    const errors = await Promise.all(
      [1, 2, 3].map((i) => pool.connect(specFor(fleet, i, [deadBastion])).then(() => undefined, (e: unknown) => e as HostUnreachableError)),
    );
    for (const err of errors) {
      expect(err).to.be.instanceOf(HostUnreachableError);
      expect(err!.phase).to.equal('proxy');
      expect(err!.message).to.contain(`bastion ${fleet.user}@127.0.9.1:${fleet.port}`);
    }
    expect(pool.handshakes).to.equal(1);
    await pool.closeAll();
  });
  it('reconnects after the server side dropped the connection, with a fresh handshake', async () => {
    const pool = new SshConnectionPool({ open: createLiveOpener() });
    try {
      const first = await pool.connect(specFor(fleet, 4));
      // The command's parent is the sshd process serving this connection: killing it is the host going away.
      await first.exec('kill -9 $PPID').catch(() => undefined);
      const stale = await first.exec('echo still here').then(() => 'ran', (e: unknown) => e);
      expect(stale).to.be.instanceOf(HostUnreachableError);
      const fresh = await pool.reconnect(specFor(fleet, 4), { timeoutMs: 20_000 });
      expect(fresh).to.not.equal(first);
      expect((await fresh.exec('echo back')).stdout.trim()).to.equal('back');
      expect(await pool.connect(specFor(fleet, 4))).to.equal(fresh);
      expect(pool.handshakes).to.equal(2);
      // Reconnecting a live connection replaces it too.
      const again = await pool.reconnect(specFor(fleet, 4));
      expect((await again.exec('echo again')).stdout.trim()).to.equal('again');
      expect(pool.handshakes).to.equal(3);
    } finally {
      await pool.closeAll();
    }
  });
});
