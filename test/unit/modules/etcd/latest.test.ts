import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestVerifiedSnapshot, parseSha256File } from '../../../../src/modules/etcd/latest.js';
import { snapshotFileName } from '../../../../src/modules/etcd/naming.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('modules/etcd: latestVerifiedSnapshot (controller files)', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-etcd-latest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a snapshot and its sidecars as the module does; `tamper` changes one of them afterwards. */
  function snapshot(cluster: string, host: string, ageMs: number, tamper?: 'content' | 'unverified' | 'no-json' | 'other-cluster' | 'pki-changed' | 'pki-missing', pki = true): string {
    const name = snapshotFileName(cluster, host, NOW - ageMs);
    const data = Buffer.from(`etcd data of ${name}`);
    const sha = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(dir, name), tamper === 'content' ? Buffer.concat([data, Buffer.from('x')]) : data);
    writeFileSync(join(dir, `${name}.sha256`), `${sha}  ${name}\n`);
    const pkiFile = name.replace(/\.db$/, '.pki.tar.gz');
    const pkiData = Buffer.from(`pki of ${name}`);
    if (pki && tamper !== 'pki-missing') writeFileSync(join(dir, pkiFile), tamper === 'pki-changed' ? Buffer.from('other') : pkiData);
    const pkiFields = pki ? { pki_file: pkiFile, pki_sha256: createHash('sha256').update(pkiData).digest('hex') } : {};
    const sidecar = { cluster: tamper === 'other-cluster' ? 'elsewhere' : cluster, host, file: name, sha256: sha, revision: 10, total_keys: 3, verified: tamper !== 'unverified', ...pkiFields };
    if (tamper !== 'no-json') writeFileSync(join(dir, `${name}.json`), JSON.stringify(sidecar));
    return name;
  }

  it('returns the newest snapshot whose checksum and sidecar hold up', async () => {
    snapshot('prod', 'cp1', 5 * HOUR);
    const newest = snapshot('prod', 'cp2', 2 * HOUR);
    snapshot('staging', 'cp1', 1 * HOUR);
    const found = await latestVerifiedSnapshot(dir, 'prod', new Date(NOW), 24 * HOUR);
    expect(found?.path).to.equal(join(dir, newest));
    expect(found?.host).to.equal('cp2');
    expect(found?.takenAt.getTime()).to.equal(NOW - 2 * HOUR);
    expect(found?.status.revision).to.equal(10);
  });

  it('skips a snapshot whose content no longer matches its .sha256, and ones not marked verified', async () => {
    const good = snapshot('prod', 'cp1', 6 * HOUR);
    snapshot('prod', 'cp1', 3 * HOUR, 'unverified');
    snapshot('prod', 'cp1', 2 * HOUR, 'no-json');
    snapshot('prod', 'cp1', 90 * 60_000, 'other-cluster');
    snapshot('prod', 'cp1', 1 * HOUR, 'content');
    expect((await latestVerifiedSnapshot(dir, 'prod', NOW, 24 * HOUR))?.path).to.equal(join(dir, good));
  });

  it('skips a snapshot whose PKI archive is gone or changed, and takes an older one that names none', async () => {
    const older = snapshot('prod', 'cp1', 6 * HOUR, undefined, false);
    snapshot('prod', 'cp1', 2 * HOUR, 'pki-missing');
    snapshot('prod', 'cp1', 1 * HOUR, 'pki-changed');
    expect((await latestVerifiedSnapshot(dir, 'prod', NOW, 24 * HOUR))?.path).to.equal(join(dir, older));
    const good = snapshot('prod', 'cp1', 30 * 60_000);
    expect((await latestVerifiedSnapshot(dir, 'prod', NOW, 24 * HOUR))?.path).to.equal(join(dir, good));
  });

  it('returns null when the only verified snapshot is older than allowed, or the folder is missing', async () => {
    snapshot('prod', 'cp1', 25 * HOUR);
    snapshot('prod', 'cp1', 1 * HOUR, 'content');
    expect(await latestVerifiedSnapshot(dir, 'prod', NOW, 24 * HOUR)).to.equal(null);
    expect(await latestVerifiedSnapshot(join(dir, 'absent'), 'prod', NOW, 24 * HOUR)).to.equal(null);
  });

  it('reads sha256sum-style and bare checksum files', () => {
    const sha = 'ab'.repeat(32);
    expect(parseSha256File(`${sha}  x.db\n`)).to.equal(sha);
    expect(parseSha256File(`${sha.toUpperCase()}\n`)).to.equal(sha);
    expect(parseSha256File('nope')).to.equal(undefined);
  });
});
