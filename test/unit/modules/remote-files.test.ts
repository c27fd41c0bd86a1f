import { expect } from 'chai';
import { parseMode } from '../../../src/modules/args.js';
import { decideCopy, diffable } from '../../../src/modules/copy.js';
import { fetchDestination } from '../../../src/modules/fetch.js';
import { applySymbolicMode, attributesDiffer, parseStat } from '../../../src/modules/remote-files.js';

describe('modules/remote files (pure)', () => {
  it('parses the stat script output', () => {
    const sha = 'a'.repeat(64);
    expect(parseStat(`regular file|644|root|adm|0|4|12\n\n${sha}\n`)).to.deep.equal({
      exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'adm', uid: 0, gid: 4, size: 12, sha256: sha,
    });
    expect(parseStat('symbolic link|777|root|root|0|0|4\n/etc/x\n')).to.include({ type: 'link', linkTarget: '/etc/x' });
    expect(parseStat('absent\n')).to.deep.equal({ exists: false });
  });

  it('decides a copy by checksum and force', () => {
    const sha = 'b'.repeat(64);
    expect(decideCopy({ exists: false }, sha, true)).to.equal('write');
    expect(decideCopy({ exists: true, type: 'file', sha256: sha }, sha, true)).to.equal('unchanged');
    expect(decideCopy({ exists: true, type: 'file', sha256: 'c'.repeat(64) }, sha, true)).to.equal('write');
    expect(decideCopy({ exists: true, type: 'file', sha256: 'c'.repeat(64) }, sha, false)).to.equal('keep-existing');
    expect(diffable(Buffer.from('text'))).to.equal(true);
    expect(diffable(Buffer.from([0, 1]))).to.equal(false);
  });

  it('reads modes like Ansible users write them, and applies symbolic modes', () => {
    expect(parseMode('0644')).to.deep.equal({ octal: 0o644 });
    expect(parseMode(644)).to.deep.equal({ octal: 0o644 });
    expect(parseMode('u+x,g-w')).to.deep.equal({ symbolic: 'u+x,g-w' });
    expect(() => parseMode('rwx')).to.throw(/octal/);
    expect(applySymbolicMode(0o644, 'u+x,g-w', false)).to.equal(0o744);
    expect(applySymbolicMode(0o777, 'go=rX', true)).to.equal(0o755);
    expect(applySymbolicMode(0o600, 'a+X', false)).to.equal(0o600);
  });

  it('compares attributes by name or numeric id', () => {
    const stat = { exists: true, type: 'file' as const, mode: 0o644, owner: 'root', group: 'root', uid: 0, gid: 0 };
    expect(attributesDiffer(stat, { mode: { octal: 0o644 }, owner: '0', group: 'root' })).to.equal(false);
    expect(attributesDiffer(stat, { mode: { octal: 0o600 } })).to.equal(true);
    expect(attributesDiffer(stat, { owner: 'www-data' })).to.equal(true);
  });

  it('lays fetched files out per host unless flat', () => {
    expect(fetchDestination('/etc/kubernetes/admin.conf', 'backups', 'cp1', false)).to.equal('backups/cp1/etc/kubernetes/admin.conf');
    expect(fetchDestination('/etc/hosts', 'out/', 'cp1', true)).to.equal('out/hosts');
    expect(fetchDestination('/etc/hosts', 'out/h.txt', 'cp1', true)).to.equal('out/h.txt');
  });
});
