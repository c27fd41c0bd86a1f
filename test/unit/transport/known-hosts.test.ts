import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import type { ConfigIssue } from '../../../src/errors.js';
import { sha256Fingerprint } from '../../../src/transport/fingerprint.js';
import { matchPatternList } from '../../../src/transport/known-hosts-format.js';
import {
  checkHostKey,
  hashKnownHostsName,
  knownHostsName,
  knownHostsKeyFor,
  knownKeyTypes,
  lookupHost,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';
import { fakeKeyBlob, knownHostsLine } from './host-key-fixtures.js';

const keyA = fakeKeyBlob('ssh-ed25519', 1);
const keyB = fakeKeyBlob('ssh-ed25519', 2);
const rsaKey = fakeKeyBlob('ssh-rsa', 3);

describe('transport/known-hosts (pure)', () => {
  describe('parseKnownHosts', () => {
    it('skips comments and blank lines and keeps file:line, markers and comments', () => {
      const text = [
        '# fleet keys',
        '',
        knownHostsLine('node1,10.0.0.1', keyA) + ' root@node1',
        `@revoked * ssh-ed25519 ${keyB.toString('base64')}`,
        `@cert-authority *.example.com ssh-ed25519 ${keyA.toString('base64')}`,
      ].join('\n');
      const entries = parseKnownHosts(text, '/kh');
      expect(entries.map((entry) => [entry.line, entry.marker, entry.hostField])).to.deep.equal([
        [3, undefined, 'node1,10.0.0.1'],
        [4, 'revoked', '*'],
        [5, 'cert-authority', '*.example.com'],
      ]);
      expect(entries[0]?.comment).to.equal('root@node1');
      expect(entries[0]?.key.equals(keyA)).to.equal(true);
    });

    it('reports malformed lines as warnings with file:line and keeps going', () => {
      const warnings: ConfigIssue[] = [];
      const text = [
        'node1 ssh-ed25519',
        'node2 ssh-ed25519 !!!notbase64',
        `node3 ssh-rsa ${keyA.toString('base64')}`,
        `@bogus node4 ssh-ed25519 ${keyA.toString('base64')}`,
        `|1|c2hvcnQ=|c2hvcnQ= ssh-ed25519 ${keyA.toString('base64')}`,
        knownHostsLine('node5', keyA),
      ].join('\n');
      const entries = parseKnownHosts(text, '/kh', warnings);
      expect(entries.map((entry) => entry.hostField)).to.deep.equal(['node5']);
      expect(warnings.map((warning) => `${warning.file}:${warning.line}`)).to.deep.equal([
        '/kh:1',
        '/kh:2',
        '/kh:3',
        '/kh:4',
        '/kh:5',
      ]);
      expect(warnings[2]?.message).to.contain('key type field says "ssh-rsa" but the key is "ssh-ed25519"');
    });
  });

  describe('host matching', () => {
    it('names port 22 hosts plainly and other ports as [host]:port, lowercased', () => {
      expect(knownHostsName('Node1', 22)).to.equal('node1');
      expect(knownHostsName('node1', 2222)).to.equal('[node1]:2222');
    });

    it('matches comma lists, * and ? globs, and lets a negation exclude the line', () => {
      expect(matchPatternList('node1', 'web,node1')).to.equal(1);
      expect(matchPatternList('node12', 'node?')).to.equal(0);
      expect(matchPatternList('node1', 'node?')).to.equal(1);
      expect(matchPatternList('node1.prod.example', '*.example')).to.equal(1);
      expect(matchPatternList('node9.prod.example', '*.example,!node9*')).to.equal(-1);
      expect(matchPatternList('a.b', 'a?b')).to.equal(1);
      expect(matchPatternList('axb', 'a.b')).to.equal(0);
    });

    it('looks up [host]:port entries only for that port', () => {
      const entries = parseKnownHosts(
        [knownHostsLine('[node1]:2222', keyA), knownHostsLine('node1', keyB)].join('\n'),
        '/kh',
      );
      expect(lookupHost(entries, 'node1', 2222).map((entry) => entry.line)).to.deep.equal([1]);
      expect(lookupHost(entries, 'node1', 22).map((entry) => entry.line)).to.deep.equal([2]);
      expect(lookupHost(entries, 'node1', 2200)).to.deep.equal([]);
    });

    it('checks a HostKeyAlias by the alias alone, without the port (as OpenSSH)', () => {
      expect(knownHostsKeyFor({ hostname: '10.0.0.5', port: 2222, hostKeyAlias: 'node1' })).to.deep.equal({ host: 'node1', port: 22 });
      expect(knownHostsKeyFor({ hostname: '10.0.0.5', port: 2222 })).to.deep.equal({ host: '10.0.0.5', port: 2222 });
    });

    it('matches wildcard and negated lines the OpenSSH way', () => {
      const entries = parseKnownHosts(knownHostsLine('*.prod,!db*.prod', keyA), '/kh');
      expect(checkHostKey(entries, 'web1.prod', 22, 'ssh-ed25519', keyA).status).to.equal('match');
      expect(checkHostKey(entries, 'db1.prod', 22, 'ssh-ed25519', keyA).status).to.equal('unknown');
    });

    it('matches hashed names by HMAC-SHA1 of the name keyed with the salt', () => {
      const salt = Buffer.alloc(20, 7);
      const expectedHmac = createHmac('sha1', salt).update('[node1]:2222').digest('base64');
      const hashed = hashKnownHostsName('[node1]:2222', salt);
      expect(hashed).to.equal(`|1|${salt.toString('base64')}|${expectedHmac}`);
      const entries = parseKnownHosts(knownHostsLine(hashed, keyA), '/kh');
      expect(checkHostKey(entries, 'node1', 2222, 'ssh-ed25519', keyA).status).to.equal('match');
      expect(checkHostKey(entries, 'node1', 22, 'ssh-ed25519', keyA).status).to.equal('unknown');
      expect(checkHostKey(entries, 'node2', 2222, 'ssh-ed25519', keyA).status).to.equal('unknown');
    });
  });

  describe('checkHostKey', () => {
    const text = [
      knownHostsLine('node1', keyA),
      knownHostsLine('node1', rsaKey, 'ssh-rsa'),
      knownHostsLine('node2', rsaKey, 'ssh-rsa'),
    ].join('\n');
    const entries = parseKnownHosts(text, '/kh');

    it('matches a recorded key and reports what is known', () => {
      const result = checkHostKey(entries, 'node1', 22, 'ssh-ed25519', keyA);
      expect(result.status).to.equal('match');
      expect(result.known.map((known) => [known.line, known.keyType])).to.deep.equal([
        [1, 'ssh-ed25519'],
        [2, 'ssh-rsa'],
      ]);
      expect(result.known[0]?.fingerprint).to.equal(sha256Fingerprint(keyA));
    });

    it('calls a different key of a recorded type "changed"', () => {
      const result = checkHostKey(entries, 'node1', 22, 'ssh-ed25519', keyB);
      expect(result.status).to.equal('changed');
      expect(result.known[0]).to.include({ file: '/kh', line: 1, keyType: 'ssh-ed25519' });
    });

    it('treats an RSA key negotiated as rsa-sha2-512 as the recorded ssh-rsa type', () => {
      expect(checkHostKey(entries, 'node1', 22, 'rsa-sha2-512', rsaKey).status).to.equal('match');
      expect(checkHostKey(entries, 'node1', 22, 'rsa-sha2-256', fakeKeyBlob('ssh-rsa', 9)).status).to.equal('changed');
    });

    it('calls a key of a type not recorded for the host "unknown" but reports the other types', () => {
      const result = checkHostKey(entries, 'node2', 22, 'ssh-ed25519', keyA);
      expect(result.status).to.equal('unknown');
      expect(result.known.map((known) => known.keyType)).to.deep.equal(['ssh-rsa']);
      expect(checkHostKey(entries, 'node3', 22, 'ssh-ed25519', keyA)).to.deep.include({ status: 'unknown', known: [] });
    });

    it('refuses a @revoked key for any host, even one that also lists it as valid', () => {
      const withRevoked = parseKnownHosts(`${text}\n@revoked other ssh-ed25519 ${keyA.toString('base64')}`, '/kh');
      const result = checkHostKey(withRevoked, 'node1', 22, 'ssh-ed25519', keyA);
      expect(result.status).to.equal('revoked');
      expect(result.known).to.have.length(1);
      expect(result.known[0]?.line).to.equal(4);
    });

    it('ignores @cert-authority lines for matching and warns about them for the host', () => {
      const ca = parseKnownHosts(`@cert-authority *.prod ssh-ed25519 ${keyA.toString('base64')}`, '/ca');
      const result = checkHostKey(ca, 'web.prod', 22, 'ssh-ed25519', keyA);
      expect(result.status).to.equal('unknown');
      expect(result.warnings).to.have.length(1);
      expect(result.warnings[0]).to.contain('/ca:1').and.contain('not supported');
      expect(checkHostKey(ca, 'web.dev', 22, 'ssh-ed25519', keyA).warnings).to.deep.equal([]);
    });

    it('matches across several files, each entry keeping its own file', () => {
      const all = [
        ...parseKnownHosts(knownHostsLine('node1', keyA), '/user'),
        ...parseKnownHosts(knownHostsLine('node2', keyB), '/global'),
      ];
      expect(checkHostKey(all, 'node2', 22, 'ssh-ed25519', keyB).known[0]?.file).to.equal('/global');
      expect(checkHostKey(all, 'node1', 22, 'ssh-ed25519', keyA).status).to.equal('match');
    });

    it('lists the key types recorded for a host in first-seen order', () => {
      expect(knownKeyTypes(entries, 'node1', 22)).to.deep.equal(['ssh-ed25519', 'ssh-rsa']);
      expect(knownKeyTypes(entries, 'node9', 22)).to.deep.equal([]);
    });

  });
});
