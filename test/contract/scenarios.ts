/**
 * The drain scenarios of the contract (issue 12, item 7). Each builds its objects in its own namespace with
 * its own node, through the same REST calls on either backend, and returns everything the contract compares:
 * the budget's status, the eviction subresource's dry-run verdict per pod, drydock's drain and the state read
 * back afterwards. `facts` holds what the real server is known to answer, so a scenario that went wrong the
 * same way on both backends still fails.
 */
import { expect } from 'chai';
import { SHUTDOWN_SECONDS_ANNOTATION } from '../../src/lab/apiserver/index.js';
import { waitFor } from './rest.js';
import { drain, kubectlDrain, probeEvictions, readBack, uids, type ReadBack } from './outcome.js';
import type { World } from './clusters.js';

export interface Scenario {
  title: string;
  /** Namespace and node suffix, unique per scenario. */
  key: string;
  run(world: World): Promise<Record<string, any>>;
  facts(outcome: Record<string, any>): void;
}

function budget(status: any): string {
  const c = (status.conditions ?? []).find((x: any) => x.type === 'DisruptionAllowed');
  const condition = c ? `${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}` : 'no condition';
  return `expected ${status.expectedPods} desired ${status.desiredHealthy} healthy ${status.currentHealthy} allowed ${status.disruptionsAllowed}; ${condition}`;
}

const podTemplate = (world: World, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: world.podSpec(extra),
});

const hasPod = (s: ReadBack, prefix: string) => s.pods.some((p) => p.startsWith(prefix));

