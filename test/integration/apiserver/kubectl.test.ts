/**
 * Fidelity of the API simulator, judged by the real kubectl: discovery, auth, get (JSON and table),
 * cordon/uncordon, the three drain scenarios of test/fixtures/apiserver, create/apply, watch and leases.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from '../../../src/lab/apiserver/kubeconfig.js';
import { startApiServer } from '../../../src/lab/apiserver/server.js';
import { eventually, findKubectl, FIXTURES, Kubectl, kubectlVersion } from './kubectl-harness.js';
import type { ApiServer } from '../../../src/lab/apiserver/server.js';

const FAST = { replaceDelayMs: 300, podStartDelayMs: 200, podShutdownMs: 300 };
const DRAIN = ['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data'];

describe('lab apiserver: fidelity with the real kubectl', function () {
  this.timeout(30_000);
  let binary = '';
  let server: ApiServer | undefined;
  let kubectl: Kubectl | undefined;

  before(function () {
    this.timeout(300_000);
    const found = findKubectl();
    if (!found.path) {
      console.log(`      skipped: ${found.note}`);
      this.skip();
    }
    binary = found.path!;
    console.log(`      kubectl ${kubectlVersion(binary)} (${found.note})`);
  });

  async function boot(fixture?: string, extra: Parameters<typeof startApiServer>[0] = {}): Promise<Kubectl> {
    server = await startApiServer({ ...FAST, ...(fixture ? { seed: join(FIXTURES, fixture) } : {}), ...extra });
    kubectl = new Kubectl(binary, server.kubeconfigPath);
    return kubectl;
  }

  afterEach(async () => {
    kubectl?.dispose();
    kubectl = undefined;
    await server?.stop();
    server = undefined;
  });

  const livePodsOn = (node: string) =>
    server!.store.list('pods').filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);

  it('refuses anonymous requests with a 401 Status and accepts a CA-signed client certificate', async () => {
    const k = await boot('drain-reschedule.yaml');
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${server!.url}/api/v1/nodes`, { ca: server!.caPem }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status.code).to.equal(401);
    expect(JSON.parse(status.body)).to.include({ kind: 'Status', reason: 'Unauthorized' });
    const dir = mkdtempSync(join(tmpdir(), 'drydock-certauth-'));
    try {
      const certConfig = join(dir, 'kubeconfig');
      await writeKubeconfig(certConfig, server!.url, server!.caPem, { clientCertPem: server!.clientCertPem, clientKeyPem: server!.clientKeyPem });
      const viaCert = new Kubectl(binary, certConfig);
      const result = await viaCert.run(['get', 'nodes', '-o', 'name']);
      viaCert.dispose();
      expect(result.stderr).to.equal('');
      expect(result.stdout.trim().split('\n')).to.deep.equal(['node/cp-1', 'node/node-1', 'node/node-2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    void k;
  });

  it('kubectl get nodes: JSON objects and the server-printed table', async () => {
    const k = await boot('drain-reschedule.yaml');
    const list = await k.json(['get', 'nodes']);
    expect(list.items.map((n: any) => n.metadata.name)).to.deep.equal(['cp-1', 'node-1', 'node-2']);
    expect(list.items[0].status.nodeInfo.kubeletVersion).to.match(/^v1\.\d+\.\d+$/);
    const table = await k.run(['get', 'nodes']);
    const lines = table.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(lines[0]).to.deep.equal(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(lines[1]!.slice(0, 3)).to.deep.equal(['cp-1', 'Ready', 'control-plane']);
    expect(lines[2]!.slice(0, 3)).to.deep.equal(['node-1', 'Ready', '<none>']);
    const missing = await k.run(['get', 'pod', 'nope']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('pods "nope" not found');
  });

  it('kubectl cordon and uncordon flip spec.unschedulable', async () => {
    const k = await boot('drain-reschedule.yaml');
    const cordon = await k.run(['cordon', 'node-2']);
    expect(cordon.stdout).to.contain('node/node-2 cordoned');
    expect(server!.store.get('nodes', undefined, 'node-2').spec.unschedulable).to.equal(true);
    expect((await k.run(['get', 'node', 'node-2'])).stdout).to.contain('Ready,SchedulingDisabled');
    expect((await k.run(['cordon', 'node-2'])).stdout).to.contain('already cordoned');
    expect((await k.run(['uncordon', 'node-2'])).stdout).to.contain('node/node-2 uncordoned');
    expect(server!.store.get('nodes', undefined, 'node-2').spec.unschedulable ?? false).to.equal(false);
  });

  it('drain (a): completes after the ReplicaSet reschedules the PDB-protected pod elsewhere', async () => {
    const k = await boot('drain-reschedule.yaml');
    const result = await k.run([...DRAIN, '--timeout=25s']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/ignoring DaemonSet-managed Pods: kube-system\/node-agent-/);
    expect(result.stderr).to.contain("(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.");
    expect(result.stdout).to.match(/node\/node-1 (drained|evicted)/);
    expect(server!.store.get('nodes', undefined, 'node-1').spec.unschedulable).to.equal(true);
    expect(livePodsOn('node-1').map((p) => p.metadata.labels?.app)).to.deep.equal(['node-agent']);
    await eventually(() => server!.store.list('pods', 'default').filter((p) => p.metadata.labels?.app === 'web' && p.status?.phase === 'Running').length === 2, 3000, 'two web pods running');
    expect(livePodsOn('node-2').filter((p) => p.metadata.labels?.app === 'web')).to.have.length(2);
  });

  it('drain (b): a PDB with minAvailable = replicas and no spare node blocks until --timeout', async () => {
    const k = await boot('drain-pdb-blocked.yaml');
    const started = Date.now();
    const result = await k.run([...DRAIN, '--timeout=10s']);
    expect(result.code).to.not.equal(0);
    expect(Date.now() - started).to.be.within(9_500, 20_000);
    expect(result.stderr).to.contain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(result.stderr).to.contain('global timeout reached: 10s');
    expect(server!.store.get('nodes', undefined, 'node-1').spec.unschedulable).to.equal(true);
    expect(livePodsOn('node-1').map((p) => p.metadata.name)).to.deep.equal(['db-0']);
    const pdb = await k.json(['get', 'pdb', 'db-pdb']);
    expect(pdb.status).to.include({ currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1 });
  });

  it('drain refuses at once a pod covered by two PDBs (500 from the eviction subresource)', async () => {
    const k = await boot('drain-pdb-blocked.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'drydock-pdb2-'));
    try {
      writeFileSync(join(dir, 'pdb.yaml'), 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: db-pdb-2, namespace: default }\nspec: { maxUnavailable: 1, selector: { matchLabels: { app: db } } }\n');
      expect((await k.run(['create', '-f', join(dir, 'pdb.yaml')])).code).to.equal(0);
      const started = Date.now();
      const result = await k.run([...DRAIN, '--timeout=10s']);
      expect(result.code).to.not.equal(0);
      expect(Date.now() - started, 'no retry on a 500').to.be.below(5000);
      expect(result.stderr).to.contain('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      expect(livePodsOn('node-1').map((p) => p.metadata.name)).to.deep.equal(['db-0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drain (c): an unmanaged pod refuses the drain without --force; --force deletes it', async () => {
    const k = await boot('drain-unmanaged.yaml');
    const refused = await k.run(DRAIN);
    expect(refused.code).to.not.equal(0);
    // kubectl >= 1.2x words it "declare no controller"; Debian's 1.20 "not managed by ReplicationController, ...".
    expect(refused.stderr).to.match(/cannot delete Pods (that )?(declare no controller|not managed by ReplicationController)[^\n]*\(use --force to override\): default\/debug/);
    expect(livePodsOn('node-1').map((p) => p.metadata.name).sort()).to.deep.equal(['api-0', 'debug']);
    const forced = await k.run([...DRAIN, '--force', '--timeout=20s']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stderr).to.match(/(deleting|Deleting) Pods (that )?(declare no controller|not managed by)[^\n]*default\/debug/);
    expect(server!.store.find('pods', 'default', 'debug')).to.equal(undefined);
    await eventually(() => livePodsOn('node-2').some((p) => p.metadata.labels?.app === 'api'), 3000, 'the api pod recreated on node-2');
    expect(livePodsOn('node-1')).to.have.length(0);
  });

  it('kubectl create -f and apply -f of a Deployment and a PDB; the Deployment gets its ReplicaSet and pods', async () => {
    const k = await boot('drain-unmanaged.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'drydock-apply-'));
    try {
      const manifest = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello, namespace: default }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec: { containers: [{ name: hello, image: "nginx:1.27" }] }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: hello-pdb, namespace: default }
spec:
  maxUnavailable: "50%"
  selector: { matchLabels: { app: hello } }
`;
      writeFileSync(join(dir, 'two.yaml'), manifest(2));
      writeFileSync(join(dir, 'three.yaml'), manifest(3));
      const created = await k.run(['create', '-f', join(dir, 'two.yaml')]);
      expect(created.stdout, created.stderr).to.contain('deployment.apps/hello created');
      expect(created.stdout).to.contain('poddisruptionbudget.policy/hello-pdb created');
      const applied = await k.run(['apply', '-f', join(dir, 'three.yaml')]);
      expect(applied.code, applied.stderr).to.equal(0);
      expect(applied.stdout).to.contain('deployment.apps/hello configured');
      await eventually(async () => (await k.json(['get', 'deployment', 'hello'])).status.readyReplicas === 3, 5000, 'three ready replicas');
      const rs = await k.json(['get', 'rs', '-l', 'app=hello']);
      expect(rs.items).to.have.length(1);
      expect(rs.items[0].metadata.ownerReferences[0]).to.include({ kind: 'Deployment', name: 'hello', controller: true });
      await eventually(async () => (await k.json(['get', 'pdb', 'hello-pdb'])).status.disruptionsAllowed === 2, 3000, 'PDB status');
      const reapplied = await k.run(['apply', '-f', join(dir, 'three.yaml')]);
      expect(reapplied.stdout).to.contain('deployment.apps/hello unchanged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kubectl get -w streams changes; a node whose kubelet stops turns NotReady', async () => {
    const k = await boot('drain-unmanaged.yaml', { heartbeatGraceMs: 800 });
    const watch = k.spawn(['get', 'nodes', '-w']);
    let seen = '';
    watch.stdout!.on('data', (chunk) => (seen += chunk));
    try {
      await eventually(() => seen.includes('node-2'), 5000, 'the initial listing');
      server!.sim.setKubeletRunning('node-2', false);
      await eventually(() => /node-2\s+NotReady/.test(seen), 5000, 'node-2 NotReady in the watch stream');
      const table = await k.run(['get', 'node', 'node-2']);
      expect(table.stdout).to.match(/node-2\s+NotReady/);
    } finally {
      watch.kill();
    }
  });

  it('Leases: create, then a replace with a stale resourceVersion is a 409 Conflict', async () => {
    const k = await boot();
    const dir = mkdtempSync(join(tmpdir(), 'drydock-lease-'));
    try {
      const file = join(dir, 'lease.yaml');
      writeFileSync(file, 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: { name: drydock-lock, namespace: kube-system }\nspec: { holderIdentity: admin-a }\n');
      expect((await k.run(['create', '-f', file])).stdout).to.contain('lease.coordination.k8s.io/drydock-lock created');
      const lease = await k.json(['get', 'lease', '-n', 'kube-system', 'drydock-lock']);
      const taken = server!.store.get('leases', 'kube-system', 'drydock-lock');
      taken.spec.holderIdentity = 'admin-b';
      server!.store.update('leases', taken);
      lease.spec.holderIdentity = 'admin-a-again';
      writeFileSync(file, JSON.stringify(lease));
      const stale = await k.run(['replace', '-f', file]);
      expect(stale.code).to.equal(1);
      expect(stale.stderr).to.contain('Operation cannot be fulfilled on leases.coordination.k8s.io "drydock-lock": the object has been modified');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
