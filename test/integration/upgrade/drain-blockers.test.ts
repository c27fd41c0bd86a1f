/**
 * Drain blockers at plan time, through the real CLI: `plan upgrade` and `upgrade` against the API simulator,
 * with the hosts read over real SSH from a loopback fleet. The fleet's sshd runs in a private mount
 * namespace where each host looks like a kubeadm node at 1.28.14 (a kubernetes.list, stand-in dpkg-query,
 * apt-get and apt-cache offering 1.29.4), so the only thing in the upgrade's way is what the cluster's pods
 * do to the drains. Judged by exit code, the plan's JSON and the simulator's state (no lock taken).
 */
import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock, type CliResult } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { LOCK_NAME } from '../../../src/lock/cluster-lock.js';

const HOSTS = ['cp1', 'w1', 'w2', 'w3'];

function nodeDoc(name: string, cpu: string): string {
  const controlPlane = name.startsWith('cp');
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: { kubernetes.io/hostname: ${name}${controlPlane ? ', node-role.kubernetes.io/control-plane: ""' : ''} }
spec: ${controlPlane ? '{ taints: [{ key: node-role.kubernetes.io/control-plane, effect: NoSchedule }] }' : '{}'}
status:
  nodeInfo: { kubeletVersion: v1.28.14 }
  capacity: { cpu: "${cpu}", memory: 8Gi, pods: "110" }
`;
}

function staticPod(component: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${component}-cp1
  namespace: kube-system
  labels: { component: ${component}, tier: control-plane }
  annotations: { kubernetes.io/config.mirror: "${component}" }
spec:
  nodeName: cp1
  containers: [{ name: ${component}, image: registry.k8s.io/${component}:v1.28.14 }]
`;
}

function replicaSet(name: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: ${name}, namespace: default }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: main, image: nginx:1.27 }]
`;
}

function podDoc(name: string, node: string, options: { owner?: string; cpu?: string } = {}): string {
  const owner = options.owner ? `\n  labels: { app: ${options.owner} }\n  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: ${options.owner}, controller: true }]` : '';
  const resources = options.cpu ? `, resources: { requests: { cpu: "${options.cpu}", memory: 64Mi } }` : '';
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default${owner}
spec:
  nodeName: ${node}
  containers: [{ name: main, image: nginx:1.27${resources} }]
`;
}

/** cp1 (tainted control plane) and three workers at 1.28.14, plus the scenario's objects. */
function seed(objects: string[], cpu = '4'): string {
  return [...HOSTS.map((h) => nodeDoc(h, cpu)), ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map(staticPod), ...objects].join('---\n');
}

