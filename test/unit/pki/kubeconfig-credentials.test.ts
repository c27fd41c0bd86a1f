import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateIdentity, currentUserCredentials, decodeData, definesUser, embeddedSerials, issuedBy, replaceUserCredentials, userCertificate,
} from '../../../src/pki/kubeconfig-credentials.js';
import { parse } from '../../../src/util/yaml.js';
import { adminConf, b64, kubeconfigText, makeAdminFixture, type AdminFixture } from '../certs/helpers/admin-copies.js';

interface Doc {
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string }[];
  clusters: { name: string }[];
  'current-context': string;
}

describe('pki: kubeconfig credentials', function () {
  this.timeout(20_000);
  let dir: string;
  let f: AdminFixture;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-kc-cred-'));
    f = makeAdminFixture(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a renewed admin certificate from the old one by serial, not by subject or issuer', () => {
    const [oldId, newId] = [certificateIdentity(f.oldCp1), certificateIdentity(f.newCp1)];
    expect(oldId.subject).to.equal(newId.subject).and.include('CN=kubernetes-admin');
    expect(oldId.issuer).to.equal(newId.issuer);
    expect(oldId.serial).to.match(/^[0-9A-F]+$/).and.not.equal(newId.serial);
  });

  it('knows which CA signed a certificate (same issuer name is not enough)', () => {
    expect(issuedBy(f.oldCp1, f.caPem)).to.equal(true);
    expect(certificateIdentity(f.forged).issuer).to.equal(certificateIdentity(f.oldCp1).issuer);
    expect(issuedBy(f.forged, f.caPem)).to.equal(false);
    expect(issuedBy('not a certificate', f.caPem)).to.equal(false);
  });

  it("reads admin.conf's current user's credentials and its cluster's CA", () => {
    const creds = currentUserCredentials(adminConf(f.caPem, f.newCp1, 'NEW-KEY'));
    expect(creds.user).to.equal('kubernetes-admin');
    expect(decodeData(creds.certificateData)).to.equal(f.newCp1);
    expect(decodeData(creds.keyData)).to.equal('NEW-KEY');
    expect(decodeData(creds.caData!)).to.equal(f.caPem);
    expect(() => currentUserCredentials('apiVersion: v1\nkind: Config\n')).to.throw('no current-context');
  });

  it('replaces exactly the one user entry, keeping the other users, contexts, clusters and comments', () => {
    const text = kubeconfigText({
      caPem: f.caPem,
      users: [{ name: 'alice', certPem: f.alice, key: 'ALICE-KEY' }, { name: 'kubernetes-admin', certPem: f.oldCp1, key: 'OLD-KEY' }, { name: 'ops', certPem: f.oldCp2, key: 'OPS-KEY' }],
      current: 'kubernetes-admin@kubernetes',
      comment: 'kept by hand',
    });
    const out = replaceUserCredentials(text, 'kubernetes-admin', { certificateData: b64(f.newCp1), keyData: b64('NEW-KEY') });
    const [before, after] = [parse(text) as Doc, parse(out) as Doc];
    expect(after.users.map((u) => u.name)).to.deep.equal(['alice', 'kubernetes-admin', 'ops']);
    expect(after.users[0]).to.deep.equal(before.users[0]);
    expect(after.users[2]).to.deep.equal(before.users[2]);
    expect(after.users[1]!.user).to.deep.equal({ 'client-certificate-data': b64(f.newCp1), 'client-key-data': b64('NEW-KEY') });
    expect(after.contexts).to.deep.equal(before.contexts);
    expect(after.clusters).to.deep.equal(before.clusters);
    expect(after['current-context']).to.equal('kubernetes-admin@kubernetes');
    expect(out).to.include('# kept by hand');
    expect(() => replaceUserCredentials(text, 'nobody', { certificateData: 'x', keyData: 'y' })).to.throw('no user "nobody"');
  });

  it("lists each user's certificate serial, and finds a user's certificate or says why there is none", () => {
    const text = kubeconfigText({ caPem: f.caPem, users: [{ name: 'a', certPem: f.oldCp1, key: 'k' }, { name: 'b', certPem: f.alice, key: 'k' }], current: 'a@kubernetes' });
    expect(embeddedSerials(text)).to.deep.equal([{ user: 'a', serial: certificateIdentity(f.oldCp1).serial }, { user: 'b', serial: certificateIdentity(f.alice).serial }]);
    expect(userCertificate(text, 'b')).to.deep.equal({ pem: f.alice });
    expect(definesUser(text, 'b')).to.equal(true);
    expect(definesUser(text, 'c')).to.equal(false);
    const fileRef = 'users:\n- name: k\n  user:\n    client-certificate: /pki/k.crt\n';
    expect(userCertificate(fileRef, 'k')).to.deep.equal({ missing: 'its certificate is a file (/pki/k.crt), not embedded' });
  });
});
