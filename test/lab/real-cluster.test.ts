/**
 * The lab's real cluster (issue 12): `lab up` at the default release makes a 1 control plane + 2 worker
 * cluster with the real kubeadm (init, join, TLS bootstrap approved by the real controller-manager), whose
 * kube-apiserver, controller-manager, scheduler and etcd are the real binaries of the build cache run by
 * the node agent from kubeadm's static pod manifests. Judged by exit codes and by reading state back:
 * /version, the processes' executables, Nodes, mirror pods, ConfigMaps, CSRs, workloads, an etcd snapshot
 * restored on the controller, and a host taken down going NotReady through the real node-lifecycle controller.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { etcdBinaryDir, kubeBinary } from '../../src/lab/kube/binaries.js';
import { runDrydock } from '../helpers/cli.js';
import { certsCheckScenarios } from './cluster/certs-check.js';
import { etcdBackupScenarios } from './cluster/etcd-backup.js';
import { clusterFaultScenarios } from './cluster/faults.js';
import { useRealLab } from './helpers/real-lab.js';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPO = resolve(import.meta.dirname, '../..');

interface Condition { type: string; status: string }
interface NodeItem { metadata: { name: string; labels?: Record<string, string> }; spec: { taints?: Array<{ key: string }>; podCIDR?: string }; status: { conditions: Condition[]; nodeInfo: { kubeletVersion: string } } }

describe('lab: a real Kubernetes cluster made by kubeadm (1 control plane + 2 workers, 10-day certificates)', function () {
  this.timeout(120_000);
  const lab = useRealLab({ name: 'real', controlPlanes: 1, workers: 2, certDays: 10 });
  const hosts = lab;
  const kubectl = lab.kubectl;
  const json = lab.json;
  const ready = async (node: string) => (await json<NodeItem>('get', 'node', node)).status.conditions.find((c) => c.type === 'Ready')?.status;
  const eventually = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(1000);
    }
  };

  it('serves /version v1.36.3 from the real kube-apiserver binary, run from kubeadm\'s manifest', async () => {
    const version = JSON.parse(await kubectl('version', '-o', 'json')) as { serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).to.equal('v1.36.3');
    const exe = await hosts.on('cp1', 'readlink /proc/$(systemctl show -p MainPID --value kube-static-kube-apiserver.service)/exe');
    expect(exe).to.equal('/var/lib/drydock-images/kube/v1.36.3/kube-apiserver');
    expect(await hosts.on('cp1', 'grep -c "image: registry.k8s.io/kube-apiserver:v1.36.3" /etc/kubernetes/manifests/kube-apiserver.yaml')).to.equal('1');
    for (const component of ['kube-controller-manager', 'kube-scheduler', 'etcd']) {
      expect(await hosts.on('cp1', `systemctl is-active kube-static-${component}.service`)).to.equal('active');
    }
    expect(await hosts.on('cp1', 'readlink /proc/$(systemctl show -p MainPID --value kube-static-etcd.service)/exe')).to.equal('/var/lib/drydock-images/etcd/v3.6.16/etcd');
  });

  it('has every node Ready at the installed kubelet package\'s version, the control plane marked by kubeadm', async () => {
    const nodes = (await json<{ items: NodeItem[] }>('get', 'nodes')).items;
    expect(nodes.map((n) => n.metadata.name).sort()).to.deep.equal(['cp1', 'worker1', 'worker2']);
    for (const n of nodes) {
      expect(n.status.conditions.find((c) => c.type === 'Ready')?.status, n.metadata.name).to.equal('True');
      expect(n.status.nodeInfo.kubeletVersion).to.equal('v1.36.3');
      expect(n.spec.podCIDR, `${n.metadata.name} podCIDR from the real controller-manager`).to.match(/^10\.244\.\d+\.0\/24$/);
    }
    const cp1 = nodes.find((n) => n.metadata.name === 'cp1')!;
    expect(cp1.metadata.labels).to.have.property('node-role.kubernetes.io/control-plane');
    expect(cp1.spec.taints?.map((t) => t.key)).to.include('node-role.kubernetes.io/control-plane');
    expect(await hosts.on('worker1', "dpkg-query -W -f '${Version} ${db:Status-Abbrev}' kubelet kubeadm kubectl")).to.equal('1.36.3-1.1 hi 1.36.3-1.1 hi 1.36.3-1.1 hi');
    expect(await hosts.on('worker1', 'kubelet --version')).to.equal('Kubernetes v1.36.3');
  });

  it('keeps kubeadm\'s own configuration, certificates and mirror pods', async () => {
    const cms = await kubectl('get', 'configmaps', '-n', 'kube-system', '-o', 'name');
    expect(cms).to.include('configmap/kubeadm-config').and.include('configmap/kubelet-config');
    const mirror = await json<{ metadata: { annotations: Record<string, string> } }>('get', 'pod', '-n', 'kube-system', 'kube-apiserver-cp1');
    expect(mirror.metadata.annotations['kubernetes.io/config.source']).to.equal('file');
    expect(mirror.metadata.annotations['kubernetes.io/config.hash']).to.match(/^[0-9a-f]{32}$/);
    const expiration = await hosts.on('cp1', 'kubeadm certs check-expiration -o json 2>/dev/null || kubeadm certs check-expiration');
    expect(expiration).to.include('apiserver-etcd-client');
    expect(await hosts.on('cp1', 'readlink -f $(command -v kubeadm) && dpkg -S /usr/bin/kubeadm')).to.include('kubeadm: /usr/bin/kubeadm');
    expect(await hosts.on('cp1', 'kubeadm version -o short')).to.equal('v1.36.3');
  });

  it('bootstrapped each worker\'s client certificate through a CSR the real controller-manager approved', async () => {
    const csrs = (await json<{ items: Array<{ spec: { signerName: string; username: string }; status: { conditions?: Condition[] } }> }>('get', 'csr')).items;
    const kubelet = csrs.filter((c) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
    expect(kubelet.length).to.be.at.least(2);
    for (const c of kubelet) expect(c.status.conditions?.map((x) => x.type)).to.include('Approved');
    const subject = await hosts.on('worker1', 'openssl x509 -noout -subject -in /var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(subject.replace(/\s/g, '')).to.include('O=system:nodes,CN=system:node:worker1');
    // kubelet.conf names the rotated client certificate (grep -c fails the command when it does not).
    expect(Number(await hosts.on('worker1', 'grep -c kubelet-client-current.pem /etc/kubernetes/kubelet.conf'))).to.be.at.least(1);
  });

  it('runs the seed workload through the real controllers and scheduler: Deployments, a StatefulSet, a Job, DaemonSets', async () => {
    await eventually('the seed workload', 120_000, async () => {
      const deployments = (await json<{ items: Array<{ metadata: { name: string }; spec: { replicas: number }; status: { availableReplicas?: number } }> }>('get', 'deployments', '-n', 'default')).items;
      const sts = await json<{ status: { readyReplicas?: number } }>('get', 'statefulset', '-n', 'default', 'db');
      const job = await json<{ status: { succeeded?: number } }>('get', 'job', '-n', 'default', 'report');
      return deployments.length >= 3 && deployments.every((d) => d.status.availableReplicas === d.spec.replicas) &&
        sts.status.readyReplicas === 2 && job.status.succeeded === 1;
    });
    const ds = await json<{ status: { desiredNumberScheduled: number; numberReady: number } }>('get', 'daemonset', '-n', 'monitoring', 'node-exporter');
    expect(ds.status.desiredNumberScheduled).to.equal(3);
    const pdbs = await kubectl('get', 'pdb', '-n', 'default', '-o', 'name');
    expect(pdbs).to.include('poddisruptionbudget.policy/web').and.include('poddisruptionbudget.policy/api');
  });

  it('takes an etcd snapshot with playbooks/etcd-backup.yaml that holds the cluster\'s /registry keys', async () => {
    const backupDir = mkdtempSync(join(tmpdir(), 'drydock-real-backup-'));
    const result = await runDrydock(['play', join(REPO, 'playbooks/etcd-backup.yaml'), '-i', lab.inventory(), '-e', `backup_dir=${backupDir}`], { env: { KUBECONFIG: '' } });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const snapshot = readdirSync(backupDir).find((f) => f.endsWith('.db'));
    expect(snapshot).to.be.a('string');
    // Restore it on the controller with the real etcdutl and read its keys back through a throw-away etcd on loopback.
    const scratch = mkdtempSync(join(tmpdir(), 'drydock-restore-'));
    const etcd = etcdBinaryDir();
    await exec(join(etcd, 'etcdutl'), ['snapshot', 'restore', join(backupDir, snapshot!), '--data-dir', join(scratch, 'data')]);
    const port = 23790 + Math.floor(Math.random() * 100);
    const server = spawn(join(etcd, 'etcd'), ['--data-dir', join(scratch, 'data'), '--listen-client-urls', `http://127.0.0.1:${port}`,
      '--advertise-client-urls', `http://127.0.0.1:${port}`, '--listen-peer-urls', `http://127.0.0.1:${port + 200}`], { stdio: 'ignore' });
    try {
      const keys = await eventually('the restored etcd', 30_000, async () =>
        (await exec(join(etcd, 'etcdctl'), ['--endpoints', `http://127.0.0.1:${port}`, 'get', '/registry/', '--prefix', '--keys-only'], { maxBuffer: 64 << 20 })).stdout);
      expect(keys).to.include('/registry/namespaces/kube-system');
      expect(keys).to.include('/registry/deployments/default/web');
      expect(keys).to.include('/registry/minions/worker1');
    } finally {
      server.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
      rmSync(backupDir, { recursive: true, force: true });
    }
  });

  it('restarts a static pod at a changed manifest, with a new mirror pod hash, as kubeadm upgrade relies on', async () => {
    const hash = async () => (await json<{ metadata: { annotations: Record<string, string> } }>('get', 'pod', '-n', 'kube-system', 'kube-scheduler-cp1')).metadata.annotations['kubernetes.io/config.hash'];
    const before = await hash();
    const pid = await hosts.on('cp1', 'systemctl show -p MainPID --value kube-static-kube-scheduler.service');
    await hosts.on('cp1', "sed -i 's/- --leader-elect=true/- --leader-elect=true\\n    - --v=1/' /etc/kubernetes/manifests/kube-scheduler.yaml");
    const after = await eventually('a new mirror pod hash', 60_000, async () => {
      const h = await hash();
      return h !== before ? h : undefined;
    });
    expect(after).to.not.equal(before);
    expect(await hosts.on('cp1', 'systemctl show -p MainPID --value kube-static-kube-scheduler.service')).to.not.equal(pid);
    expect(await hosts.on('cp1', 'tr "\\0" " " < /proc/$(systemctl show -p MainPID --value kube-static-kube-scheduler.service)/cmdline')).to.include('--v=1');
  });

  /** sshd logins (accepted keys) per host so far, from each host's own journal. */
  const logins = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const host of ['cp1', 'worker1', 'worker2']) {
      counts[host] = Number(await hosts.on(host, "journalctl -b -u ssh --no-pager -o cat | grep -c '^Accepted publickey' || true"));
    }
    return counts;
  };
  const diff = (after: Record<string, number>, before: Record<string, number>) =>
    Object.fromEntries(Object.keys(after).map((h) => [h, after[h]! - before[h]!]));
  const inventory = () => lab.inventory();
  const kubeconfig = () => lab.kubeconfig();

  it('plans and walks the upgrade under --check with one SSH connection per host, changing nothing', async () => {
    const before = await logins();
    const result = await runDrydock(['upgrade', '--to', '1.37.2', '--check', '-i', inventory(), '--kubeconfig', kubeconfig(), '-e', 'drain_force=true'], { env: { KUBECONFIG: '' } });
    expect(result.code, result.stdout.slice(-3000) + result.stderr).to.equal(0);
    // Our own reading of the journal is one login per host too.
    expect(diff(await logins(), before)).to.deep.equal({ cp1: 2, worker1: 2, worker2: 2 });
    expect(await hosts.on('worker1', "dpkg-query -W -f '${Version}' kubelet")).to.equal('1.36.3-1.1');
    expect((await json<{ items: Array<{ spec: { unschedulable?: boolean } }> }>('get', 'nodes')).items.every((n) => !n.spec.unschedulable)).to.equal(true);
  });

  it('reboots only the host that needs it (--only-if-required), back Ready through a fresh heartbeat, one SSH connection per host and boot', async () => {
    const bootId = (h: string) => hosts.on(h, 'cat /proc/sys/kernel/random/boot_id');
    const before = { cp1: await bootId('cp1'), worker1: await bootId('worker1'), worker2: await bootId('worker2') };
    const loginsBefore = await logins();
    await hosts.on('worker2', 'touch /var/run/reboot-required');
    const started = Date.now();
    const result = await runDrydock(['reboot', '-i', inventory(), '--kubeconfig', kubeconfig(), '--only-if-required', '--yes', '--drain-timeout', '120', '--reboot-timeout', '180', '-e', 'drain_force=true'], { env: { KUBECONFIG: '' } });
    expect(result.code, result.stdout.slice(-3000) + result.stderr).to.equal(0);
    const after = await logins();
    console.log(`      drydock reboot of worker2 in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(await bootId('worker2')).to.not.equal(before.worker2);
    expect(await bootId('worker1')).to.equal(before.worker1);
    expect(await bootId('cp1')).to.equal(before.cp1);
    const node = await json<NodeItem & { spec: { unschedulable?: boolean }; status: { nodeInfo: { bootID: string } } }>('get', 'node', 'worker2');
    expect(node.status.nodeInfo.bootID, 'the Ready status comes from the new boot').to.equal(await bootId('worker2'));
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).to.equal('True');
    expect(node.spec.unschedulable ?? false).to.equal(false);
    // Our own reading is one more login per host. journalctl -b counts this boot only: worker2's count
    // restarts at its reboot, where drydock opened its one new connection.
    expect(after.cp1! - loginsBefore.cp1!, 'cp1').to.equal(2);
    expect(after.worker1! - loginsBefore.worker1!, 'worker1').to.equal(2);
    expect(after.worker2, 'worker2 after its reboot').to.equal(2);
  });

  etcdBackupScenarios(lab);
  clusterFaultScenarios(lab);
  certsCheckScenarios(lab);
});
