import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { entryMatchesName, KnownHostsIndex, type KnownHostsEntry } from '../../../src/transport/known-hosts-format.js';
import { checkHostKey, hashKnownHostsName, knownHostsName, knownKeyTypes, lookupHost, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { fakeKeyBlob, knownHostsLine } from './host-key-fixtures.js';

const keyA = fakeKeyBlob('ssh-ed25519', 1);
const keyB = fakeKeyBlob('ssh-ed25519', 2);
const rsaKey = fakeKeyBlob('ssh-rsa', 3);

/** What matching meant before the index: every entry evaluated, file order. */
function linear(entries: readonly KnownHostsEntry[], name: string, marker?: string): KnownHostsEntry[] {
  return entries.filter((entry) => entry.marker === marker && entryMatchesName(entry, name));
}

/** A 5,000-line fleet file with the awkward cases sprinkled in. */
function bigFile(): string {
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) {
    if (i === 10) lines.push(knownHostsLine('*.lab.example,!bad.lab.example', keyB));
    if (i === 20) lines.push(knownHostsLine('node4?', rsaKey, 'ssh-rsa'));
    if (i === 30) lines.push(knownHostsLine(hashKnownHostsName('node77', randomBytes(20)), keyB));
    if (i === 40) lines.push(knownHostsLine('[NODE77]:2222,Node77,node77', rsaKey, 'ssh-rsa'));
    if (i === 50) lines.push(`@cert-authority node12 ssh-ed25519 ${keyA.toString('base64')}`);
    if (i === 60) lines.push(`@revoked * ssh-ed25519 ${keyB.toString('base64')}`);
    lines.push(knownHostsLine(`node${i},10.${i >> 8}.${i & 255}.1`, i % 2 ? keyA : rsaKey, i % 2 ? 'ssh-ed25519' : 'ssh-rsa'));
  }
  lines.push(knownHostsLine('node77,,node77', keyA));
  return lines.join('\n');
}

describe('KnownHostsIndex', () => {
  const entries = parseKnownHosts(bigFile(), '/kh');

  it('answers exactly as evaluating every entry does, in file order', () => {
    const index = new KnownHostsIndex(entries);
    const names = ['node77', 'NODE77', '[node77]:2222', 'node12', 'node40', 'node41', 'node4', 'web.lab.example', 'bad.lab.example', '10.0.5.1', 'nowhere', '*'];
    for (const name of names.map((n) => n.toLowerCase())) {
      expect(index.matching(name), name).to.deep.equal(linear(entries, name));
      expect(index.matching(name, 'cert-authority'), name).to.deep.equal(linear(entries, name, 'cert-authority'));
    }
    const node77 = index.matching('node77').map((e) => e.line);
    expect(node77).to.have.length(4);
    expect(node77).to.deep.equal([...node77].sort((a, b) => a - b));
    expect(index.matching('node41').map((e) => e.hostField)).to.deep.equal(['node4?', 'node41,10.0.41.1']);
    expect(index.matching('node4').map((e) => e.hostField)).to.deep.equal(['node4,10.0.4.1']);
  });

  it('evaluates only the wildcard, negated and hashed entries of a 5,000-line file', () => {
    const index = new KnownHostsIndex(entries);
    expect(index.matching(knownHostsName('node4321', 22)).map((e) => e.hostField)).to.deep.equal(['node4321,10.16.225.1']);
    // '*.lab.example,!bad…', 'node4?' and the hashed line; @cert-authority/@revoked lines are not plain lines.
    expect(index.evaluations).to.equal(3);
  });

  it('keeps the store-level checks unchanged on the indexed entries', () => {
    const index = new KnownHostsIndex(entries);
    expect(checkHostKey(index, 'node3', 22, 'ssh-ed25519', keyA).status).to.equal('match');
    expect(checkHostKey(index, 'node3', 22, 'ssh-ed25519', fakeKeyBlob('ssh-ed25519', 9)).status).to.equal('changed');
    expect(checkHostKey(index, 'node4', 22, 'ssh-rsa', fakeKeyBlob('ssh-rsa', 9)).status).to.equal('changed');
    expect(checkHostKey(index, 'node5', 22, 'ssh-ed25519', keyB).status).to.equal('revoked');
    expect(checkHostKey(index, 'node12', 22, 'ssh-rsa', rsaKey).warnings).to.have.length(1);
    expect(checkHostKey(index, 'x.lab.example', 22, 'ssh-ed25519', fakeKeyBlob('ssh-ed25519', 9)).status).to.equal('changed');
    expect(checkHostKey(index, 'bad.lab.example', 22, 'ssh-ed25519', fakeKeyBlob('ssh-ed25519', 9)).status).to.equal('unknown');
    expect(knownKeyTypes(index, 'node77', 2222)).to.deep.equal(['ssh-rsa']);
    expect(knownKeyTypes(entries, 'node77', 22)).to.deep.equal(knownKeyTypes(index, 'node77', 22));
    expect(lookupHost(entries, 'NODE77', 22)).to.deep.equal(lookupHost(index, 'node77', 22));
  });

  it('indexes entries added later (keys accepted during the run)', () => {
    const index = new KnownHostsIndex(entries.slice(0, 100));
    const added: KnownHostsEntry = { file: '/kh', line: 9999, hostField: 'fresh', keyType: 'ssh-ed25519', key: keyA };
    index.add(added);
    expect(index.matching('fresh')).to.deep.equal([added]);
  });
});
