import { expect } from 'chai';
import { checkNodeDrain, roomFor, type ClusterView, type DrainSettings } from '../../../src/kube/drain-check.js';
import type { KubeNode, KubePdb, KubePod } from '../../../src/kube/port.js';
import { node, pdb, pod, type PodSpecInput } from './builders.js';

const SHIPPED: DrainSettings = { ignoreDaemonsets: true, deleteEmptydirData: false, force: false, disableEviction: false, skipWaitForDeleteTimeoutSeconds: 0 };

function sized(name: string, cpu: string, memory: string, input: PodSpecInput = {}): KubePod {
  const p = pod(name, input);
  p.spec.containers = [{ name: 'main', resources: { requests: { cpu, memory } } }];
  return p;
}

function withRoom(n: KubeNode, allocatable: Record<string, string>): KubeNode {
  n.status.allocatable = allocatable;
  return n;
}

function view(nodes: KubeNode[], pods: KubePod[], pdbs: KubePdb[] = [], daemonSets: string[] = []): ClusterView {
  return { nodes, pods, pdbs, daemonSets: new Set(daemonSets), now: Date.parse('2026-12-07T08:00:00Z') };
}

describe('kube/drain-check: what would stop a drain, before any cordon', () => {
  it('pods without a controller block without force and are listed as lost with it', () => {
    const v = view([node('w1')], [pod('debug', { owner: null }), pod('web-1')]);
    const blocked = checkNodeDrain('w1', SHIPPED, v);
    expect(blocked.blockers).to.deep.equal([{ kind: 'no-controller', pods: ['default/debug'], reason: 'Pods declare no controller (use --force to override)' }]);
    expect(blocked.lost).to.deep.equal([]);

    const forced = checkNodeDrain('w1', { ...SHIPPED, force: true }, v);
    expect(forced.blockers).to.deep.equal([]);
    expect(forced.lost).to.deep.equal([{ kind: 'no-controller', pods: ['default/debug'] }]);
    expect(forced.evict).to.deep.equal(['default/debug', 'default/web-1']);
    // Nothing recreates the forced pod, so only the managed one needs room elsewhere.
    expect(forced.rehome.map((p) => p.metadata.name)).to.deep.equal(['web-1']);
  });

  it('emptyDir pods block without delete_emptydir_data; with it their data is listed as lost', () => {
    const v = view([node('w1')], [pod('cache-0', { emptyDir: true, owner: { kind: 'StatefulSet', name: 'cache' } })]);
    expect(checkNodeDrain('w1', SHIPPED, v).blockers.map((b) => [b.kind, b.pods])).to.deep.equal([['emptydir', ['default/cache-0']]]);
    const deleting = checkNodeDrain('w1', { ...SHIPPED, deleteEmptydirData: true }, v);
    expect(deleting.blockers).to.deep.equal([]);
    expect(deleting.lost).to.deep.equal([{ kind: 'emptydir-data', pods: ['default/cache-0'] }]);
  });

  it('a budget at 0 disruptions blocks, naming the budget and its pods; one with a disruption left does not', () => {
    const pods = [pod('db-0', { labels: { app: 'db' } }), pod('db-1', { labels: { app: 'db' } }), pod('api-0', { labels: { app: 'api' } })];
    const dbPdb = { ...pdb('db-pdb', 'default', { matchLabels: { app: 'db' } }), status: { disruptionsAllowed: 0 } };
    const apiPdb = { ...pdb('api-pdb', 'default', { matchLabels: { app: 'api' } }), status: { disruptionsAllowed: 1 } };
    const check = checkNodeDrain('w1', SHIPPED, view([node('w1')], pods, [dbPdb, apiPdb]));
    expect(check.blockers).to.have.length(1);
    expect(check.blockers[0]).to.include({ kind: 'budget' });
    expect(check.blockers[0]!.budgets).to.deep.equal(['default/db-pdb']);
    expect(check.blockers[0]!.pods).to.deep.equal(['default/db-0', 'default/db-1']);
    // A budget in another namespace, or pods on another node, are not this drain's business.
    const elsewhere = checkNodeDrain('w2', SHIPPED, view([node('w1'), node('w2')], pods, [dbPdb]));
    expect(elsewhere.blockers).to.deep.equal([]);
  });

  it('as the eviction API: Pending and terminating pods skip the budget; a not-Ready pod skips a budget that is met', () => {
    const budget = { ...pdb('db-pdb', 'default', { matchLabels: { app: 'db' } }), status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 } };
    const pods = [
      pod('db-pending', { labels: { app: 'db' }, phase: 'Pending' }),
      pod('db-leaving', { labels: { app: 'db' }, deletionTimestamp: '2026-12-07T07:59:00Z' }),
      pod('db-sick', { labels: { app: 'db' }, ready: false }),
      pod('db-ok', { labels: { app: 'db' } }),
    ];
    const check = checkNodeDrain('w1', SHIPPED, view([node('w1')], pods, [budget]));
    expect(check.blockers.map((b) => b.pods)).to.deep.equal([['default/db-ok']]);
    // Below the budget, the not-Ready pod is held too (IfHealthyBudget), unless the budget says AlwaysAllow.
    const short = { ...budget, status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 } };
    expect(checkNodeDrain('w1', SHIPPED, view([node('w1')], pods, [short])).blockers.map((b) => b.pods)).to.deep.equal([['default/db-sick', 'default/db-ok']]);
    const always = { ...short, spec: { ...short.spec, unhealthyPodEvictionPolicy: 'AlwaysAllow' } };
    expect(checkNodeDrain('w1', SHIPPED, view([node('w1')], pods, [always])).blockers.map((b) => b.pods)).to.deep.equal([['default/db-ok']]);
  });

  it('a pod under two budgets blocks (the API refuses its eviction); disable_eviction lists budget pods as lost instead', () => {
    const pods = [pod('db-0', { labels: { app: 'db', tier: 'data' } })];
    const budgets = [
      { ...pdb('a', 'default', { matchLabels: { app: 'db' } }), status: { disruptionsAllowed: 1 } },
      { ...pdb('b', 'default', { matchLabels: { tier: 'data' } }), status: { disruptionsAllowed: 0 } },
    ];
    const v = view([node('w1')], pods, budgets);
    expect(checkNodeDrain('w1', SHIPPED, v).blockers.map((b) => [b.kind, b.budgets])).to.deep.equal([['several-budgets', ['default/a', 'default/b']]]);
    const bypass = checkNodeDrain('w1', { ...SHIPPED, disableEviction: true }, v);
    expect(bypass.blockers).to.deep.equal([]);
    expect(bypass.lost).to.deep.equal([{ kind: 'budget-ignored', pods: ['default/db-0'] }]);
  });

  it('DaemonSet and mirror pods are neither evicted nor blockers nor in need of room; finished pods need no room', () => {
    const pods = [
      pod('kube-proxy-w1', { ns: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }),
      pod('static', { owner: null, annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      pod('job-done', { owner: { kind: 'Job', name: 'j' }, phase: 'Succeeded' }),
    ];
    const check = checkNodeDrain('w1', SHIPPED, view([node('w1')], pods, [], ['kube-system/kube-proxy']));
    expect(check.blockers).to.deep.equal([]);
    expect(check.evict).to.deep.equal(['default/job-done']);
    expect(check.rehome).to.deep.equal([]);
  });
});

