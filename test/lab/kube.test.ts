/**
 * The lab's Kubernetes parts, for real: one small lab (2 control planes, 1 worker) started at 1.28.14 with
 * 30-day certificates; packages come from the lab's apt repository, nodes and mirror pods appear in the
 * API simulator through the stand-in kubelets, etcd is a real two-member cluster.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { labUp } from '../../src/lab/up.js';
import { labDown } from '../../src/lab/ops.js';
import { sshRun, type SshTarget } from '../../src/lab/sshcmd.js';
import { readLabRecord, type LabRecord } from '../../src/lab/state.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { buildLabProgram } from './helpers/lab-cli.js';
import { STANDIN_KUBE_VERSION } from './helpers/lab-hosts.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lab kubernetes: apt repository, stand-in kubeadm/kubelet, etcd, certificates, API', function () {
  this.timeout(60000);
  let stateDir = '';

  const record = (): LabRecord => readLabRecord(join(stateDir, 'lab.json'))!;
  const target = (name: string): SshTarget => {
    const r = record();
    return { address: r.hosts.find((h) => h.name === name)!.address, clientKey: r.paths.clientKey, knownHosts: r.paths.knownHosts };
  };
  const on = async (host: string, command: string, timeoutMs = 60000): Promise<string> => {
    const result = await sshRun(target(host), command, timeoutMs);
    if (result.code !== 0) throw new Error(`${host}: ${command}: exit ${result.code}: ${result.stdout}${result.stderr}`);
    return result.stdout.trim();
  };
  const api = () => loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') });
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(500);
    }
  };

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab kubernetes tests cannot run here: ${reason}`);
    this.timeout(600000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-kube-test-'));
    const up = await labUp({ stateDir, kubeVersion: STANDIN_KUBE_VERSION, controlPlanes: 2, workers: 1, certDays: 30, out: (line) => console.log(`      ${line}`) });
    console.log(`      lab up: ${up.bootSeconds.toFixed(1)}s to boot and install Kubernetes ${record().kube!.version} on 3 hosts`);
  });

  after(async function () {
    this.timeout(60000);
    if (stateDir) await labDown({ stateDir, purge: true, out: () => undefined });
  });

  it('installs the starting release from the lab repository, held, with the Debian sources switched off', async () => {
    const held = await on('worker1', 'apt-mark showhold');
    expect(held.split('\n').sort()).to.deep.equal(['kubeadm', 'kubectl', 'kubelet']);
    expect(await on('worker1', "dpkg-query -W -f '${Version}' kubelet")).to.equal('1.28.14-1.1');
    expect(await on('worker1', 'cat /etc/apt/sources.list.d/kubernetes.list')).to.equal(
      `deb [trusted=yes] http://${record().bridgeAddress}:8089/core:/stable:/v1.28/deb/ /`,
    );
    const started = Date.now();
    const update = await on('worker1', 'apt-get update 2>&1');
    expect(Date.now() - started).to.be.below(10000);
    expect(update).to.not.include('deb.debian.org');
    expect(await on('worker1', 'kubelet --version')).to.equal('Kubernetes v1.28.14');
  });

  it('apt installs a pinned kubeadm from the next minor\'s repository', async () => {
    await on('cp1', 'sed -i "s#/v1.28/#/v1.29/#" /etc/apt/sources.list.d/kubernetes.list && apt-get update -q');
    const madison = await on('cp1', 'apt-cache madison kubeadm');
    expect(madison).to.include('1.29.4-1.1').and.include('1.29.3-1.1').and.include('/core:/stable:/v1.29/deb');
    await on('cp1', 'apt-mark unhold kubeadm && apt-get install -y -q kubeadm=1.29.4-1.1 && apt-mark hold kubeadm');
    expect(await on('cp1', 'kubeadm version -o short')).to.equal('v1.29.4');
  });

  it('registers every node and mirrors the control-plane static pods into the API', async () => {
    const client = api();
    const nodes = await eventually('three Ready nodes', async () => {
      const list = await client.listNodes();
      const ready = list.filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 3 ? list : undefined;
    });
    expect(nodes.map((n) => n.metadata.name).sort()).to.deep.equal(['cp1', 'cp2', 'worker1']);
    for (const node of nodes) expect(node.status.nodeInfo?.kubeletVersion).to.equal('v1.28.14');
    const lease = await eventually('worker1\'s node lease', async () => (await client.getLease('kube-node-lease', 'worker1')) ?? undefined);
    expect(lease.spec?.holderIdentity).to.equal('worker1');
    const pods = await eventually('mirror pods of cp1 and cp2', async () => {
      const list = await client.listKubeSystemPods('tier=control-plane');
      return list.length === 8 ? list : undefined;
    });
    const apiserver = pods.find((p) => p.metadata.name === 'kube-apiserver-cp2')!;
    expect(apiserver.spec.containers?.[0]?.image).to.equal('registry.k8s.io/kube-apiserver:v1.28.14');
    expect(apiserver.metadata.annotations?.['kubernetes.io/config.mirror']).to.match(/^[0-9a-f]{32}$/);
  });

  it('refuses a minor skip in kubeadm upgrade apply, and upgrades the control plane one minor at a time', async () => {
    await on('cp2', 'sed -i "s#/v1.28/#/v1.30/#" /etc/apt/sources.list.d/kubernetes.list && apt-get update -q && ' +
      'apt-get install -y -q --allow-change-held-packages kubeadm=1.30.2-1.1');
    const skip = await sshRun(target('cp2'), 'kubeadm upgrade apply -y v1.30.2');
    expect(skip.code).to.equal(1);
    expect(skip.stderr).to.include('Specified version to upgrade to "v1.30.2" is too high; kubeadm can upgrade only 1 minor version at a time');
    expect(await on('cp2', 'grep -h "image:" /etc/kubernetes/manifests/kube-apiserver.yaml')).to.include('v1.28.14');

    const unconfirmed = await sshRun(target('cp1'), 'kubeadm upgrade apply v1.29.4 < /dev/null');
    expect(unconfirmed.code).to.equal(1);
    expect(unconfirmed.stderr).to.include("won't proceed");

    const plan = await on('cp1', 'kubeadm upgrade plan 2>/dev/null');
    expect(plan).to.include('[upgrade/versions] Cluster version: v1.28.14').and.include('kubeadm upgrade apply v1.29.4');
    expect(plan).to.match(/kubelet\s+3 x v1\.28\.14\s+v1\.29\.4/);

    const applied = await on('cp1', 'kubeadm upgrade apply -y v1.29.4', 120000);
    expect(applied).to.include('[upgrade/successful] SUCCESS! Your cluster was upgraded to "v1.29.4"');
    expect(await on('cp1', 'grep -h "image:" /etc/kubernetes/manifests/kube-scheduler.yaml')).to.include('kube-scheduler:v1.29.4');
    const pod = await api().getPod('kube-system', 'kube-apiserver-cp1');
    expect(pod?.spec.containers?.[0]?.image).to.equal('registry.k8s.io/kube-apiserver:v1.29.4');
    // upgrade apply renews the node's certificates for a year, as kubeadm does by default.
    const table = await on('cp1', 'kubeadm certs check-expiration');
    expect(table.split('\n').find((l) => l.startsWith('apiserver '))).to.match(/\s36[45]d\s/);
    // Half upgraded: the API reports the oldest kube-apiserver still running.
    expect((await api().getVersion()).gitVersion).to.equal('v1.28.14');
  });

  it('kubeadm upgrade node brings the other control plane to the installed kubeadm\'s release', async () => {
    await on('cp2', 'sed -i "s#/v1.30/#/v1.29/#" /etc/apt/sources.list.d/kubernetes.list && apt-get update -q && ' +
      'apt-get install -y -q --allow-downgrades --allow-change-held-packages kubeadm=1.29.4-1.1');
    const out = await on('cp2', 'kubeadm upgrade node --certificate-renewal=false', 120000);
    expect(out).to.include('[upgrade] The control plane instance for this node was successfully updated!');
    expect(await on('cp2', 'grep -h "image:" /etc/kubernetes/manifests/etcd.yaml')).to.include('etcd:3.5.10-0');
    const pod = await api().getPod('kube-system', 'kube-controller-manager-cp2');
    expect(pod?.spec.containers?.[0]?.image).to.equal('registry.k8s.io/kube-controller-manager:v1.29.4');
    expect((await api().getVersion()).gitVersion).to.equal('v1.29.4');
    const worker = await on('worker1', 'kubeadm upgrade node');
    expect(worker).to.include('Skipping phase. Not a control plane node.').and.include('/var/lib/kubelet/config.yaml');
  });

  it('reports the new kubelet version once the upgraded kubelet is restarted', async () => {
    await on('worker1', 'sed -i "s#/v1.28/#/v1.29/#" /etc/apt/sources.list.d/kubernetes.list && apt-get update -q && ' +
      'apt-mark unhold kubelet && apt-get install -y -q kubelet=1.29.4-1.1 && apt-mark hold kubelet');
    expect((await api().getNode('worker1')).status.nodeInfo?.kubeletVersion).to.equal('v1.28.14');
    await on('worker1', 'systemctl daemon-reload && systemctl restart kubelet');
    const version = await eventually('worker1 to report v1.29.4', async () => {
      const v = (await api().getNode('worker1')).status.nodeInfo?.kubeletVersion;
      return v === 'v1.29.4' ? v : undefined;
    });
    expect(version).to.equal('v1.29.4');
  });

  it('runs a real etcd cluster: a snapshot with the kubeadm certificate paths holds keys', async () => {
    const flags = '--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt ' +
      '--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';
    await on('cp2', `ETCDCTL_API=3 etcdctl ${flags} snapshot save /tmp/x.db`);
    const status = await on('cp2', 'ETCDCTL_API=3 etcdctl snapshot status /tmp/x.db -w json');
    expect(JSON.parse(status).totalKey).to.be.greaterThan(0);
    const members = await on('cp1', `ETCDCTL_API=3 etcdctl ${flags} member list`);
    expect(members.split('\n')).to.have.length(2);
    expect(await on('cp1', 'grep -c -- "--initial-cluster=cp1=https://" /etc/kubernetes/manifests/etcd.yaml')).to.equal('1');
  });

  it('kubeadm certs check-expiration reflects --cert-days, and renew all re-signs for a year', async () => {
    const table = await on('cp2', 'kubeadm certs check-expiration');
    const row = (name: string) => table.split('\n').find((l) => l.startsWith(`${name} `))!;
    expect(row('apiserver')).to.match(/\s(29|30)d\s+ca\s+no$/);
    expect(row('etcd-server')).to.match(/\s(29|30)d\s+etcd-ca\s+no$/);
    expect(row('admin.conf')).to.match(/\s(29|30)d\s+ca\s+no$/);
    expect(table).to.match(/\nca\s+.*\s9y\s+no/);
    const json = JSON.parse(await on('cp2', 'kubeadm certs check-expiration -o json'));
    expect(json).to.include({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3' });
    const apiserverInfo = json.certificates.find((c: { name: string }) => c.name === 'apiserver');
    expect(apiserverInfo).to.include({ caName: 'ca', externallyManaged: false, missing: false });
    expect(apiserverInfo.residualTime).to.be.within(29 * 86400, 30 * 86400);
    expect(json.certificateAuthorities.map((c: { name: string }) => c.name)).to.deep.equal(['ca', 'etcd-ca', 'front-proxy-ca']);
    const before = await on('cp2', 'openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt');
    await on('cp2', 'kubeadm certs renew all');
    expect(await on('cp2', 'openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt')).to.not.equal(before);
    expect(await on('cp2', 'openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt')).to.include('OK');
    expect(await on('cp2', 'openssl x509 -noout -ext subjectAltName -in /etc/kubernetes/pki/apiserver.crt')).to.include('DNS:kubernetes.default.svc');
    const renewed = await on('cp2', 'kubeadm certs check-expiration');
    expect(renewed.split('\n').find((l) => l.startsWith('apiserver '))).to.match(/\s36[45]d\s/);
    expect(renewed.split('\n').find((l) => l.startsWith('admin.conf '))).to.match(/\s36[45]d\s/);
  });

  it('writes an admin kubeconfig for the controller and lab status --json names it', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await buildLabProgram().parseAsync(['node', 'lab', 'status', '--json', '--state-dir', stateDir]);
    } finally {
      process.stdout.write = write;
    }
    const status = JSON.parse(lines.join(''));
    expect(status.kubeconfig).to.equal(join(stateDir, 'kubeconfig'));
    expect(statSync(status.kubeconfig).mode & 0o777).to.equal(0o600);
    expect(readFileSync(status.kubeconfig, 'utf8')).to.include(`server: https://${record().bridgeAddress}:6443`);
    const pods = await api().listPodsOnNode('worker1');
    expect(pods.some((p) => p.spec.volumes?.some((v) => 'emptyDir' in v))).to.equal(true);
    expect(pods.some((p) => p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet'))).to.equal(true);
    expect((await api().listPdbs('default')).length).to.be.greaterThan(0);
  });
});
