import { expect } from 'chai';
import { HostKeyError, HostUnreachableError } from '../../../src/errors.js';
import { sha256Fingerprint } from '../../../src/transport/fingerprint.js';
import { decideHostKey, hostKeyAlgorithmsFor, hostKeyCheckFailure } from '../../../src/transport/host-key-check.js';
import type { HostKeyCheckLike, KnownHostsStoreLike } from '../../../src/transport/host-key-check.js';
import type { ConnectionSpec, HostKeyPolicy } from '../../../src/transport/types.js';
import { fakeKeyBlob } from './host-key-fixtures.js';

/** Records what was asked of it; answers every check with `status`. */
class FakeStore implements KnownHostsStoreLike {
  readonly checked: string[] = [];
  readonly appended: { host: string; port: number; keyType: string; hash: boolean | undefined }[] = [];
  readonly writableFile = '/home/ops/.ssh/known_hosts';
  constructor(private readonly status: HostKeyCheckLike['status'] = 'unknown') {}

  check(host: string, port: number): HostKeyCheckLike {
    this.checked.push(`${host}:${port}`);
    const known = this.status === 'unknown' ? [] : [{ file: this.writableFile, line: 3, keyType: 'ssh-ed25519', fingerprint: 'SHA256:old' }];
    return { status: this.status, known };
  }

  async append(host: string, port: number, keyType: string, _blob: Buffer, options: { hash?: boolean }): Promise<unknown> {
    this.appended.push({ host, port, keyType, hash: options.hash });
    return this.writableFile;
  }

  knownKeyTypes(host: string, port: number): string[] {
    this.checked.push(`${host}:${port}`);
    return ['ecdsa-sha2-nistp256'];
  }
}

function spec(policy: HostKeyPolicy, overrides: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name: 'db1',
    hostname: '10.0.0.7',
    port: 2222,
    user: 'ops',
    identityFiles: [],
    identitiesOnly: true,
    proxyJump: [],
    userKnownHostsFiles: ['/home/ops/.ssh/known_hosts'],
    globalKnownHostsFiles: [],
    hostKeyPolicy: policy,
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 0,
    keepaliveCountMax: 3,
    become: { enabled: false, user: 'root', method: 'sudo' },
    ...overrides,
  };
}

const blob = fakeKeyBlob('ssh-ed25519', 7);

describe('transport/host-key-check', () => {
  it('checks hostname and port, or the HostKeyAlias alone (port 22 form), as OpenSSH does', async () => {
    const store = new FakeStore('match');
    await decideHostKey(spec('strict'), blob, store);
    await decideHostKey(spec('strict', { hostKeyAlias: 'db-alias' }), blob, store);
    await hostKeyAlgorithmsFor(spec('strict', { hostKeyAlias: 'db-alias' }), store);
    expect(store.checked).to.deep.equal(['10.0.0.7:2222', 'db-alias:22', 'db-alias:22']);
  });

  it('offers the recorded key types first', async () => {
    expect((await hostKeyAlgorithmsFor(spec('strict'), new FakeStore()))[0]).to.equal('ecdsa-sha2-nistp256');
  });

  it('accepts a match with the presented fingerprint, and refuses an unknown key under strict', async () => {
    expect(await decideHostKey(spec('strict'), blob, new FakeStore('match'))).to.deep.equal({ fingerprint: sha256Fingerprint(blob) });
    const { refusal } = await decideHostKey(spec('strict', { hostKeyAlias: 'db-alias' }), blob, new FakeStore('unknown'));
    expect(refusal).to.be.instanceOf(HostKeyError);
    expect(refusal).to.include({ problem: 'unknown', host: 'db1' });
    expect(refusal?.message).to.include('host db-alias ').and.include('/home/ops/.ssh/known_hosts');
  });

  it('refuses changed keys under accept-new and revoked keys even under off', async () => {
    expect((await decideHostKey(spec('accept-new'), blob, new FakeStore('changed'))).refusal).to.include({ problem: 'changed' });
    expect((await decideHostKey(spec('off'), blob, new FakeStore('revoked'))).refusal).to.include({ problem: 'revoked' });
    expect((await decideHostKey(spec('off'), blob, new FakeStore('changed'))).refusal).to.equal(undefined);
  });

  it('accept-new records under the alias, hashed when the spec says so, the caller override winning', async () => {
    const store = new FakeStore('unknown');
    await decideHostKey(spec('accept-new', { hostKeyAlias: 'db-alias' }), blob, store);
    await decideHostKey(spec('accept-new', { hashKnownHosts: true }), blob, store);
    await decideHostKey(spec('accept-new', { hashKnownHosts: true }), blob, store, { hashKnownHosts: false });
    await decideHostKey(spec('accept-new'), blob, store, { hashKnownHosts: true });
    expect(store.appended).to.deep.equal([
      { host: 'db-alias', port: 22, keyType: 'ssh-ed25519', hash: false },
      { host: '10.0.0.7', port: 2222, keyType: 'ssh-ed25519', hash: true },
      { host: '10.0.0.7', port: 2222, keyType: 'ssh-ed25519', hash: false },
      { host: '10.0.0.7', port: 2222, keyType: 'ssh-ed25519', hash: true },
    ]);
  });

  it('turns a store failure into an unreachable host in the hostkey phase', () => {
    const err = hostKeyCheckFailure(spec('strict'), new Error('EACCES: permission denied'));
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'hostkey' });
    expect(err.message).to.include('cannot check the host key: EACCES');
  });
});
