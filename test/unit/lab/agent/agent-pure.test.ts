import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../../../../src/lab/agent/flags.js';
import { decide, nextPodIp, type Pod } from '../../../../src/lab/agent/pods.js';
import { imageBinary, unitName } from '../../../../src/lab/agent/runtime.js';
import { rotationDue } from '../../../../src/lab/agent/credentials.js';
import { pemBlocks } from '../../../../src/lab/agent/api.js';

function pod(extra: Partial<Pod['metadata']> = {}, status?: Pod['status'], spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', ...extra },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
    ...(status ? { status } : {}),
  };
}

describe('lab node agent: flags', () => {
  it('reads the flags kubeadm\'s drop-in passes and answers --version', () => {
    expect(parseFlags(['--version'])).to.equal('version');
    expect(parseFlags(['--version=false', '--config=/c.yaml'])).to.include({ config: '/c.yaml' });
    const flags = parseFlags([
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///x.sock', '--node-ip', '10.0.0.5',
    ]);
    expect(flags).to.deep.equal({
      kubeconfig: '/etc/kubernetes/kubelet.conf', bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf',
      config: '/var/lib/kubelet/config.yaml', nodeIp: '10.0.0.5',
    });
  });
});

describe('lab node agent: images', () => {
  it('maps a static pod image to the real binary in the image store', () => {
    expect(imageBinary('registry.k8s.io/kube-apiserver:v1.36.3', 'kube-apiserver', '/s')).to.equal('/s/kube/v1.36.3/kube-apiserver');
    expect(imageBinary('registry.k8s.io/kube-scheduler:v1.37.2', 'kube-scheduler', '/s')).to.equal('/s/kube/v1.37.2/kube-scheduler');
    expect(imageBinary('registry.k8s.io/etcd:3.6.16-0', 'etcd', '/s')).to.equal('/s/etcd/v3.6.16/etcd');
    expect(imageBinary('registry.k8s.io/coredns/coredns:v1.12.1', 'coredns', '/s')).to.equal(null);
    expect(imageBinary('nginx', 'nginx', '/s')).to.equal(null);
    expect(unitName('kube-apiserver')).to.equal('kube-static-kube-apiserver.service');
  });
});

describe('lab node agent: pods', () => {
  const now = new Date('2026-12-07T10:00:00Z');

  it('runs a new pod Ready, or not Ready when annotated so', () => {
    expect(decide(pod(), now)).to.deep.equal({ kind: 'run', ready: true });
    expect(decide(pod({ annotations: { 'lab.drydock.io/ready': 'false' } }), now)).to.deep.equal({ kind: 'run', ready: false });
  });

  it('leaves mirror pods and finished pods alone', () => {
    expect(decide(pod({ annotations: { 'kubernetes.io/config.mirror': 'abc' } }), now).kind).to.equal('none');
    expect(decide(pod({}, { phase: 'Succeeded' }), now).kind).to.equal('none');
  });

  it('flips readiness when the annotation changes on a running pod', () => {
    const running = { phase: 'Running', startTime: '2026-12-07T09:00:00Z', conditions: [{ type: 'Ready', status: 'True' }] };
    expect(decide(pod({}, running), now).kind).to.equal('none');
    expect(decide(pod({ annotations: { 'lab.drydock.io/ready': 'false' } }, running), now)).to.deep.equal({ kind: 'ready', ready: false });
  });

  it('completes run-to-completion pods after their run time, never Always pods', () => {
    const started = { phase: 'Running', startTime: '2026-12-07T09:59:57Z', conditions: [{ type: 'Ready', status: 'True' }] };
    expect(decide(pod({}, started, { restartPolicy: 'Never' }), now).kind).to.equal('succeed');
    expect(decide(pod({ annotations: { 'lab.drydock.io/run-seconds': '10' } }, started, { restartPolicy: 'OnFailure' }), now).kind).to.equal('none');
    expect(decide(pod({}, started), now).kind).to.equal('none');
  });

  it('removes a deleting pod only once its grace period (or shutdown time) has passed', () => {
    // Deleted at 09:59:55 with 10 s grace: deletionTimestamp 10:00:05.
    const deleting = { deletionTimestamp: '2026-12-07T10:00:05Z', deletionGracePeriodSeconds: 10 };
    expect(decide(pod(deleting), now).kind).to.equal('none');
    expect(decide(pod(deleting), new Date('2026-12-07T10:00:05Z')).kind).to.equal('remove');
    expect(decide(pod({ ...deleting, annotations: { 'lab.drydock.io/shutdown-seconds': '3' } }), now).kind).to.equal('remove');
  });

  it('hands out pod addresses from the node\'s podCIDR, skipping used ones', () => {
    expect(nextPodIp('10.244.1.0/24', new Set())).to.equal('10.244.1.2');
    expect(nextPodIp('10.244.1.0/24', new Set(['10.244.1.2', '10.244.1.3']))).to.equal('10.244.1.4');
    expect(nextPodIp(undefined, new Set())).to.equal(null);
  });
});

describe('lab node agent: certificates', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '10',
      '-subj', '/CN=system:node:w1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates once 80% of the certificate\'s life has passed', () => {
    const pem = readFileSync(join(dir, 'c.pem'), 'utf8');
    const cert = new X509Certificate(pem);
    const from = new Date(cert.validFrom).getTime();
    expect(rotationDue(pem, from + 7 * 86400000)).to.equal(false);
    expect(rotationDue(pem, from + 8.1 * 86400000)).to.equal(true);
  });

  it('splits the kubelet store\'s combined file into certificate and key', () => {
    const combined = readFileSync(join(dir, 'c.pem'), 'utf8') + readFileSync(join(dir, 'k.pem'), 'utf8');
    expect(pemBlocks(combined, /CERTIFICATE/)).to.match(/^-----BEGIN CERTIFICATE-----[\s\S]*-----END CERTIFICATE-----\n$/);
    expect(pemBlocks(combined, /PRIVATE KEY/)).to.match(/^-----BEGIN PRIVATE KEY-----[\s\S]*-----END PRIVATE KEY-----\n$/);
  });
});
