import { expect } from 'chai';
import { route } from '../../../../src/lab/apiserver/router.js';
import { ObjectStore } from '../../../../src/lab/apiserver/store.js';
import { humanDuration } from '../../../../src/lab/apiserver/table.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

const lease = (name: string, holder: string) =>
  ({ metadata: { name, namespace: 'kube-system' }, spec: { holderIdentity: holder } }) as unknown as KubeObject;

describe('lab apiserver: object store', () => {
  it('assigns uid, creationTimestamp and increasing resourceVersions; refuses duplicates', () => {
    const store = new ObjectStore({ now: () => Date.parse('2026-01-01T10:00:00.700Z') });
    const a = store.create('leases', lease('a', 'x'));
    const b = store.create('leases', lease('b', 'x'));
    expect(a.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).to.equal('2026-01-01T10:00:00Z');
    expect(Number(b.metadata.resourceVersion)).to.be.greaterThan(Number(a.metadata.resourceVersion));
    expect(a.apiVersion).to.equal('coordination.k8s.io/v1');
    expect(() => store.create('leases', lease('a', 'y'))).to.throw('leases.coordination.k8s.io "a" already exists').with.property('code', 409);
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', () => {
    const store = new ObjectStore();
    const created = store.create('leases', lease('lock', 'me'));
    const mine = { ...created, spec: { holderIdentity: 'me', renewTime: '2026-01-01T00:00:01.000000Z' } };
    const theirs = { ...created, spec: { holderIdentity: 'them' } };
    store.update('leases', mine);
    expect(() => store.update('leases', theirs)).to.throw(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "lock": the object has been modified; please apply your changes to the latest version and try again',
    ).with.property('reason', 'Conflict');
    expect(store.get('leases', 'kube-system', 'lock').spec.holderIdentity).to.equal('me');
  });

  it('words NotFound the way kubectl prints it', () => {
    const store = new ObjectStore();
    expect(() => store.get('pods', 'default', 'x')).to.throw('pods "x" not found').with.property('code', 404);
  });

  it('keeps a change history for watches and says when a resourceVersion is too old', () => {
    const store = new ObjectStore();
    const a = store.create('leases', lease('a', 'x'));
    store.update('leases', { ...a, spec: { holderIdentity: 'y' } });
    store.remove('leases', 'kube-system', 'a');
    const since = store.changesSince(Number(a.metadata.resourceVersion));
    expect(since!.map((c) => c.type)).to.deep.equal(['MODIFIED', 'DELETED']);
    expect(since![0]!.previous!.spec.holderIdentity).to.equal('x');
  });
});

describe('lab apiserver: routes and printing', () => {
  it('parses core, group, namespaced, subresource and legacy watch paths', () => {
    expect(route('/api/v1/namespaces/default/pods/web-1/eviction')).to.deep.include({ kind: 'resource', namespace: 'default', name: 'web-1', subresource: 'eviction' });
    expect(route('/api/v1/nodes/n1/status')).to.deep.include({ kind: 'resource', name: 'n1', subresource: 'status' });
    expect(route('/api/v1/namespaces/kube-system')).to.deep.include({ kind: 'resource', name: 'kube-system' });
    expect(route('/apis/apps/v1/watch/namespaces/default/deployments')).to.deep.include({ kind: 'resource', namespace: 'default', legacyWatch: true });
    expect(route('/apis/policy/v1')).to.deep.equal({ kind: 'resource-list', group: 'policy', version: 'v1' });
    expect(route('/api/v1/namespaces/default/nodes')).to.deep.equal({ kind: 'not-found' });
    expect(route('/apis/networking.k8s.io/v1/ingresses')).to.deep.equal({ kind: 'not-found' });
  });

  it('prints ages like kubectl', () => {
    expect(humanDuration(5_000)).to.equal('5s');
    expect(humanDuration(150_000)).to.equal('2m30s');
    expect(humanDuration(65 * 60_000)).to.equal('65m');
    expect(humanDuration(5 * 3600_000 + 60_000)).to.equal('5h1m');
    expect(humanDuration(3 * 86400_000)).to.equal('3d');
  });
});
