import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../../../src/transport/types.js';
import { decideBackup, type SnapshotFinder } from '../../../src/upgrade/backup.js';
import { gatherUpgradeFacts, minorsToQuery, readClusterView } from '../../../src/upgrade/gather.js';
import { node, pdb, pod } from '../kube/builders.js';
import { FakePort } from '../kube/fakes.js';

function labPort(version: string): FakePort {
  const port = new FakePort();
  port.version = { gitVersion: version };
  port.nodes.set('cp1', node('cp1', { kubelet: version, labels: { 'node-role.kubernetes.io/control-plane': '' } }));
  port.nodes.set('w1', node('w1', { kubelet: version }));
  const apiserver = pod('kube-apiserver-cp1', { ns: 'kube-system', node: 'cp1', labels: { component: 'kube-apiserver', tier: 'control-plane' }, image: `registry.k8s.io/kube-apiserver:${version}` });
  apiserver.spec.containers = [{ name: 'kube-apiserver', image: `registry.k8s.io/kube-apiserver:${version}` }];
  port.pods = [apiserver];
  return port;
}

const spec = (name: string) => ({ name, hostname: name }) as unknown as ConnectionSpec;
const result = (partial: Partial<ExecResult>): ExecResult => ({ code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1, ...partial });

describe('upgrade/gather: facts from the API and every host, read-only', () => {
  it('asks the repositories of every minor from the one after the cluster\'s to the target\'s', () => {
    expect(minorsToQuery(['v1.28.14', 'v1.28.14'], '1.29.4')).to.deep.equal(['1.29']);
    expect(minorsToQuery(['v1.28.14'], '1.30.2')).to.deep.equal(['1.29', '1.30']);
    expect(minorsToQuery(['v1.28.14', 'v1.29.4'], '1.29.4')).to.deep.equal(['1.29']);
    expect(minorsToQuery(['v1.29.4'], '1.29.4')).to.deep.equal(['1.29']);
    expect(minorsToQuery(['v1.29.4'], '1.28.15')).to.deep.equal(['1.28']);
    expect(minorsToQuery(['v1.20.0'], '1.30.2')).to.deep.equal(['1.27', '1.28', '1.29', '1.30']);
  });

  it('reads the cluster, then every host with sudo, forks at a time; a host that fails or is unreachable is recorded, not fatal', async () => {
    const commands: Array<{ host: string; command: string; options: ExecOptions }> = [];
    let running = 0;
    let peak = 0;
    const connect = async (s: ConnectionSpec): Promise<Connection> => {
      if (s.name === 'w3') throw new HostUnreachableError('w3', 'tcp', 'connect ECONNREFUSED 10.0.0.9:22');
      return {
        async exec(command: string, options: ExecOptions = {}) {
          commands.push({ host: s.name, command, options });
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running -= 1;
          if (s.name === 'w2') return result({ code: 1, stderr: 'sudo: a password is required' });
          return result({ stdout: '@pkg kubeadm\t1.28.14-1.1\thold ok installed\n@repo deb http://r/core:/stable:/v1.28/deb/ /\n@offers 1.29\n kubeadm | 1.29.4-1.1 | http://r Packages\n' });
        },
      } as unknown as Connection;
    };
    const gathered = await gatherUpgradeFacts(
      { targets: ['cp1', 'w1', 'w2', 'w3'].map((h) => ({ host: h, spec: spec(h) })), target: '1.29.4', forks: 2 },
      { connect, kube: async () => labPort('v1.28.14') },
    );
    expect(gathered.minors).to.deep.equal(['1.29']);
    expect(gathered.cluster.snapshot.apiservers).to.deep.equal([{ node: 'cp1', version: 'v1.28.14' }]);
    expect(peak).to.equal(2);
    expect(commands.every((c) => c.options.become?.enabled === true)).to.equal(true);
    expect(commands[0]!.command).to.include('for minor in 1.29; do');
    const [cp1, , w2, w3] = gathered.hosts;
    expect(cp1).to.deep.include({ host: 'cp1', ok: true });
    expect(cp1!.ok && cp1!.facts.offers[0]!.versions.kubeadm).to.deep.equal(['1.29.4-1.1']);
    expect(w2).to.deep.equal({ host: 'w2', ok: false, unreachable: false, error: 'reading packages and repositories failed: sudo: a password is required' });
    expect(w3).to.deep.equal({ host: 'w3', ok: false, unreachable: true, error: 'unreachable (tcp): connect ECONNREFUSED 10.0.0.9:22' });
  });
});

