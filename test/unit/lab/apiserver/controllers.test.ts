import { expect } from 'chai';
import { Simulation } from '../../../../src/lab/apiserver/simulation.js';
import { ObjectStore } from '../../../../src/lab/apiserver/store.js';
import { ApiError } from '../../../../src/lab/apiserver/status.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

const obj = (o: object) => o as KubeObject;

/** A simulator on a fake clock with one node and namespace "ns"; `step` advances and reconciles. */
function cluster() {
  let ms = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => ms };
  const store = new ObjectStore(clock);
  const sim = new Simulation(store, clock, { replaceDelayMs: 0, podStartDelayMs: 100, podShutdownMs: 100 });
  sim.create('namespaces', obj({ metadata: { name: 'ns' } }));
  sim.create('nodes', obj({ metadata: { name: 'node-1' } }));
  const step = (n = 1) => {
    for (let i = 0; i < n; i++) {
      ms += 100;
      sim.reconcile();
    }
  };
  const live = () => store.list('pods', 'ns').filter((p) => !p.metadata.deletionTimestamp);
  return { sim, store, step, live };
}

const template = (app: string, extra: object = {}) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'pause' }], ...extra } });

describe('lab apiserver: StatefulSets, Jobs, namespaces and orphans (fake clock)', () => {
  it('a StatefulSet creates its ordinals one at a time and recreates an evicted one under its name', () => {
    const { sim, step, live } = cluster();
    sim.create('statefulsets', obj({ metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template('web') } }));
    step();
    expect(live().map((p) => p.metadata.name)).to.deep.equal(['web-0']);
    step(3);
    expect(live().map((p) => `${p.metadata.name} ${p.status.phase}`)).to.deep.equal(['web-0 Running', 'web-1 Running']);
    const uid = live()[0]!.metadata.uid;
    sim.evict('ns', 'web-0');
    step(4);
    const again = live().find((p) => p.metadata.name === 'web-0')!;
    expect(again.metadata.uid).to.not.equal(uid);
    expect(again.metadata.labels).to.include({ 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
  });

  it('a Job gets its generated selector and replaces an evicted pod', () => {
    const { sim, store, step, live } = cluster();
    sim.create('jobs', obj({ metadata: { name: 'batch', namespace: 'ns' }, spec: { template: template('batch', { restartPolicy: 'Never' }) } }));
    const job = store.get('jobs', 'ns', 'batch');
    expect(job.spec.selector).to.deep.equal({ matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
    step(3);
    const first = live()[0]!;
    expect(first.metadata.labels).to.include({ 'job-name': 'batch', app: 'batch' });
    sim.evict('ns', first.metadata.name);
    step();
    expect(live().map((p) => p.metadata.uid)).to.have.length(1).and.not.include(first.metadata.uid);
    expect(() => sim.create('jobs', obj({ metadata: { name: 'bad', namespace: 'ns' }, spec: { template: template('bad') } }))).to.throw(ApiError, /restartPolicy/);
  });

  it('a deleted namespace is Terminating: creates and evictions are refused with 403 NamespaceTerminating until it is emptied', () => {
    const { sim, store, step } = cluster();
    sim.create('pods', obj({ metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'pause' }] } }));
    step(2);
    sim.delete('namespaces', undefined, 'ns');
    expect(store.get('namespaces', undefined, 'ns').status.phase).to.equal('Terminating');
    const refusal = (() => {
      try {
        sim.evict('ns', 'p');
      } catch (err) {
        return (err as ApiError).toStatus();
      }
    })();
    expect(refusal).to.deep.include({ code: 403, reason: 'Forbidden', message: 'pods "p" is forbidden: unable to create new content in namespace ns because it is being terminated' });
    expect(refusal.details.causes).to.deep.equal([{ reason: 'NamespaceTerminating', message: 'namespace ns is being terminated', field: 'metadata.namespace' }]);
    expect(() => sim.create('pods', obj({ metadata: { name: 'q', namespace: 'ns' }, spec: { containers: [{ name: 'c' }] } }))).to.throw(ApiError, /being terminated/);
    step();
    expect(store.get('pods', 'ns', 'p').metadata.deletionTimestamp, 'the namespace controller deletes its pods gracefully').to.be.a('string');
    step(3);
    expect(store.find('namespaces', undefined, 'ns')).to.equal(undefined);
  });

  it('propagationPolicy Orphan strips the owner reference and the pod keeps running; background deletion collects it', () => {
    const { sim, store, step, live } = cluster();
    const ds = (name: string) => sim.create('daemonsets', obj({ metadata: { name, namespace: 'ns' }, spec: { selector: { matchLabels: { app: name } }, template: template(name) } }));
    ds('kept');
    ds('gone');
    step(3);
    sim.delete('daemonsets', 'ns', 'kept', undefined, 'Orphan');
    sim.delete('daemonsets', 'ns', 'gone');
    step(3);
    expect(live().map((p) => `${p.metadata.labels?.app} ${p.metadata.ownerReferences?.length ?? 0}`)).to.deep.equal(['kept 0']);
    expect(store.find('daemonsets', 'ns', 'kept')).to.equal(undefined);
  });
});
