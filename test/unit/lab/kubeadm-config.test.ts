import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { caCertHash, newBootstrapToken } from '../../../src/lab/kube/cluster.js';
import { IGNORED_PREFLIGHT_ERRORS, initConfiguration, joinConfiguration } from '../../../src/lab/kube/kubeadm-config.js';

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);

describe('lab kube: kubeadm configuration', () => {
  const node = { name: 'cp1', address: '10.213.5.2' };
  const cluster = { version: '1.36.3', endpoint: '10.213.5.1:6443', etcdImageTag: '3.6.16-0', certDays: 10 };

  it('initialises with the endpoint, the built etcd, the certificate lifetime and only the runtime checks skipped', () => {
    const [init, clusterConfig, kubelet] = docs(initConfiguration(node, cluster, 'abcdef.0123456789abcdef', 'k'.repeat(64)));
    expect(init).to.deep.include({ kind: 'InitConfiguration', certificateKey: 'k'.repeat(64) });
    expect(init!.localAPIEndpoint).to.deep.equal({ advertiseAddress: '10.213.5.2', bindPort: 6443 });
    expect(init!.nodeRegistration.ignorePreflightErrors).to.deep.equal(['CRI', 'ContainerRuntimeVersion', 'ImagePull', 'SystemVerification']);
    expect(init!.bootstrapTokens[0].token).to.equal('abcdef.0123456789abcdef');
    expect(clusterConfig).to.deep.include({ kind: 'ClusterConfiguration', kubernetesVersion: 'v1.36.3', controlPlaneEndpoint: '10.213.5.1:6443', certificateValidityPeriod: '240h0m0s' });
    expect(clusterConfig!.etcd.local.imageTag).to.equal('3.6.16-0');
    expect(clusterConfig!.apiServer.certSANs).to.deep.equal(['10.213.5.1']);
    expect(kubelet).to.deep.include({ kind: 'KubeletConfiguration' });
    expect(IGNORED_PREFLIGHT_ERRORS).to.not.include('all');
  });

  it('joins a worker by token and CA hash, a control plane with the certificate key too', () => {
    const join = { endpoint: '10.213.5.1:6443', token: 'abcdef.0123456789abcdef', caCertHash: 'sha256:00' };
    const [worker] = docs(joinConfiguration({ name: 'worker1', address: '10.213.5.3' }, join));
    expect(worker!.discovery.bootstrapToken).to.deep.equal({ apiServerEndpoint: '10.213.5.1:6443', token: join.token, caCertHashes: ['sha256:00'] });
    expect(worker!.controlPlane).to.equal(undefined);
    const [cp] = docs(joinConfiguration({ name: 'cp2', address: '10.213.5.4' }, { ...join, certificateKey: 'c' }));
    expect(cp!.controlPlane).to.deep.equal({ localAPIEndpoint: { advertiseAddress: '10.213.5.4', bindPort: 6443 }, certificateKey: 'c' });
  });

  it('makes bootstrap tokens of kubeadm\'s form', () => {
    for (let i = 0; i < 20; i++) expect(newBootstrapToken()).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it('computes the discovery hash as openssl does (sha256 of the public key info)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cahash-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { stdio: 'ignore' });
      const expected = execFileSync('sh', ['-c', `openssl x509 -pubkey -in ${join(dir, 'c')} | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`], { encoding: 'utf8' }).trim();
      expect(caCertHash(readFileSync(join(dir, 'c'), 'utf8'))).to.equal(`sha256:${expected}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

