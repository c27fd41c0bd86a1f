import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOCATIONS, type RemoteFile } from '../../../src/pki/remote.js';
import { certificateStatus, formatResidual, hostCertificates, sortRows, type CertificateRow } from '../../../src/pki/rows.js';
import { kubeconfigWith, makeCa, makeLeaf } from '../certs/helpers/openssl-certs.js';

const DAY = 86_400;

describe('certs: residual time and the warning threshold', () => {
  it('formats the time left as kubeadm does', () => {
    expect(formatResidual(364 * DAY + 3600)).to.equal('364d');
    expect(formatResidual(9 * DAY + 23 * 3600)).to.equal('9d');
    expect(formatResidual(400 * DAY)).to.equal('1y');
    expect(formatResidual(3650 * DAY)).to.equal('10y');
    expect(formatResidual(23 * 3600 + 59 * 60)).to.equal('23h');
    expect(formatResidual(5 * 60 + 1)).to.equal('5m');
    expect(formatResidual(30)).to.equal('30s');
    expect(formatResidual(-1)).to.equal('0s');
    expect(formatResidual(-2)).to.equal('<invalid>');
    expect(formatResidual(-40 * DAY)).to.equal('<invalid>');
  });

  it('warns under the threshold, not at it, and calls a passed notAfter expired', () => {
    expect(certificateStatus(10 * DAY, 30)).to.equal('warning');
    expect(certificateStatus(30 * DAY - 1, 30)).to.equal('warning');
    expect(certificateStatus(30 * DAY, 30)).to.equal('ok');
    expect(certificateStatus(10 * DAY, 5)).to.equal('ok');
    expect(certificateStatus(0, 0)).to.equal('ok');
    expect(certificateStatus(-1, 30)).to.equal('expired');
  });
});

describe('certs: rows of one host from the files it sent', function () {
  this.timeout(20_000);
  let dir: string;
  let files: RemoteFile[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-certs-rows-'));
    const caPem = makeCa(dir, 'ca', 'kubernetes', 3650);
    makeCa(dir, 'etcd/ca', 'etcd-ca', 3650);
    const apiserver = makeLeaf(dir, 'apiserver', 'kube-apiserver', 'ca', 10);
    const etcdServer = makeLeaf(dir, 'etcd/server', 'cp1', 'etcd/ca', 400);
    const admin = makeLeaf(dir, 'admin', 'kubernetes-admin', 'ca', 400);
    const kubelet = makeLeaf(dir, 'kubelet', 'system:node:cp1', 'ca', 400);
    const pki = (name: string, text: string): RemoteFile => ({ kind: 'pki', path: `/etc/kubernetes/pki/${name}`, content: Buffer.from(text) });
    files = [
      pki('ca.crt', caPem),
      pki('apiserver.crt', apiserver),
      pki('etcd/server.crt', etcdServer),
      pki('etcd/ca.crt', readFileSync(join(dir, 'etcd/ca.crt'), 'utf8')),
      { kind: 'kubeconfig', path: '/etc/kubernetes/admin.conf', content: Buffer.from(kubeconfigWith('kubernetes-admin', admin, caPem)) },
      { kind: 'kubelet', path: DEFAULT_LOCATIONS.kubeletCert, content: Buffer.from(kubelet + readFileSync(join(dir, 'kubelet.key'), 'utf8')) },
    ];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names each certificate and judges the 10-day apiserver certificate under a 30-day threshold', () => {
    const { rows, problems } = hostCertificates('cp1', files, DEFAULT_LOCATIONS, new Date(), 30);
    expect(problems).to.deep.equal([]);
    const byName = new Map(rows.map((r) => [r.certificate, r]));
    expect([...byName.keys()]).to.have.members([
      'ca.crt', 'apiserver.crt', 'etcd/server.crt', 'etcd/ca.crt', 'admin.conf', DEFAULT_LOCATIONS.kubeletCert,
    ]);
    expect(byName.get('apiserver.crt')).to.include({ host: 'cp1', status: 'warning', signingCa: 'kubernetes', subject: 'kube-apiserver', isCa: false });
    expect(formatResidual(byName.get('apiserver.crt')!.residualSeconds)).to.equal('9d');
    expect(byName.get('etcd/server.crt')).to.include({ status: 'ok', signingCa: 'etcd-ca' });
    expect(byName.get('admin.conf')).to.include({ status: 'ok', subject: 'kubernetes-admin', path: '/etc/kubernetes/admin.conf' });
    expect(byName.get('ca.crt')).to.include({ isCa: true, signingCa: 'kubernetes', status: 'ok' });
    expect(byName.get(DEFAULT_LOCATIONS.kubeletCert)).to.include({ subject: 'system:node:cp1', status: 'ok' });
  });

  it('leaves the apiserver unflagged under a 5-day threshold, and calls it <invalid> once expired', () => {
    const lenient = hostCertificates('cp1', files, DEFAULT_LOCATIONS, new Date(), 5);
    expect(lenient.rows.every((r) => r.status === 'ok')).to.equal(true);
    const later = new Date(Date.now() + 20 * DAY * 1000);
    const apiserver = hostCertificates('cp1', files, DEFAULT_LOCATIONS, later, 30).rows.find((r) => r.certificate === 'apiserver.crt')!;
    expect(apiserver.status).to.equal('expired');
    expect(formatResidual(apiserver.residualSeconds)).to.equal('<invalid>');
  });

  it('numbers the certificates of a bundle and turns unreadable files into problems', () => {
    const bundle = Buffer.concat([files[1]!.content, files[0]!.content]);
    const { rows, problems } = hostCertificates('cp1', [
      { kind: 'pki', path: '/etc/kubernetes/pki/chain.crt', content: bundle },
      { kind: 'pki', path: '/etc/kubernetes/pki/empty.crt', content: Buffer.from('') },
      { kind: 'kubeconfig', path: '/etc/kubernetes/scheduler.conf', content: Buffer.from('users: [') },
    ], DEFAULT_LOCATIONS, new Date(), 30);
    expect(rows.map((r) => r.certificate)).to.deep.equal(['chain.crt [1]', 'chain.crt [2]']);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.equal('/etc/kubernetes/pki/empty.crt: no PEM certificate in it');
    expect(problems[1]).to.match(/^\/etc\/kubernetes\/scheduler\.conf: not valid YAML/);
  });

  it('sorts by host, then certificate name', () => {
    const row = (host: string, certificate: string) => ({ host, certificate }) as CertificateRow;
    const sorted = sortRows([row('cp2', 'a'), row('cp1', 'etcd/server.crt'), row('cp1', 'admin.conf'), row('cp10', 'a')]);
    expect(sorted.map((r) => `${r.host} ${r.certificate}`)).to.deep.equal(['cp1 admin.conf', 'cp1 etcd/server.crt', 'cp10 a', 'cp2 a']);
  });
});