describe('upgrade/backup: the backup rule, decided on the controller', () => {
  const settings = { host: 'cp1', dir: 'backups/etcd', cluster: 'prod' };
  const now = Date.parse('2026-11-25T18:00:00Z');
  const none: SnapshotFinder = async () => null;

  it('default: a fresh snapshot on the backup play\'s host', async () => {
    expect(await decideBackup({ settings, limitedHosts: ['cp1'], now }, none)).to.deep.equal({ kind: 'fresh', host: 'cp1', dir: 'backups/etcd', cluster: 'prod' });
  });

  it('--limit leaving the etcd host out: no host, with the way out', async () => {
    const step = await decideBackup({ settings, limitedHosts: [], limit: 'workers', now }, none);
    expect(step.kind).to.equal('no-host');
    expect(step.kind === 'no-host' && step.message).to.equal(
      '--limit workers leaves out cp1, where the etcd backup is taken; add it to --limit, or take a backup first (drydock play playbooks/etcd-backup.yaml) and pass --backup-max-age',
    );
  });

  it('--backup-max-age: asks the finder for this dir, cluster and age; missing or recent', async () => {
    const asked: unknown[] = [];
    const missing = await decideBackup({ settings, limitedHosts: [], maxAgeMs: 3_600_000, now }, async (...args) => {
      asked.push(args);
      return null;
    });
    expect(asked).to.deep.equal([['backups/etcd', 'prod', now, 3_600_000]]);
    expect(missing).to.deep.equal({ kind: 'missing', dir: 'backups/etcd', cluster: 'prod', maxAgeMs: 3_600_000 });
    const takenAt = new Date(now - 20 * 60_000);
    const recent = await decideBackup({ settings, limitedHosts: [], maxAgeMs: 3_600_000, now }, async () => ({
      path: 'backups/etcd/prod-cp1-20261125T174000Z.db',
      host: 'cp1',
      takenAt,
      sha256: 'a'.repeat(64),
      status: {} as never,
    }));
    expect(recent).to.deep.equal({
      kind: 'recent',
      path: 'backups/etcd/prod-cp1-20261125T174000Z.db',
      host: 'cp1',
      takenAt: '2026-11-25T17:40:00.000Z',
      ageMs: 20 * 60_000,
      maxAgeMs: 3_600_000,
      dir: 'backups/etcd',
      cluster: 'prod',
    });
  });

  it('reads what the drains depend on in one pass: nodes, every pod, budgets, and only the DaemonSets that own pods', async () => {
    const port = labPort('v1.28.14');
    port.pods.push(pod('kube-proxy-w1', { ns: 'kube-system', node: 'w1', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }));
    port.pods.push(pod('orphan-w1', { node: 'w1', owner: { kind: 'DaemonSet', name: 'gone' } }));
    port.pdbs = [pdb('web', 'default', { matchLabels: { app: 'web' } })];
    port.daemonSets.add('kube-system/kube-proxy');
    const view = await readClusterView(port, 42);
    expect(view.nodes.map((n) => n.metadata.name)).to.deep.equal(['cp1', 'w1']);
    expect(view.pods).to.have.length(3);
    expect(view.pdbs.map((p) => p.metadata.name)).to.deep.equal(['web']);
    expect([...view.daemonSets]).to.deep.equal(['kube-system/kube-proxy']);
    expect(view.now).to.equal(42);
    expect(port.calls.filter((c) => c.startsWith('getDaemonSet')).sort()).to.deep.equal(['getDaemonSet default/gone', 'getDaemonSet kube-system/kube-proxy']);
  });
});