describe('plan upgrade / upgrade: drain blockers found at plan time (CLI, API simulator, loopback fleet)', function () {
  this.timeout(240_000);
  let dir = '';
  let fleet: Fleet | undefined;
  let inventory = '';
  const servers: ApiServer[] = [];

  before(async function () {
    if (process.getuid?.() !== 0) {
      // The fleet's private mount namespace needs root; say why instead of passing silently.
      throw new Error('this test needs root: the fleet runs sshd in a private mount namespace (unshare -m)');
    }
    dir = mkdtempSync(join(tmpdir(), 'drydock-drain-blockers-'));
    const bin = join(dir, 'bin');
    const sources = join(dir, 'sources.list.d');
    mkdirSync(bin);
    mkdirSync(sources);
    const tool = (name: string, body: string): string => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
      return join(bin, name);
    };
    const installed = ['kubeadm', 'kubelet', 'kubectl'].map((p) => `@pkg ${p}\\t1.28.14-1.1\\thold ok installed\\n`).join('');
    const madison = ['kubeadm', 'kubelet', 'kubectl'].map((p) => `echo '   ${p} | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages'`).join('\n');
    writeFileSync(join(sources, 'kubernetes.list'), 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /\n');
    fleet = await startFleet({
      hosts: HOSTS.length,
      firstAddress: '127.0.61.1',
      mounts: [
        { source: tool('dpkg-query', `printf '${installed}'`), target: '/usr/bin/dpkg-query' },
        { source: tool('apt-get', 'exit 0'), target: '/usr/bin/apt-get' },
        { source: tool('apt-cache', madison), target: '/usr/bin/apt-cache' },
        { source: sources, target: '/etc/apt/sources.list.d' },
      ],
    });
    const lines = ['all:', '  children:', '    control_plane: { hosts: { cp1: {} } }', '    etcd: { hosts: { cp1: {} } }', '    workers: { hosts: { w1: {}, w2: {}, w3: {} } }', '  hosts:'];
    HOSTS.forEach((name, i) => {
      const host = fleet!.hosts[i]!;
      lines.push(`    ${name}: { ansible_host: ${host.address}, ansible_port: ${host.port}, ansible_user: ${fleet!.user}, ansible_ssh_private_key_file: ${JSON.stringify(fleet!.clientKey)} }`);
    });
    lines.push('  vars:', `    ansible_ssh_common_args: ${JSON.stringify(`-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes`)}`);
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, `${lines.join('\n')}\n`);
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function cluster(name: string, objects: string[], cpu?: string): Promise<ApiServer> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, seed(objects, cpu));
    const server = await startApiServer({ seed: file });
    servers.push(server);
    return server;
  }

  function drydock(server: ApiServer, command: string[], more: string[] = []): Promise<CliResult> {
    return runDrydock([...command, '--to', '1.29.4', '-i', inventory, '--kubeconfig', server.kubeconfigPath, ...more], {
      env: { KUBECONFIG: '' },
      stateDir: join(dir, 'state'),
    });
  }

  const refusedLines = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('REFUSED: '));

  it('a pod without a controller: refused (exit 1) naming it and -e drain_force=true; accepted with the flag, listed as lost', async () => {
    const server = await cluster('unmanaged', [podDoc('debug', 'w1'), replicaSet('web', 1), podDoc('web-0', 'w1', { owner: 'web' })]);
    const refused = await drydock(server, ['plan', 'upgrade']);
    expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
    // The fleet looks like kubeadm nodes: the drain is the only thing in the way.
    expect(refusedLines(refused.stdout)).to.deep.equal([
      'REFUSED: drain of w1 (node w1) would be refused: pods without a controller: default/debug; -e drain_force=true deletes them for good (no controller recreates them), or delete or re-create them under a controller first',
    ]);

    const forced = await drydock(server, ['plan', 'upgrade'], ['-e', 'drain_force=true', '--json']);
    expect(forced.code, forced.stdout + forced.stderr).to.equal(0);
    const plan = JSON.parse(forced.stdout) as { refusals: string[]; drain: { blocked: boolean; batches: Array<{ hosts: string[]; nodes: Array<{ evict: string[]; lost: Array<{ kind: string; pods: string[] }> }> }> } };
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.drain.blocked).to.equal(false);
    const w1 = plan.drain.batches.find((b) => b.hosts[0] === 'w1')!;
    expect(w1.nodes[0]!.evict.sort()).to.deep.equal(['default/debug', 'default/web-0']);
    expect(w1.nodes[0]!.lost.map((l) => [l.kind, l.pods])).to.deep.equal([['no-controller', ['default/debug']]]);

    const text = await drydock(server, ['plan', 'upgrade'], ['-e', 'drain_force=true']);
    expect(text.code).to.equal(0);
    expect(text.stdout).to.include('      LOST default/debug: deleted for good: no controller recreates them (drain_force)');
  });

  it('a budget at 0 disruptions: plan refused even with drain_force; upgrade refuses before the lock and the backup', async () => {
    const server = await cluster('budget', [
      replicaSet('db', 1),
      podDoc('db-0', 'w2', { owner: 'db' }),
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: db-pdb, namespace: default }\nspec:\n  minAvailable: 1\n  selector: { matchLabels: { app: db } }\n',
    ]);
    const plan = await drydock(server, ['plan', 'upgrade'], ['-e', 'drain_force=true']);
    expect(plan.code, plan.stdout + plan.stderr).to.equal(1);
    const refusals = refusedLines(plan.stdout);
    expect(refusals).to.have.length(1);
    expect(refusals[0]).to.include('drain of w2 (node w2) would be refused: held by PodDisruptionBudget default/db-pdb: default/db-0; wait until default/db-pdb allows a disruption');

    const backups = join(dir, 'backups');
    const upgrade = await drydock(server, ['upgrade'], ['--yes', '-e', `backup_dir=${backups}`]);
    expect(upgrade.code, upgrade.stdout + upgrade.stderr).to.equal(1);
    expect(upgrade.stderr).to.include('drydock: refusing to upgrade: drain of w2 (node w2) would be refused: held by PodDisruptionBudget default/db-pdb');
    // Refused before the lock (no Lease), the backup (no snapshot folder) and any cordon.
    expect(server.store.find('leases', 'kube-system', LOCK_NAME)).to.equal(undefined);
    expect(existsSync(backups)).to.equal(false);
    expect(server.store.list('nodes').filter((n) => n.spec?.unschedulable === true)).to.deep.equal([]);
  });

  it('not enough room on the nodes that stay schedulable: refused, with the requests summed', async () => {
    // Workers of 2 cpu: w1's pods ask 2 cpu, w2 and w3 have 0.5 cpu free each; the control plane is tainted.
    const server = await cluster(
      'room',
      [replicaSet('big', 2), podDoc('big-0', 'w1', { owner: 'big', cpu: '1' }), podDoc('big-1', 'w1', { owner: 'big', cpu: '1' }), replicaSet('resident', 2), podDoc('resident-0', 'w2', { owner: 'resident', cpu: '1500m' }), podDoc('resident-1', 'w3', { owner: 'resident', cpu: '1500m' })],
      '2',
    );
    const plan = await drydock(server, ['plan', 'upgrade']);
    expect(plan.code, plan.stdout + plan.stderr).to.equal(1);
    const refusals = refusedLines(plan.stdout);
    expect(refusals[0]).to.equal(
      'REFUSED: workers batch 1 (w1): not enough cpu elsewhere for what its drain evicts (estimate by requests): the evicted pods request cpu 2, memory 128Mi, 2 pod(s); free on w2, w3: cpu 1, memory 15.9Gi, 218 pod(s); add a node or free some (scale a workload down)',
    );
    expect(plan.stdout).to.include('  workers batch 1 (w1): BLOCKED');
  });
});
