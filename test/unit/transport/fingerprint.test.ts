import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyTypeOf, sha256Fingerprint, storedKeyType } from '../../../src/transport/fingerprint.js';
import { fakeKeyBlob, makeTempDir } from './host-key-fixtures.js';

describe('transport/fingerprint', () => {
  let temp: ReturnType<typeof makeTempDir>;
  before(() => {
    temp = makeTempDir('fp');
  });
  after(() => temp.cleanup());

  it('prints the same SHA256 fingerprint as ssh-keygen -lf for a generated ed25519 key', () => {
    const keyFile = join(temp.dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const [, base64] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ');
    const blob = Buffer.from(base64 as string, 'base64');
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`], { encoding: 'utf8' })
      .split(' ')[1];
    expect(sha256Fingerprint(blob)).to.equal(expected);
    expect(sha256Fingerprint(blob)).to.match(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(blob)).to.equal('ssh-ed25519');
  });

  it('reads the key type from the wire blob and rejects truncated blobs', () => {
    expect(keyTypeOf(fakeKeyBlob('ecdsa-sha2-nistp256', 1))).to.equal('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 20, 0x61]))).to.equal(undefined);
    expect(keyTypeOf(Buffer.alloc(2))).to.equal(undefined);
  });

  it('stores RSA SHA-2 signature algorithms as ssh-rsa', () => {
    expect(storedKeyType('rsa-sha2-512')).to.equal('ssh-rsa');
    expect(storedKeyType('ssh-ed25519')).to.equal('ssh-ed25519');
  });
});
