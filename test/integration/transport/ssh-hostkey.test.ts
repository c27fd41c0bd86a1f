import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { HostKeyError } from '../../../src/errors.js';
import { sha256Fingerprint } from '../../../src/transport/fingerprint.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection } from '../../../src/transport/ssh.js';
import type { HostKeyPolicy } from '../../../src/transport/types.js';
import { fleetSpec, startFleet } from '../../helpers/fleet.js';
import type { Fleet, FleetHost } from '../../helpers/fleet.js';

const run = promisify(execFile);

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('ssh host key verification against a real sshd', function () {
  this.timeout(20_000);
  let fleet: Fleet;
  /** A second fleet: its own host key, on other addresses. */
  let other: Fleet;
  let keyType: string;
  let keyBlob: string;
  let fingerprint: string;
  let caseNumber = 0;

  before(async () => {
    [fleet, other] = await Promise.all([
      startFleet({ hosts: 3, firstAddress: '127.0.31.1' }),
      startFleet({ hosts: 1, firstAddress: '127.0.32.1', hostKeyTypes: ['ed25519', 'ecdsa'] }),
    ]);
    [keyType = '', keyBlob = ''] = fleet.hostKeyPublic.split(' ');
    fingerprint = sha256Fingerprint(Buffer.from(keyBlob, 'base64'));
  });
  after(async () => {
    await Promise.all([fleet?.stop(), other?.stop()]);
  });

  async function knownHosts(lines: string[]): Promise<string> {
    const file = join(fleet.dir, `known_hosts.case${++caseNumber}`);
    await writeFile(file, lines.map((line) => `${line}\n`).join(''));
    return file;
  }

  async function connect(file: string, policy: HostKeyPolicy, host: FleetHost = fleet.hosts[0]!, options: { hash?: boolean } = {}) {
    const store = await KnownHostsStore.load([file], []);
    const spec = fleetSpec(fleet, host, { hostKeyPolicy: policy, userKnownHostsFiles: [file] });
    return openSshConnection(spec, { knownHosts: store, ...(options.hash ? { hashKnownHosts: true } : {}) });
  }

  it('connects when the key is recorded', async () => {
    const conn = await connect(fleet.knownHostsFile, 'strict');
    expect(conn.hostKeyFingerprint).to.equal(fingerprint);
    await conn.close();
  });

  it('refuses an unknown host under strict checking, showing the SHA256 fingerprint and how to accept it', async () => {
    const err = await settle(connect(await knownHosts([]), 'strict'));
    expect(err).to.be.instanceOf(HostKeyError);
    expect(err).to.include({ problem: 'unknown', fingerprint, keyType, phase: 'hostkey' });
    expect((err as Error).message).to.include(fingerprint).and.include('ssh-keyscan').and.include('accept-new');
    expect((err as Error).message).not.to.include('Host denied');
  });

  it('refuses a changed key loudly, naming the recorded line', async () => {
    const host = other.hosts[0]!;
    const file = await knownHosts([`[${host.address}]:${host.port} ${keyType} ${keyBlob}`]);
    const store = await KnownHostsStore.load([file], []);
    const spec = fleetSpec(other, host, { userKnownHostsFiles: [file] });
    for (const policy of ['strict', 'accept-new'] as const) {
      const err = await settle(openSshConnection({ ...spec, hostKeyPolicy: policy }, { knownHosts: store }));
      expect(err).to.be.instanceOf(HostKeyError);
      expect(err).to.include({ problem: 'changed' });
      expect((err as Error).message).to.include('REMOTE HOST IDENTIFICATION HAS CHANGED').and.include(`${file}:1`);
      expect((err as Error).message).to.include(fingerprint);
    }
    expect(await readFile(file, 'utf8')).to.equal(`[${host.address}]:${host.port} ${keyType} ${keyBlob}\n`);
  });

  it('accept-new records an unknown key, and the next connection matches it', async () => {
    const file = await knownHosts([]);
    const first = await connect(file, 'accept-new');
    await first.close();
    const host = fleet.hosts[0]!;
    expect(await readFile(file, 'utf8')).to.equal(`[${host.address}]:${host.port} ${keyType} ${keyBlob}\n`);
    const second = await connect(file, 'strict');
    expect(second.hostKeyFingerprint).to.equal(fingerprint);
    await second.close();
  });

  it('accept-new can record the host name hashed', async () => {
    const file = await knownHosts([]);
    await (await connect(file, 'accept-new', fleet.hosts[0], { hash: true })).close();
    expect(await readFile(file, 'utf8')).to.match(/^\|1\|[^ ]+ ssh-ed25519 /);
    await (await connect(file, 'strict')).close();
  });

  it('matches entries hashed by ssh-keygen -H', async () => {
    const file = await knownHosts(fleet.hosts.map((h) => `[${h.address}]:${h.port} ${keyType} ${keyBlob}`));
    await run('ssh-keygen', ['-q', '-H', '-f', file]);
    const text = await readFile(file, 'utf8');
    expect(text).not.to.include(fleet.hosts[1]!.address);
    const conn = await connect(file, 'strict', fleet.hosts[1]);
    expect(conn.hostKeyFingerprint).to.equal(fingerprint);
    await conn.close();
  });

  it('refuses a revoked key under every policy, even off', async () => {
    const host = fleet.hosts[2]!;
    const file = await knownHosts([`@revoked * ${keyType} ${keyBlob}`, `[${host.address}]:${host.port} ${keyType} ${keyBlob}`]);
    for (const policy of ['strict', 'accept-new', 'off'] as const) {
      const err = await settle(connect(file, policy, host));
      expect(err).to.be.instanceOf(HostKeyError);
      expect(err).to.include({ problem: 'revoked' });
      expect((err as Error).message).to.include('REVOKED').and.include(`${file}:1`);
    }
  });

  it('off accepts unknown and changed keys without recording them', async () => {
    const empty = await knownHosts([]);
    await (await connect(empty, 'off')).close();
    expect(await readFile(empty, 'utf8')).to.equal('');
    const host = other.hosts[0]!;
    const file = await knownHosts([`[${host.address}]:${host.port} ${keyType} ${keyBlob}`]);
    const store = await KnownHostsStore.load([file], []);
    const conn = await openSshConnection(fleetSpec(other, host, { hostKeyPolicy: 'off' }), { knownHosts: store });
    expect(conn.hostKeyFingerprint).not.to.equal(fingerprint);
    await conn.close();
  });

  it('offers the recorded key type first, so a host known only by its ECDSA key is not "unknown"', async () => {
    const host = other.hosts[0]!;
    const [ecdsaType, ecdsaBlob = ''] = other.hostKeys['ecdsa']!.split(' ');
    const file = await knownHosts([`[${host.address}]:${host.port} ${ecdsaType} ${ecdsaBlob}`]);
    const store = await KnownHostsStore.load([file], []);
    const conn = await openSshConnection(fleetSpec(other, host, { userKnownHostsFiles: [file] }), { knownHosts: store });
    expect(conn.hostKeyFingerprint).to.equal(sha256Fingerprint(Buffer.from(ecdsaBlob, 'base64')));
    await conn.close();
    // Without a record, ssh2's default order gets the ed25519 key: the recorded type really was asked for.
    const empty = await KnownHostsStore.load([await knownHosts([])], []);
    const err = await settle(openSshConnection(fleetSpec(other, host, { hostKeyPolicy: 'strict' }), { knownHosts: empty }));
    expect(err).to.include({ keyType: 'ssh-ed25519' });
  });

  it('looks the host up by HostKeyAlias alone, without the port, as OpenSSH does', async () => {
    expect(fleet.port).not.to.equal(22);
    const file = await knownHosts([`db-alias ${keyType} ${keyBlob}`]);
    const store = await KnownHostsStore.load([file], []);
    const spec = fleetSpec(fleet, fleet.hosts[0], { hostKeyAlias: 'db-alias', userKnownHostsFiles: [file] });
    await (await openSshConnection(spec, { knownHosts: store })).close();
    const { hostKeyAlias: _alias, ...withoutAlias } = spec;
    expect(await settle(openSshConnection(withoutAlias, { knownHosts: store }))).to.include({ problem: 'unknown' });
    const err = await settle(openSshConnection({ ...spec, hostKeyAlias: 'other-alias' }, { knownHosts: store }));
    expect(err).to.include({ problem: 'unknown' });
    expect((err as Error).message).to.include('host other-alias ');
  });

  it('does not take a [alias]:port line for a HostKeyAlias (OpenSSH never writes one)', async () => {
    const file = await knownHosts([`[db-alias]:${fleet.port} ${keyType} ${keyBlob}`]);
    const store = await KnownHostsStore.load([file], []);
    const spec = fleetSpec(fleet, fleet.hosts[0], { hostKeyAlias: 'db-alias', userKnownHostsFiles: [file] });
    expect(await settle(openSshConnection(spec, { knownHosts: store }))).to.include({ problem: 'unknown' });
  });

  it('accept-new records a HostKeyAlias host under the alias alone', async () => {
    const file = await knownHosts([]);
    const spec = fleetSpec(fleet, fleet.hosts[1], { hostKeyAlias: 'db-alias', hostKeyPolicy: 'accept-new', userKnownHostsFiles: [file] });
    await (await openSshConnection(spec, { knownHosts: await KnownHostsStore.load([file], []) })).close();
    expect(await readFile(file, 'utf8')).to.equal(`db-alias ${keyType} ${keyBlob}\n`);
    const strict = { ...spec, hostKeyPolicy: 'strict' as const };
    await (await openSshConnection(strict, { knownHosts: await KnownHostsStore.load([file], []) })).close();
  });

  it('accept-new with spec.hashKnownHosts writes a hashed line that ssh-keygen -F finds', async () => {
    const file = await knownHosts([]);
    const host = fleet.hosts[2]!;
    const spec = fleetSpec(fleet, host, { hostKeyPolicy: 'accept-new', hashKnownHosts: true, userKnownHostsFiles: [file] });
    await (await openSshConnection(spec, { knownHosts: await KnownHostsStore.load([file], []) })).close();
    const text = await readFile(file, 'utf8');
    expect(text).to.match(/^\|1\|[^ ]+ ssh-ed25519 /).and.not.include(host.address);
    const { stdout } = await run('ssh-keygen', ['-F', `[${host.address}]:${host.port}`, '-f', file]);
    expect(stdout).to.include(keyBlob);
    const unhashed = await knownHosts([]);
    const plainSpec = { ...spec, hashKnownHosts: true, userKnownHostsFiles: [unhashed] };
    // The deps override still wins over the spec.
    await (await openSshConnection(plainSpec, { knownHosts: await KnownHostsStore.load([unhashed], []), hashKnownHosts: false })).close();
    expect(await readFile(unhashed, 'utf8')).to.equal(`[${host.address}]:${host.port} ${keyType} ${keyBlob}\n`);
  });
});