export const SCENARIOS: Scenario[] = [
  {
    title: 'a budget with desiredHealthy 0 (minAvailable: 0) and a not-Ready pod: 429, the pod stays',
    key: 'zero',
    async run(w) {
      await w.init();
      await w.barePod('lonely', { app: 'zero' });
      await w.running(1);
      await w.setReady('lonely', false);
      await w.pdb('zero-pdb', { app: 'zero' }, { minAvailable: 0 });
      const pdb = budget(await w.pdbStatus('zero-pdb', (s) => s.expectedPods === 1 && s.currentHealthy === 0));
      const originals = await uids(w);
      const probe = await probeEvictions(w);
      const drained = await drain(w, { force: true, timeoutMs: 3000 });
      return { pdb, probe, drained, after: await readBack(w, originals) };
    },
    facts(o) {
      expect(o.probe.lonely).to.include({ code: 429, reason: 'TooManyRequests' });
      expect(o.probe.lonely.causes).to.deep.equal(['DisruptionBudget: The disruption budget zero-pdb needs 0 healthy pods and has 0 currently']);
      expect(o.drained).to.include({ result: 'timeout' });
      expect(o.after.pods).to.have.length(1);
      expect(o.after.pods[0]).to.match(/^lonely original Running on/);
    },
  },
  {
    title: 'unmanaged pods inside a maxUnavailable budget are left out of the expected count, not a failed budget',
    key: 'bare',
    async run(w) {
      await w.init();
      await w.rest.create(w.ns('replicasets', 'apps/v1'), {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'api' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'mixed', role: 'api' } }, template: podTemplate(w, { app: 'mixed', role: 'api' }) },
      });
      await w.barePod('bare-a', { app: 'mixed' });
      await w.barePod('bare-b', { app: 'mixed' });
      await w.running(3);
      await w.pdb('mixed-pdb', { app: 'mixed' }, { maxUnavailable: 1 });
      const pdb = budget(await w.pdbStatus('mixed-pdb', (s) => s.currentHealthy === 3));
      const originals = await uids(w);
      const probe = await probeEvictions(w);
      const drained = await drain(w, { force: true });
      const after = await readBack(w, originals, (s) => hasPod(s, 'api replacement Running'));
      return { pdb, probe, drained, after };
    },
    facts(o) {
      expect(o.pdb).to.equal('expected 1 desired 0 healthy 3 allowed 3; True SufficientPods');
      expect(o.drained).to.deep.equal({ result: 'ok', evicted: ['api', 'bare-a', 'bare-b'], pending: [], refusals: [] });
    },
  },
  {
    title: 'a pod under two budgets: 500 at once, never retried',
    key: 'two',
    async run(w) {
      await w.init();
      await w.barePod('db', { app: 'db' });
      await w.running(1);
      await w.pdb('db-pdb', { app: 'db' }, { minAvailable: 1 });
      await w.pdb('db-pdb-2', { app: 'db' }, { maxUnavailable: 1 });
      await w.pdbStatus('db-pdb');
      await w.pdbStatus('db-pdb-2');
      const originals = await uids(w);
      const probe = await probeEvictions(w);
      const drained = await drain(w, { force: true, timeoutMs: 10_000 });
      const kubectl = await kubectlDrain(w, ['--force'], 10);
      return { probe, drained, kubectl, after: await readBack(w, originals) };
    },
    facts(o) {
      expect(o.probe.db).to.include({ code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
      expect(o.drained).to.include({ result: 'eviction-failed' });
      expect(o.drained.pending).to.deep.equal(['db failed']);
      expect(o.kubectl).to.deep.equal({ exit: 1, gaveUpEarly: true });
    },
  },
  {
    title: 'a StatefulSet pod: the budget scales from the StatefulSet, the pod is evicted and recreated under its name',
    key: 'sts',
    async run(w) {
      await w.init();
      await w.rest.create(w.ns('statefulsets', 'apps/v1'), {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web' },
        spec: { replicas: 1, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: podTemplate(w, { app: 'web' }) },
      });
      await w.running(1);
      await w.pdb('web-pdb', { app: 'web' }, { maxUnavailable: 1 });
      const pdb = budget(await w.pdbStatus('web-pdb', (s) => s.currentHealthy === 1));
      const originals = await uids(w);
      const probe = await probeEvictions(w);
      const drained = await drain(w, {});
      const after = await readBack(w, originals, (s) => hasPod(s, 'web-0 replacement Running'));
      return { pdb, probe, drained, after };
    },
    facts(o) {
      expect(o.pdb).to.equal('expected 1 desired 0 healthy 1 allowed 1; True SufficientPods');
      expect(o.drained).to.deep.equal({ result: 'ok', evicted: ['web-0'], pending: [], refusals: [] });
      expect(o.after.pods).to.have.length(1);
      expect(o.after.pods[0]).to.match(/^web-0 replacement Running on n-sts owner=StatefulSet$/);
    },
  },
  {
    title: 'Job pods: one is evicted and replaced; one under a maxUnavailable budget is held (a Job has no scale)',
    key: 'job',
    async run(w) {
      await w.init();
      // The budget first, so its first sync succeeds (no pods yet) and the later failure keeps that generation.
      await w.pdb('batch-pdb', { app: 'batch' }, { maxUnavailable: 1 });
      await w.pdbStatus('batch-pdb');
      for (const name of ['batch', 'free']) {
        await w.rest.create(w.ns('jobs', 'batch/v1'), {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name },
          spec: { parallelism: 1, completions: 1, template: podTemplate(w, { app: name, role: name }, { restartPolicy: 'Never' }) },
        });
      }
      await w.running(2);
      const pdb = budget(await w.pdbStatus('batch-pdb', (s) => (s.conditions ?? []).some((c: any) => c.reason === 'SyncFailed')));
      const originals = await uids(w);
      const probe = await probeEvictions(w);
      const drained = await drain(w, { timeoutMs: 4000 });
      const after = await readBack(w, originals, (s) => hasPod(s, 'free replacement Running'));
      return { pdb, probe, drained, after };
    },
    facts(o) {
      const why = 'jobs.batch does not implement the scale subresource';
      expect(o.pdb).to.equal(`expected 0 desired 0 healthy 0 allowed 0; False SyncFailed: ${why}`);
      expect(o.probe.free).to.deep.equal({ code: 201 });
      expect(o.probe.batch.causes).to.deep.equal([`DisruptionBudget: The disruption budget batch-pdb does not allow evicting pods currently because it failed sync: ${why}`]);
      expect(o.drained).to.include({ result: 'timeout' });
      expect(o.drained.pending).to.deep.equal(['batch blocked']);
    },
  },
  {
    title: '--disable-eviction deletes the pod a budget protects from eviction',
    key: 'del',
    async run(w) {
      await w.init();
      await w.barePod('solo', { app: 'solo' });
      await w.running(1);
      await w.pdb('solo-pdb', { app: 'solo' }, { minAvailable: 1 });
      const pdb = budget(await w.pdbStatus('solo-pdb', (s) => s.currentHealthy === 1));
      const originals = await uids(w);
      const evicting = await drain(w, { force: true, timeoutMs: 2000 });
      const deleting = await drain(w, { force: true, disableEviction: true });
      return { pdb, evicting, deleting, after: await readBack(w, originals) };
    },
    facts(o) {
      expect(o.evicting.refusals).to.deep.equal(['solo: 429 blocked — The disruption budget solo-pdb needs 1 healthy pods and has 1 currently']);
      expect(o.deleting).to.deep.equal({ result: 'ok', evicted: ['solo'], pending: [], refusals: [] });
      expect(o.after.pods).to.deep.equal([]);
    },
  },
  {
    title: 'the real kubectl drain: eviction held by the budget until --timeout; --disable-eviction deletes the pod',
    key: 'kdel',
    async run(w) {
      await w.init();
      await w.barePod('solo', { app: 'solo' });
      await w.running(1);
      await w.pdb('solo-pdb', { app: 'solo' }, { minAvailable: 1 });
      await w.pdbStatus('solo-pdb', (s) => s.currentHealthy === 1);
      const originals = await uids(w);
      const evicting = await kubectlDrain(w, ['--force'], 2);
      const held = await readBack(w, originals);
      // kubectl 1.30+ sends this DELETE's DeleteOptions as protobuf.
      const deleting = await kubectlDrain(w, ['--force', '--disable-eviction'], 20);
      return { evicting, held, deleting, after: await readBack(w, originals) };
    },
    facts(o) {
      expect(o.evicting).to.deep.equal({ exit: 1, gaveUpEarly: false });
      expect(o.held.pods).to.have.length(1);
      expect(o.deleting).to.deep.equal({ exit: 0, gaveUpEarly: true });
      expect(o.after.pods).to.deep.equal([]);
    },
  },
  {
    title: 'a namespace being deleted: eviction answers 403 NamespaceTerminating, the drain waits for the deletion',
    key: 'ns',
    async run(w) {
      await w.init();
      await w.rest.create(w.ns('pods'), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'doomed', labels: { role: 'doomed' }, annotations: { [SHUTDOWN_SECONDS_ANNOTATION]: '3' } },
        spec: w.podSpec({ terminationGracePeriodSeconds: 5 }),
      });
      await w.running(1);
      const originals = await uids(w);
      await w.rest.remove(`/api/v1/namespaces/${w.namespace}`);
      await waitFor('the namespace controller to delete the pod', 30_000, async () => (await w.pods()).every((p) => p.metadata.deletionTimestamp));
      const probe = await probeEvictions(w);
      const drained = await drain(w, { force: true });
      return { probe, drained, after: await readBack(w, originals, (s) => s.namespace === 'gone') };
    },
    facts(o) {
      expect(o.probe.doomed).to.include({ code: 403, reason: 'Forbidden' });
      expect(o.probe.doomed.causes[0]).to.match(/^NamespaceTerminating: /);
      expect(o.drained).to.deep.equal({ result: 'ok', evicted: ['doomed'], pending: [], refusals: ['doomed: 403 namespace-terminating — ' + o.probe.doomed.causes[0].replace(/^NamespaceTerminating: /, '')] });
      expect(o.after).to.deep.equal({ cordoned: true, namespace: 'gone', pods: [] });
    },
  },
  {
    title: 'an orphaned DaemonSet pod (propagationPolicy Orphan) is unmanaged: refused without force, deleted with it',
    key: 'ds',
    async run(w) {
      await w.init({ 'contract-ds': 'yes' });
      await w.rest.create(w.ns('daemonsets', 'apps/v1'), {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent' },
        spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent', role: 'agent' } }, spec: { nodeSelector: { 'contract-ds': 'yes' }, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } } },
      });
      await w.running(1);
      const originals = await uids(w);
      await w.rest.remove(w.ns('daemonsets/agent', 'apps/v1'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan' });
      const orphaned = await waitFor('the DaemonSet gone and its pod orphaned', 30_000, async () => {
        const ds = await w.rest.get(w.ns('daemonsets/agent', 'apps/v1'));
        const pods = await w.pods();
        return !ds && pods.length === 1 && !pods[0].metadata.ownerReferences?.length ? pods.map((p) => `${p.metadata.labels.role} ${p.status.phase}`) : undefined;
      });
      const refused = await drain(w, {});
      const forced = await drain(w, { force: true });
      return { orphaned, refused, forced, after: await readBack(w, originals) };
    },
    facts(o) {
      expect(o.orphaned).to.deep.equal(['agent Running']);
      expect(o.refused).to.deep.equal({ result: 'refused', evicted: [], pending: ['agent failed'], refusals: [] });
      expect(o.forced).to.deep.equal({ result: 'ok', evicted: ['agent'], pending: [], refusals: [] });
      expect(o.after.pods).to.deep.equal([]);
    },
  },
];
