import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectScript, displayName, parseCollectOutput, type CertificateLocations } from '../../../src/pki/remote.js';

describe('certs: the one collecting command and its output', () => {
  let dir: string;
  let locations: CertificateLocations;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "drydock certs remote '"));
    locations = { pkiDir: join(dir, 'pki'), kubeconfigDir: dir, kubeletCert: join(dir, 'kubelet', 'kubelet-client-current.pem') };
    mkdirSync(join(dir, 'pki', 'etcd'), { recursive: true });
    mkdirSync(join(dir, 'kubelet'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA\n');
    writeFileSync(join(dir, 'pki', 'ca.key'), 'KEY\n');
    writeFileSync(join(dir, 'pki', 'etcd', 'server.crt'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(dir, 'admin.conf'), 'users: []\n');
    writeFileSync(join(dir, 'kubelet.conf'), 'not read\n');
    writeFileSync(join(dir, 'kubelet', 'kubelet-client-2026.pem'), 'PEM\n');
    symlinkSync(join(dir, 'kubelet', 'kubelet-client-2026.pem'), locations.kubeletCert);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sends every *.crt (etcd/ too), the kubeadm kubeconfigs and the kubelet certificate, byte for byte, skipping missing ones', () => {
    const stdout = execFileSync('sh', ['-c', collectScript(locations)], { encoding: 'utf8' });
    const files = parseCollectOutput(stdout);
    expect(files.map((f) => [f.kind, f.path])).to.deep.equal([
      ['pki', join(dir, 'pki', 'ca.crt')],
      ['pki', join(dir, 'pki', 'etcd', 'server.crt')],
      ['kubeconfig', join(dir, 'admin.conf')],
      ['kubelet', locations.kubeletCert],
    ]);
    expect(files[1]!.content).to.deep.equal(Buffer.from([0, 1, 2, 255]));
    expect(files[3]!.content.toString()).to.equal('PEM\n');
    expect(files.map((f) => displayName(f, locations))).to.deep.equal(['ca.crt', 'etcd/server.crt', 'admin.conf', locations.kubeletCert]);
  });

  it('exits 0 with nothing to send on a host without any of the files', () => {
    const empty = { pkiDir: join(dir, 'none'), kubeconfigDir: join(dir, 'none'), kubeletCert: join(dir, 'none.pem') };
    expect(execFileSync('sh', ['-c', collectScript(empty)], { encoding: 'utf8' })).to.equal('');
  });

  it('ignores lines that are not file records (a banner, a profile\'s noise)', () => {
    const files = parseCollectOutput('Welcome!\npki\t/p/a.crt\tQQ==\nkubelet\tbroken\nkubeconfig\t/k/admin.conf\t\n');
    expect(files.map((f) => [f.kind, f.path, f.content.toString()])).to.deep.equal([
      ['pki', '/p/a.crt', 'A'],
      ['kubeconfig', '/k/admin.conf', ''],
    ]);
  });
});