describe('kube/drain-check: room for a batch\'s evicted pods (estimate by requests)', () => {
  const alloc = { cpu: '4', memory: '8Gi', pods: '110' };

  it('counts allocatable minus requested on the schedulable, Ready nodes outside the batch', () => {
    const nodes = [
      withRoom(node('w1'), alloc),
      withRoom(node('w2'), alloc),
      withRoom(node('w3', { unschedulable: true }), alloc),
      withRoom(node('w4', { ready: 'False' }), alloc),
      withRoom(node('cp1'), alloc),
    ];
    nodes[4]!.spec.taints = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
    const leaving = [sized('a', '1', '1Gi', { node: 'w1' }), sized('b', '500m', '512Mi', { node: 'w1' })];
    const staying = [sized('c', '3', '6Gi', { node: 'w2' })];
    const v = view(nodes, [...leaving, ...staying]);
    const room = roomFor(['w1'], leaving, v);
    expect(room.nodes).to.deep.equal(['w2']);
    expect(room.need).to.deep.equal({ cpu: 1.5, memory: 1.5 * 2 ** 30, pods: 2 });
    expect(room.free).to.deep.equal({ cpu: 1, memory: 2 * 2 ** 30, pods: 109 });
    expect(room.short).to.deep.equal(['cpu']);
  });

  it('a tainted node counts when every evicted pod tolerates its taint; a freed node in the same batch never does', () => {
    const nodes = [withRoom(node('w1'), alloc), withRoom(node('w2'), alloc), withRoom(node('gpu'), alloc)];
    nodes[2]!.spec.taints = [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }];
    const tolerant = sized('t', '2', '1Gi', { node: 'w1' });
    tolerant.spec.tolerations = [{ key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }];
    const v = view(nodes, [tolerant]);
    expect(roomFor(['w1', 'w2'], [tolerant], v).nodes).to.deep.equal(['gpu']);
    const plain = sized('p', '1', '1Gi', { node: 'w1' });
    expect(roomFor(['w1', 'w2'], [tolerant, plain], v).nodes).to.deep.equal([]);
    expect(roomFor(['w1', 'w2'], [tolerant, plain], v).short).to.deep.equal(['cpu', 'memory', 'pods']);
  });

  it('fits: nothing short; a node without allocatable does not limit', () => {
    const v = view([withRoom(node('w1'), alloc), node('w2')], []);
    const room = roomFor(['w1'], [sized('a', '64', '1Ti', { node: 'w1' })], v);
    expect(room.short).to.deep.equal([]);
    expect(room.free.cpu).to.equal(Infinity);
  });
});
