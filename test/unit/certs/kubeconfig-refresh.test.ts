import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refreshKubeconfigs, replacedAdminCertificates, type RefreshPorts, type RefreshRequest } from '../../../src/certs/kubeconfig-refresh.js';
import { certificateIdentity } from '../../../src/pki/kubeconfig-credentials.js';
import type { CertificateRow } from '../../../src/pki/rows.js';
import { parse } from '../../../src/util/yaml.js';
import { adminConf, b64, kubeconfigText, makeAdminFixture, type AdminFixture } from './helpers/admin-copies.js';

const EXPIRES = new Date('2027-01-10T12:00:00Z');

function row(host: string, file: string, pem: string): CertificateRow {
  return {
    host, certificate: file, path: `/etc/kubernetes/${file}`, subject: 'kubernetes-admin', signingCa: 'kubernetes', isCa: false,
    notAfter: EXPIRES, serial: certificateIdentity(pem).serial, residualSeconds: 30 * 86_400, status: 'ok',
  };
}

interface Fake extends RefreshPorts {
  files: Map<string, string>;
  writes: string[];
  adminReads: string[];
}

describe('certs renew: the admin.conf copies on this machine', function () {
  this.timeout(20_000);
  let dir: string;
  let f: AdminFixture;
  let rowsBefore: CertificateRow[];
  let rowsAfter: CertificateRow[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-kc-refresh-'));
    f = makeAdminFixture(dir);
    rowsBefore = [row('cp1', 'admin.conf', f.oldCp1), row('cp2', 'admin.conf', f.oldCp2), row('cp1', 'super-admin.conf', f.superOld), row('cp1', 'scheduler.conf', f.alice)];
    rowsAfter = [row('cp1', 'admin.conf', f.newCp1), row('cp2', 'admin.conf', f.newCp2), row('cp1', 'scheduler.conf', f.alice)];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const fake = (files: Record<string, string>): Fake => {
    const state: Fake = {
      files: new Map(Object.entries(files)),
      writes: [],
      adminReads: [],
      readAdminConf: (host) => {
        state.adminReads.push(host);
        return Promise.resolve(adminConf(f.caPem, host === 'cp2' ? f.newCp2 : f.newCp1, `NEW-KEY-${host}`));
      },
      readFile: (path) => Promise.resolve(state.files.get(path)),
      writeFile: (path, text) => {
        state.writes.push(path);
        state.files.set(path, text);
        return Promise.resolve();
      },
    };
    return state;
  };
  const request = (over: Partial<RefreshRequest> = {}): RefreshRequest => ({
    inUse: { files: ['/home/u/.kube/config'], user: 'kubernetes-admin', source: '~/.kube/config (/home/u/.kube/config)' },
    hosts: ['cp1', 'cp2'], before: rowsBefore, after: rowsAfter, copies: ['/home/u/.kube/config'], refresh: true, check: false, adminConfPath: '/etc/kubernetes/admin.conf', ...over,
  });
  const userOf = (text: string, name: string) => (parse(text) as { users: { name: string; user: Record<string, string> }[] }).users.find((u) => u.name === name)!.user;
  const mixed = (adminPem: string) => kubeconfigText({
    caPem: f.caPem,
    users: [{ name: 'alice', certPem: f.alice, key: 'ALICE-KEY' }, { name: 'kubernetes-admin', certPem: adminPem, key: 'OLD-KEY' }],
    current: 'kubernetes-admin@kubernetes',
  });

  it("refreshes the in-use copy of cp2's admin.conf from cp2, only its user entry, and then finds no stale copy in it", async () => {
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp2) });
    const outcome = await refreshKubeconfigs(request(), ports);
    expect(ports.adminReads).to.deep.equal(['cp2']);
    expect(ports.writes).to.deep.equal(['/home/u/.kube/config']);
    const written = ports.files.get('/home/u/.kube/config')!;
    expect(userOf(written, 'kubernetes-admin')).to.deep.equal({ 'client-certificate-data': b64(f.newCp2), 'client-key-data': b64('NEW-KEY-cp2') });
    expect(userOf(written, 'alice')).to.deep.equal({ 'client-certificate-data': b64(f.alice), 'client-key-data': b64('ALICE-KEY') });
    expect(outcome.refreshed).to.deep.equal({ path: '/home/u/.kube/config', user: 'kubernetes-admin', host: 'cp2' });
    expect(outcome.notes).to.deep.equal(['refreshed /home/u/.kube/config (user kubernetes-admin) with the renewed /etc/kubernetes/admin.conf on cp2']);
    expect(outcome.stale).to.deep.equal([]);
  });

  it('takes the user entry from the first KUBECONFIG file that defines it (kubectl merge order)', async () => {
    const ports = fake({ '/a': kubeconfigText({ caPem: f.caPem, users: [{ name: 'alice', certPem: f.alice, key: 'k' }], current: 'alice@kubernetes' }), '/b': mixed(f.oldCp1) });
    const outcome = await refreshKubeconfigs(request({ inUse: { files: ['/a', '/b'], user: 'kubernetes-admin', source: 'KUBECONFIG (/a:/b)' }, copies: ['/a', '/b'] }), ports);
    expect(ports.writes).to.deep.equal(['/b']);
    expect(outcome.refreshed?.host).to.equal('cp1');
  });

  it('leaves a kubeconfig alone when its user is not admin.conf: another subject, or the same subject from another CA', async () => {
    for (const [pem, why] of [[f.alice, 'its certificate is for alice'], [f.forged, 'another CA signed its certificate']] as const) {
      const text = kubeconfigText({ caPem: f.caPem, users: [{ name: 'kubernetes-admin', certPem: pem, key: 'K' }], current: 'kubernetes-admin@kubernetes' });
      const ports = fake({ '/home/u/.kube/config': text });
      const outcome = await refreshKubeconfigs(request(), ports);
      expect(ports.writes).to.deep.equal([]);
      expect(outcome.refreshed).to.equal(undefined);
      expect(outcome.notes[0]).to.equal(`/home/u/.kube/config (user kubernetes-admin) is not a copy of /etc/kubernetes/admin.conf (${why}): left as it is`);
    }
  });

  it('--no-refresh-kubeconfig writes nothing and names the copy as stale', async () => {
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp1) });
    const outcome = await refreshKubeconfigs(request({ refresh: false }), ports);
    expect(ports.writes).to.deep.equal([]);
    expect(outcome.notes[0]).to.include('keeps its old certificate (--no-refresh-kubeconfig)');
    expect(outcome.stale).to.deep.equal([{ path: '/home/u/.kube/config', user: 'kubernetes-admin', host: 'cp1', file: 'admin.conf', notAfter: EXPIRES }]);
  });

  it('check mode says what it would refresh, writes nothing, and names the other copies a renewal would leave behind', async () => {
    const superCopy = kubeconfigText({ caPem: f.caPem, users: [{ name: 'root', certPem: f.superOld, key: 'S' }], current: 'root@kubernetes' });
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp1), '/backup/admin.conf': adminConf(f.caPem, f.oldCp2, 'K2'), '/backup/super.conf': superCopy });
    const outcome = await refreshKubeconfigs(request({ check: true, after: rowsBefore, copies: ['/home/u/.kube/config', '/backup/admin.conf', '/backup/super.conf'] }), ports);
    expect(ports.writes).to.deep.equal([]);
    expect(outcome.notes).to.deep.equal(['would refresh /home/u/.kube/config (user kubernetes-admin) with the renewed /etc/kubernetes/admin.conf on cp1 (a copy of it)']);
    expect(outcome.stale.map((s) => `${s.path} ${s.user} ${s.host} ${s.file}`)).to.deep.equal(['/backup/admin.conf kubernetes-admin cp2 admin.conf', '/backup/super.conf root cp1 super-admin.conf']);
  });

  it('scans every known file for replaced admin and super-admin certificates, skipping missing files and naming unreadable ones', async () => {
    const ports = fake({
      '/home/u/.kube/config': mixed(f.newCp1),
      '/copies/old': kubeconfigText({ caPem: f.caPem, users: [{ name: 'admin-1', certPem: f.oldCp1, key: 'K' }, { name: 'me', certPem: f.alice, key: 'K' }, { name: 'admin-2', certPem: f.superOld, key: 'K' }], current: 'me@kubernetes' }),
      '/copies/broken': 'users: [unclosed',
    });
    const outcome = await refreshKubeconfigs(request({ copies: ['/home/u/.kube/config', '/copies/old', '/copies/missing', '/copies/broken'] }), ports);
    expect(outcome.notes).to.deep.equal(['/home/u/.kube/config (user kubernetes-admin) already carries the certificate of /etc/kubernetes/admin.conf on cp1']);
    expect(ports.writes).to.deep.equal([]);
    expect(outcome.stale.map((s) => `${s.path} ${s.user} ${s.host} ${s.file}`)).to.deep.equal(['/copies/old admin-1 cp1 admin.conf', '/copies/old admin-2 cp1 super-admin.conf']);
    expect(outcome.warnings).to.have.length(1);
    expect(outcome.warnings[0]).to.match(/^\/copies\/broken: not checked for old admin.conf copies: not valid YAML/);
    const said = JSON.stringify(outcome);
    for (const secret of ['K', 'OLD-KEY', 'NEW-KEY-cp1'].map(b64).concat(b64(f.oldCp1), b64(f.newCp1))) expect(said).to.not.include(secret);
  });

  it('has nothing to refresh when drydock read admin.conf over SSH itself, and still scans the copies', async () => {
    const ports = fake({ '/copy': adminConf(f.caPem, f.oldCp1, 'K') });
    const outcome = await refreshKubeconfigs(request({ inUse: { files: [], user: 'kubernetes-admin', source: '/etc/kubernetes/admin.conf from cp1' }, copies: ['/copy'] }), ports);
    expect(ports.adminReads).to.deep.equal([]);
    expect(outcome.notes[0]).to.include('no kubeconfig file of yours to refresh');
    expect(outcome.stale.map((s) => s.path)).to.deep.equal(['/copy']);
  });

  it('a control plane whose admin.conf cannot be read is a warning, not a failure', async () => {
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp1) });
    ports.readAdminConf = () => Promise.reject(new Error('sudo: a password is required'));
    const outcome = await refreshKubeconfigs(request(), ports);
    expect(ports.writes).to.deep.equal([]);
    expect(outcome.warnings).to.deep.equal(['/etc/kubernetes/admin.conf on cp1 could not be read (sudo: a password is required): /home/u/.kube/config (user kubernetes-admin) not refreshed']);
  });

  it('when the run renewed no admin certificate, reads nothing and says nothing', async () => {
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp1) });
    const outcome = await refreshKubeconfigs(request({ after: rowsBefore }), ports);
    expect(outcome).to.deep.equal({ notes: [], warnings: [], stale: [] });
    expect(ports.adminReads).to.deep.equal([]);
  });

  it('does not overwrite a kubeconfig that changed while admin.conf was read', async () => {
    const ports = fake({ '/home/u/.kube/config': mixed(f.oldCp1) });
    const read = ports.readAdminConf;
    ports.readAdminConf = async (host) => {
      ports.files.set('/home/u/.kube/config', `${mixed(f.oldCp1)}# edited meanwhile\n`);
      return read(host);
    };
    const outcome = await refreshKubeconfigs(request(), ports);
    expect(ports.writes).to.deep.equal([]);
    expect(outcome.warnings).to.deep.equal(['/home/u/.kube/config (user kubernetes-admin) could not be refreshed: it changed while drydock read admin.conf']);
  });

  it('counts as replaced only the admin certificates whose serial the renewal changed', () => {
    const partial = [row('cp1', 'admin.conf', f.newCp1), row('cp2', 'admin.conf', f.oldCp2)];
    expect([...replacedAdminCertificates({ before: rowsBefore, after: partial, check: false }).values()].map((r) => `${r.host} ${r.file}`)).to.deep.equal(['cp1 admin.conf', 'cp1 super-admin.conf']);
  });
});
