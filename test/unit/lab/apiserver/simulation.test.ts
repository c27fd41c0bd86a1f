import { expect } from 'chai';
import { Simulation } from '../../../../src/lab/apiserver/simulation.js';
import { ObjectStore } from '../../../../src/lab/apiserver/store.js';
import { ApiError } from '../../../../src/lab/apiserver/status.js';
import { nodeIsReady, podIsReady } from '../../../../src/lab/apiserver/types.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

class FakeClock {
  ms = Date.parse('2026-01-01T00:00:00Z');
  now(): number {
    return this.ms;
  }
}

const obj = (o: object) => o as KubeObject;

function cluster(options: ConstructorParameters<typeof Simulation>[2] = {}) {
  const clock = new FakeClock();
  const store = new ObjectStore(clock);
  const sim = new Simulation(store, clock, { replaceDelayMs: 1000, podStartDelayMs: 200, podShutdownMs: 500, heartbeatGraceMs: 40_000, ...options });
  sim.create('namespaces', obj({ metadata: { name: 'default' } }));
  for (const name of ['node-1', 'node-2']) sim.create('nodes', obj({ metadata: { name } }));
  const step = (ms: number) => {
    clock.ms += ms;
    sim.reconcile();
  };
  const pods = (label?: string) => store.list('pods').filter((p) => !label || p.metadata.labels?.app === label);
  return { clock, store, sim, step, pods };
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: `${app}:1` }] } });

function replicaSet(sim: Simulation, name: string, replicas: number) {
  return sim.create('replicasets', obj({ metadata: { name, namespace: 'default' }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name) } }));
}

