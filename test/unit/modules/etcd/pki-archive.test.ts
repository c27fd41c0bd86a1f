/** The PKI archive: the script run by a real sh and tar, and the controller's check of what comes back. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fetchPkiArchive, pkiArchiveScript, tarFileNames } from '../../../../src/modules/etcd/pki-archive.js';
import { fakeContext } from '../fake-context.js';

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

const LONG = 'a-rather-long-file-name-'.padEnd(150, 'x');

describe('modules/etcd: the PKI archive', () => {
  let dir = '';
  let archive: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-pki-archive-'));
    mkdirSync(join(dir, 'pki/etcd'), { recursive: true });
    writeFileSync(join(dir, 'pki/ca.crt'), 'ca');
    writeFileSync(join(dir, 'pki/etcd/ca.key'), 'key');
    writeFileSync(join(dir, 'pki/etcd', LONG), 'long');
    archive = Buffer.from(execFileSync('sh', ['-c', pkiArchiveScript(join(dir, 'pki'))]).toString(), 'base64');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('archives the folder relative to its parent (it unpacks as pki/...), and lists its files', () => {
    expect(tarFileNames(gunzipSync(archive)).sort()).to.deep.equal(['pki/ca.crt', 'pki/etcd/ca.key', `pki/etcd/${LONG}`].sort());
  });

  it('passes on tar\'s exit status through the pipe', () => {
    const failing = pkiArchiveScript(join(dir, 'pki')).replace('tar czf -', 'tar --no-such-option czf -');
    expect(failing).to.not.equal(pkiArchiveScript(join(dir, 'pki')));
    let status = 0;
    try {
      execFileSync('sh', ['-c', failing], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).to.equal(64); // GNU tar's usage error, not base64's 0
  });

  it('refuses an archive cut short or with a damaged header', () => {
    const tar = gunzipSync(archive);
    expect(() => tarFileNames(tar.subarray(0, 1024))).to.throw(/runs past|without its end/);
    const damaged = Buffer.from(tar);
    damaged[10] = damaged[10]! ^ 0x01;
    expect(() => tarFileNames(damaged)).to.throw(/bad checksum/);
  });

  it('fetches over exec and fails with the reason: no folder, tar failing, a damaged archive, no files', async () => {
    const answer = (stdout: string, code = 0) => fakeContext({}, () => ({ stdout, code, stderr: code ? 'tar: pki/x: Cannot open: Permission denied' : '' }));
    const ok = await fetchPkiArchive(answer(archive.toString('base64')), '/etc/kubernetes/pki');
    expect(ok.files).to.have.length(3);
    expect(ok.data.equals(archive)).to.equal(true);
    expect(await rejection(fetchPkiArchive(answer('', 44), '/etc/kubernetes/pki'))).to.match(/not a directory on node1: set pki_dir/);
    expect(await rejection(fetchPkiArchive(answer('', 2), '/etc/kubernetes/pki'))).to.match(/could not archive .*Permission denied/);
    expect(await rejection(fetchPkiArchive(answer(archive.subarray(0, 100).toString('base64')), '/p'))).to.match(/archive of \/p from node1 is damaged/);
    const empty = gzipSync(Buffer.alloc(1024));
    expect(await rejection(fetchPkiArchive(answer(empty.toString('base64')), '/p'))).to.match(/holds no files/);
  });
});
