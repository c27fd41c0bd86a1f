import { expect } from 'chai';
import {
  formatDrainErrors,
  pdbsCovering,
  planDrain,
  type DrainFilterOptions,
} from '../../../src/kube/drain-filters.js';
import { podRef } from '../../../src/kube/port.js';
import { pdb, pod } from './builders.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const strict: DrainFilterOptions = { ignoreDaemonsets: false, deleteEmptydirData: false, force: false, skipWaitForDeleteTimeoutSeconds: 0, now: NOW };
const permissive: DrainFilterOptions = { ...strict, ignoreDaemonsets: true, deleteEmptydirData: true, force: true };
const dsExists = (): boolean => true;
const dsMissing = (): boolean => false;
const refs = (list: Array<{ metadata: { name: string; namespace?: string } }>): string[] => list.map(podRef);

describe('kube/drain-filters planDrain', () => {
  it('evicts ordinary controller-managed pods', () => {
    const plan = planDrain([pod('web-1')], strict, dsExists);
    expect(refs(plan.toEvict)).to.deep.equal(['default/web-1']);
    expect(plan.errors).to.deep.equal([]);
    expect(plan.warnings).to.deep.equal([]);
  });

  it('refuses DaemonSet pods unless ignoreDaemonsets, then skips them with a grouped warning', () => {
    const ds = [pod('kube-proxy-a', { ns: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }), pod('cilium-a', { ns: 'kube-system', owner: { kind: 'DaemonSet', name: 'cilium' } })];
    const refused = planDrain(ds, strict, dsExists);
    expect(formatDrainErrors(refused.errors)).to.deep.equal([
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-a, kube-system/cilium-a',
    ]);
    const ignored = planDrain(ds, { ...strict, ignoreDaemonsets: true }, dsExists);
    expect(ignored.toEvict).to.deep.equal([]);
    expect(ignored.skipped.map((s) => s.reason)).to.deep.equal(['daemonset', 'daemonset']);
    expect(ignored.warnings).to.deep.equal(['ignoring DaemonSet-managed Pods: kube-system/kube-proxy-a, kube-system/cilium-a']);
  });

  it('never deletes DaemonSet pods even with force, but deletes orphans (DaemonSet gone) only with force', () => {
    const orphan = pod('agent-x', { owner: { kind: 'DaemonSet', name: 'agent' } });
    expect(planDrain([orphan], permissive, dsExists).toEvict).to.deep.equal([]);
    const withoutForce = planDrain([orphan], { ...permissive, force: false }, dsMissing);
    expect(formatDrainErrors(withoutForce.errors)).to.deep.equal(['cannot delete daemonsets.apps "agent" not found: default/agent-x']);
    const withForce = planDrain([orphan], permissive, dsMissing);
    expect(refs(withForce.toEvict)).to.deep.equal(['default/agent-x']);
    expect(withForce.warnings).to.deep.equal(['daemonsets.apps "agent" not found: default/agent-x']);
  });

  it('skips mirror (static) pods silently', () => {
    const mirror = pod('kube-apiserver-cp1', { ns: 'kube-system', owner: { kind: 'Node', name: 'cp1' }, annotations: { 'kubernetes.io/config.mirror': 'abc' } });
    const plan = planDrain([mirror], strict, dsExists);
    expect(plan.skipped.map((s) => [podRef(s.pod), s.reason])).to.deep.equal([['kube-system/kube-apiserver-cp1', 'mirror-pod']]);
    expect(plan.errors).to.deep.equal([]);
  });

  it('refuses emptyDir pods unless deleteEmptydirData, which deletes them with a warning', () => {
    const cache = pod('cache-0', { emptyDir: true });
    expect(formatDrainErrors(planDrain([cache], strict, dsExists).errors)).to.deep.equal([
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache-0',
    ]);
    const allowed = planDrain([cache], { ...strict, deleteEmptydirData: true }, dsExists);
    expect(refs(allowed.toEvict)).to.deep.equal(['default/cache-0']);
    expect(allowed.warnings).to.deep.equal(['deleting Pods with local storage: default/cache-0']);
  });

  it('refuses unreplicated pods unless force, with kubectl\'s message', () => {
    const bare = pod('debug', { ns: 'ops', owner: null });
    expect(formatDrainErrors(planDrain([bare], strict, dsExists).errors)).to.deep.equal([
      'cannot delete Pods declare no controller (use --force to override): ops/debug',
    ]);
    const forced = planDrain([bare], { ...strict, force: true }, dsExists);
    expect(refs(forced.toEvict)).to.deep.equal(['ops/debug']);
    expect(forced.warnings).to.deep.equal(['deleting Pods that declare no controller: ops/debug']);
  });

  it('deletes finished pods even when unreplicated, with emptyDir or orphaned from a DaemonSet', () => {
    const done = [
      pod('job-done', { owner: null, emptyDir: true, phase: 'Succeeded' }),
      pod('crashed', { owner: { kind: 'DaemonSet', name: 'gone' }, phase: 'Failed' }),
    ];
    const plan = planDrain(done, strict, dsMissing);
    expect(refs(plan.toEvict)).to.deep.equal(['default/job-done', 'default/crashed']);
    expect(plan.errors).to.deep.equal([]);
  });

  it('skips pods deleted longer ago than skipWaitForDeleteTimeoutSeconds (strictly greater, whole seconds)', () => {
    const old = pod('stuck', { owner: null, deletionTimestamp: new Date(NOW - 61_000).toISOString() });
    const edge = pod('edge', { deletionTimestamp: new Date(NOW - 60_900).toISOString() });
    const plan = planDrain([old, edge], { ...strict, skipWaitForDeleteTimeoutSeconds: 60 }, dsExists);
    expect(plan.skipped.map((s) => [s.pod.metadata.name, s.reason])).to.deep.equal([['stuck', 'deletion-timestamp-old']]);
    expect(refs(plan.toEvict)).to.deep.equal(['default/edge']);
    // With the flag off, the same pod goes through the other filters (and is refused as unreplicated).
    expect(planDrain([old], strict, dsExists).errors).to.have.length(1);
  });

  it('applies filters in kubectl order: the first refusal wins', () => {
    // A mirror pod with emptyDir and no controller: the mirror filter comes before the error filters.
    const mirror = pod('etcd-cp1', { owner: null, emptyDir: true, annotations: { 'kubernetes.io/config.mirror': 'x' } });
    expect(planDrain([mirror], strict, dsExists).skipped.map((s) => s.reason)).to.deep.equal(['mirror-pod']);
    // emptyDir and unreplicated: the local-storage error is reported, not the controller one.
    const both = pod('scratch', { owner: null, emptyDir: true });
    expect(planDrain([both], strict, dsExists).errors.map((e) => e.reason)).to.deep.equal(['Pods with local storage (use --delete-emptydir-data to override)']);
    // A DaemonSet pod with emptyDir under ignoreDaemonsets is skipped, never reaching the emptyDir error.
    const ds = pod('fluentd', { owner: { kind: 'DaemonSet', name: 'fluentd' }, emptyDir: true });
    expect(planDrain([ds], { ...strict, ignoreDaemonsets: true }, dsExists).errors).to.deep.equal([]);
  });

  it('reports every warning of a pod that passed several permissive filters', () => {
    const plan = planDrain([pod('tmp', { owner: null, emptyDir: true })], permissive, dsExists);
    expect(plan.warnings).to.deep.equal(['deleting Pods with local storage: default/tmp', 'deleting Pods that declare no controller: default/tmp']);
  });

  it('groups errors by reason across pods', () => {
    const plan = planDrain([pod('a', { owner: null }), pod('b', { emptyDir: true }), pod('c', { owner: null, ns: 'x' })], strict, dsExists);
    expect(formatDrainErrors(plan.errors)).to.deep.equal([
      'cannot delete Pods declare no controller (use --force to override): default/a, x/c',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/b',
    ]);
  });

  it('leaves pods outside --pod-selector alone', () => {
    const plan = planDrain([pod('web', { labels: { app: 'web' } }), pod('db', { labels: { app: 'db' }, owner: null })], { ...strict, podSelector: 'app=web' }, dsExists);
    expect(refs(plan.toEvict)).to.deep.equal(['default/web']);
    expect(plan.skipped.map((s) => s.reason)).to.deep.equal(['not-selected']);
    expect(plan.errors).to.deep.equal([]);
  });
});

describe('kube/drain-filters pdbsCovering', () => {
  const web = pod('web-1', { ns: 'shop', labels: { app: 'web', tier: 'front' } });
  it('matches by namespace and selector, including matchExpressions', () => {
    const pdbs = [
      pdb('web-pdb', 'shop', { matchLabels: { app: 'web' } }),
      pdb('front-pdb', 'shop', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }),
      pdb('other-ns', 'blog', { matchLabels: { app: 'web' } }),
      pdb('db-pdb', 'shop', { matchLabels: { app: 'db' } }),
      pdb('not-back', 'shop', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }),
    ];
    expect(pdbsCovering(web, pdbs).map((p) => p.metadata.name)).to.deep.equal(['web-pdb', 'front-pdb']);
  });
  it('treats an empty selector as covering the namespace and an absent one as covering nothing', () => {
    expect(pdbsCovering(web, [pdb('all', 'shop', {}), pdb('none', 'shop', undefined)]).map((p) => p.metadata.name)).to.deep.equal(['all']);
  });
});