describe('lab apiserver: control loops (fake clock)', () => {
  it('a ReplicaSet creates its pods only after the replacement delay, spread over nodes, then they turn Ready', () => {
    const { sim, step, pods } = cluster();
    replicaSet(sim, 'web', 2);
    sim.reconcile();
    expect(pods('web')).to.have.length(0);
    step(999);
    expect(pods('web')).to.have.length(0);
    step(1);
    expect(pods('web').map((p) => p.spec.nodeName).sort()).to.deep.equal(['node-1', 'node-2']);
    expect(pods('web').every((p) => p.status.phase === 'Pending')).to.equal(true);
    step(200);
    expect(pods('web').every((p) => p.status.phase === 'Running' && podIsReady(p))).to.equal(true);
  });

  it('replaces an evicted pod on a schedulable node after the delay; cordoned nodes get none', () => {
    const { sim, step, pods, store } = cluster();
    replicaSet(sim, 'web', 1);
    sim.reconcile();
    step(1000);
    step(200);
    const first = pods('web')[0]!;
    const node = store.get('nodes', undefined, first.spec.nodeName);
    node.spec.unschedulable = true;
    store.update('nodes', node);
    sim.evict('default', first.metadata.name);
    sim.reconcile(); // the server runs a pass after every write, as controllers react to watch events
    expect(store.get('pods', 'default', first.metadata.name).metadata.deletionTimestamp).to.be.a('string');
    step(400);
    expect(pods('web').filter((p) => !p.metadata.deletionTimestamp)).to.have.length(0);
    step(600);
    const live = pods('web').filter((p) => !p.metadata.deletionTimestamp);
    expect(live).to.have.length(1);
    expect(live[0]!.spec.nodeName).to.not.equal(first.spec.nodeName);
    expect(store.find('pods', 'default', first.metadata.name)).to.equal(undefined, 'the evicted pod finished terminating');
  });

  it('leaves a pod Pending with PodScheduled=False when every node is cordoned, and binds it after uncordon', () => {
    const { sim, step, pods, store } = cluster({ replaceDelayMs: 0 });
    for (const name of ['node-1', 'node-2']) {
      const node = store.get('nodes', undefined, name);
      node.spec.unschedulable = true;
      store.update('nodes', node);
    }
    replicaSet(sim, 'web', 1);
    step(10);
    const pending = pods('web')[0]!;
    expect(pending.spec.nodeName).to.equal(undefined);
    expect(pending.status.conditions[0]).to.include({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });
    const node = store.get('nodes', undefined, 'node-2');
    node.spec.unschedulable = false;
    store.update('nodes', node);
    step(10);
    expect(pods('web')[0]!.spec.nodeName).to.equal('node-2');
  });

  it('honours the grace period: deletionTimestamp first, removal once containers stopped; 0 is immediate', () => {
    const { sim, step, pods, store } = cluster();
    replicaSet(sim, 'web', 2);
    sim.reconcile();
    step(1000);
    step(200);
    const [a, b] = pods('web');
    const deleting = sim.deletePod('default', a!.metadata.name, 30);
    expect(deleting.metadata.deletionGracePeriodSeconds).to.equal(30);
    expect(Date.parse(deleting.metadata.deletionTimestamp!)).to.equal(Date.parse('2026-01-01T00:00:31Z'));
    step(499);
    expect(store.find('pods', 'default', a!.metadata.name)).to.not.equal(undefined);
    step(1);
    expect(store.find('pods', 'default', a!.metadata.name)).to.equal(undefined);
    sim.deletePod('default', b!.metadata.name, 0);
    expect(store.find('pods', 'default', b!.metadata.name)).to.equal(undefined);
  });

  it('a node whose kubelet stops heartbeating turns NotReady after the grace, with its pods; it recovers', () => {
    const { sim, step, pods, store } = cluster({ heartbeatGraceMs: 5000 });
    replicaSet(sim, 'web', 2);
    sim.reconcile();
    step(1000);
    step(200);
    sim.setKubeletRunning('node-1', false);
    step(5000);
    expect(nodeIsReady(store.get('nodes', undefined, 'node-1'))).to.equal(true);
    step(1);
    const node = store.get('nodes', undefined, 'node-1');
    expect(node.status.conditions.find((c: { type: string }) => c.type === 'Ready')).to.include({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(node.spec.taints).to.deep.include({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: '2026-01-01T00:00:06Z' });
    expect(nodeIsReady(store.get('nodes', undefined, 'node-2'))).to.equal(true);
    expect(pods('web').filter((p) => p.spec.nodeName === 'node-1').every((p) => !podIsReady(p))).to.equal(true);
    // A pod deleted on the dead node stays Terminating: no kubelet confirms its containers stopped.
    const stuck = pods('web').find((p) => p.spec.nodeName === 'node-1')!;
    sim.deletePod('default', stuck.metadata.name);
    step(10_000);
    expect(store.get('pods', 'default', stuck.metadata.name).metadata.deletionTimestamp).to.be.a('string');
    sim.setKubeletRunning('node-1', true);
    step(10);
    expect(nodeIsReady(store.get('nodes', undefined, 'node-1'))).to.equal(true);
    expect(store.get('nodes', undefined, 'node-1').spec.taints).to.equal(undefined);
  });

  it('running kubelets renew their node Lease every 10 s; a stopped one does not', () => {
    const { sim, step, store } = cluster();
    sim.create('namespaces', obj({ metadata: { name: 'kube-node-lease' } }));
    sim.setKubeletRunning('node-2', false);
    step(10);
    const first = store.get('leases', 'kube-node-lease', 'node-1');
    expect(first.spec).to.include({ holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.010000Z' });
    expect(store.find('leases', 'kube-node-lease', 'node-2')).to.equal(undefined);
    step(9_000);
    expect(store.get('leases', 'kube-node-lease', 'node-1').metadata.resourceVersion).to.equal(first.metadata.resourceVersion);
    step(1_000);
    expect(store.get('leases', 'kube-node-lease', 'node-1').spec.renewTime).to.equal('2026-01-01T00:00:10.010000Z');
  });

  it('with external kubelets only heartbeats keep a node Ready', () => {
    const { sim, step, store } = cluster({ autoHeartbeat: false, heartbeatGraceMs: 1000 });
    step(600);
    sim.heartbeat('node-1');
    step(600);
    expect(nodeIsReady(store.get('nodes', undefined, 'node-1'))).to.equal(true);
    expect(nodeIsReady(store.get('nodes', undefined, 'node-2'))).to.equal(false);
  });

  it('a DaemonSet runs one pod on every node, cordoned or not', () => {
    const { sim, step, pods, store } = cluster();
    const node = store.get('nodes', undefined, 'node-2');
    node.spec.unschedulable = true;
    store.update('nodes', node);
    sim.create('daemonsets', obj({ metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } }));
    step(10);
    step(10);
    expect(pods('agent').map((p) => p.spec.nodeName).sort()).to.deep.equal(['node-1', 'node-2']);
    step(200);
    expect(store.get('daemonsets', 'default', 'agent').status).to.include({ desiredNumberScheduled: 2, numberReady: 2 });
  });

  it('a Deployment creates a ReplicaSet owned by it (controller: true) and its pods; deleting it collects them', () => {
    const { sim, step, pods, store } = cluster({ replaceDelayMs: 0 });
    const deploy = sim.create('deployments', obj({ metadata: { name: 'api', namespace: 'default' }, spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template: template('api') } }));
    step(10);
    const [rs] = store.list('replicasets');
    expect(rs!.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: deploy.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(rs!.metadata.name).to.match(/^api-[a-z0-9]{10}$/);
    step(10);
    step(200);
    expect(pods('api')).to.have.length(3);
    expect(store.get('deployments', 'default', 'api').status).to.include({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    sim.delete('deployments', 'default', 'api');
    step(10);
    expect(store.list('replicasets')).to.have.length(0);
    step(10);
    step(600);
    expect(pods('api')).to.have.length(0);
  });

  it('PDB status follows the pods and an eviction beyond the budget is refused with 429', () => {
    const { sim, step, store } = cluster({ replaceDelayMs: 60_000 });
    replicaSet(sim, 'web', 2);
    sim.create('poddisruptionbudgets', obj({ metadata: { name: 'web-pdb', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }));
    sim.reconcile();
    step(60_000);
    step(200);
    expect(store.get('poddisruptionbudgets', 'default', 'web-pdb').status).to.include({ currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2 });
    const [a, b] = store.list('pods');
    sim.evict('default', a!.metadata.name);
    expect(store.get('poddisruptionbudgets', 'default', 'web-pdb').status.disruptedPods).to.have.property(a!.metadata.name);
    expect(() => sim.evict('default', b!.metadata.name)).to.throw(ApiError).with.property('code', 429);
    step(10);
    expect(store.get('poddisruptionbudgets', 'default', 'web-pdb').status).to.include({ currentHealthy: 1, disruptionsAllowed: 0 });
  });

  it('refuses objects in a missing namespace and invalid workloads', () => {
    const { sim } = cluster();
    expect(() => sim.create('pods', obj({ metadata: { name: 'p', namespace: 'nope' }, spec: { containers: [{ name: 'c' }] } }))).to.throw('namespaces "nope" not found');
    expect(() => sim.create('replicasets', obj({ metadata: { name: 'r', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } }, template: template('y') } })))
      .to.throw(/selector` does not match template `labels`/).with.property('code', 422);
  });
});
