import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonName, parseCertificate, parseOpenSslDate, splitPemCertificates } from '../../../src/pki/pem.js';
import { makeCa, makeLeaf } from '../certs/helpers/openssl-certs.js';

const DAY_MS = 86_400_000;

describe('certs: PEM parsing with node:crypto', function () {
  this.timeout(20_000);
  let dir: string;
  let caPem: string;
  let shortPem: string;
  let longPem: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-certs-pem-'));
    caPem = makeCa(dir, 'ca', 'kubernetes', 3650);
    shortPem = makeLeaf(dir, 'apiserver', 'kube-apiserver', 'ca', 10);
    longPem = makeLeaf(dir, 'front-proxy-client', 'front-proxy-client', 'ca', 400);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads subject CN, signing CA, notAfter and is-CA of a leaf and of its CA', () => {
    const leaf = parseCertificate(shortPem);
    expect(leaf).to.include({ subjectCn: 'kube-apiserver', issuerCn: 'kubernetes', isCa: false });
    expect(Math.abs(leaf.notAfter.getTime() - (Date.now() + 10 * DAY_MS))).to.be.below(120_000);
    const ca = parseCertificate(caPem);
    expect(ca).to.include({ subjectCn: 'kubernetes', issuerCn: 'kubernetes', isCa: true });
    expect(parseCertificate(longPem).notAfter.getTime() - Date.now()).to.be.above(399 * DAY_MS);
  });

  it('splits a bundle into its certificates and ignores key blocks and text around them', () => {
    const bundle = `leading text\n${shortPem}-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n${caPem}`;
    const blocks = splitPemCertificates(bundle);
    expect(blocks).to.have.length(2);
    expect(blocks.map((b) => parseCertificate(b).subjectCn)).to.deep.equal(['kube-apiserver', 'kubernetes']);
    expect(splitPemCertificates('no certificate here')).to.deep.equal([]);
  });

  it('rejects a block that is not a certificate', () => {
    expect(() => parseCertificate('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----')).to.throw();
  });

  it('takes CN out of a multi-line distinguished name, empty when absent', () => {
    expect(commonName('O=system:masters\nCN=kubernetes-admin')).to.equal('kubernetes-admin');
    expect(commonName('O=only-an-org')).to.equal('');
  });

  it('reads OpenSSL dates, single-digit days padded with a space included', () => {
    expect(parseOpenSslDate('Dec  5 16:57:58 2026 GMT').toISOString()).to.equal('2026-12-05T16:57:58.000Z');
    expect(parseOpenSslDate('Nov 25 00:00:01 2027 GMT').toISOString()).to.equal('2027-11-25T00:00:01.000Z');
    expect(() => parseOpenSslDate('2027-11-25')).to.throw(/unexpected certificate date/);
  });
});
