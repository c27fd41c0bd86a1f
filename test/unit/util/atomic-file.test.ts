import { expect } from 'chai';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/util/atomic-file.js';

describe('util: writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file by a rename: a reader that opened the old file still reads all of the old text', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, 'old text\n');
    const inode = statSync(file).ino;
    const fd = openSync(file, 'r');
    try {
      await writeFileAtomic(file, 'new text, longer than before\n');
      const buffer = Buffer.alloc(100);
      const n = readSync(fd, buffer, 0, 100, 0);
      expect(buffer.subarray(0, n).toString()).to.equal('old text\n');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).to.equal('new text, longer than before\n');
    expect(statSync(file).ino).to.not.equal(inode);
    expect(readdirSync(dir)).to.deep.equal(['config']);
  });

  it('leaves the file mode 0600 whatever the old mode and the umask', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, 'x');
    chmodSync(file, 0o644);
    const umask = process.umask(0o077);
    try {
      await writeFileAtomic(file, 'y');
    } finally {
      process.umask(umask);
    }
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const fresh = join(dir, 'fresh');
    const loose = process.umask(0);
    try {
      await writeFileAtomic(fresh, 'z');
    } finally {
      process.umask(loose);
    }
    expect(statSync(fresh).mode & 0o777).to.equal(0o600);
  });

  it("keeps the old file's owner and group when this process may set them", async function () {
    if (process.getuid?.() !== 0) this.skip();
    const file = join(dir, 'config');
    writeFileSync(file, 'x');
    chownSync(file, 4321, 4322);
    await writeFileAtomic(file, 'y');
    expect(statSync(file)).to.include({ uid: 4321, gid: 4322 });
  });

  it('replaces the target of a symbolic link and keeps the link', async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'config');
    writeFileSync(target, 'old');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).to.equal(true);
    expect(readFileSync(target, 'utf8')).to.equal('new');
    expect(readdirSync(join(dir, 'real'))).to.deep.equal(['config']);
  });

  it('on failure leaves what was there and no temporary file', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside'), 'kept');
    let error: unknown;
    await writeFileAtomic(folder, 'text').catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(Error);
    expect(readFileSync(join(folder, 'inside'), 'utf8')).to.equal('kept');
    expect(readdirSync(dir)).to.deep.equal(['a-folder']);
  });
});
