/**
 * drydock's kube_* modules against the API simulator, held to the real kubectl: the three drain scenarios
 * of test/fixtures/apiserver run through kube_drain (reached as the engine reaches it, through ctx.kube and
 * the run's cluster access) with the options the kubectl fidelity tests use, and — when kubectl is installed
 * — through `kubectl drain` on a fresh simulator, asserting the same end state. Also: a pod under two PDBs,
 * the "cordoned before the run" rule, kube_wait_ready against a stopped kubelet, kube_versions and skew_check.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyKube, openClusterAccess } from '../../../src/kube/access.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { SIMULATED_KUBERNETES_VERSION, type KubeObject } from '../../../src/lab/apiserver/index.js';
import { LEFT_CORDONED_BEFORE_RUN } from '../../../src/modules/kube/index.js';
import type { ModuleResult } from '../../../src/modules/types.js';
import { eventually, FIXTURES, Kubectl } from '../apiserver/kubectl-harness.js';
import { harness, type Harness } from '../../unit/modules/kube/context.js';

const FAST = { replaceDelayMs: 300, podStartDelayMs: 200, podShutdownMs: 300 };
const DRAIN_ARGS = { node: 'node-1', ignore_daemonsets: true, delete_emptydir_data: true };
const KUBECTL_DRAIN = ['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data'];
const HERE = fileURLToPath(new URL('.', import.meta.url));

/** DRYDOCK_KUBECTL or a kubectl on PATH; without one the side-by-side half of each test fails, saying so. */
function kubectlBinary(): string | undefined {
  if (process.env.DRYDOCK_KUBECTL) return process.env.DRYDOCK_KUBECTL;
  return spawnSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

interface EndState {
  ok: boolean;
  cordoned: boolean;
  /** Live pods left on node-1, by app label (or name for bare pods). */
  onNode1: string[];
}

/** A test that cannot compare with kubectl fails with the reason rather than passing on half its checks. */
function requireKubectl(binary: string | undefined): asserts binary is string {
  if (!binary) throw new Error('kubectl is not installed, so drydock cannot be compared with it: run bash scripts/ensure-deps.sh --kubectl, or set DRYDOCK_KUBECTL');
}

describe('kube modules on the API simulator: drain parity with kubectl', function () {
  this.timeout(60_000);
  const servers: ApiServer[] = [];
  const kubectls: Kubectl[] = [];
  const binary = kubectlBinary();

  async function boot(fixture: string, extra: Parameters<typeof startApiServer>[0] = {}): Promise<ApiServer> {
    const seed = fixture.includes('/') ? fixture : join(FIXTURES, fixture);
    const server = await startApiServer({ ...FAST, seed, ...extra });
    servers.push(server);
    return server;
  }

  function drydock(server: ApiServer, host = 'node-1', vars: Record<string, unknown> = {}): Harness {
    const kube = lazyKube(() => openClusterAccess({ kubeconfigPath: server.kubeconfigPath, env: {} }));
    return harness({ host, vars, kube });
  }

  function kubectl(server: ApiServer): Kubectl {
    const k = new Kubectl(binary!, server.kubeconfigPath);
    kubectls.push(k);
    return k;
  }

  afterEach(async () => {
    for (const k of kubectls.splice(0)) k.dispose();
    for (const s of servers.splice(0)) await s.stop();
  });

  const livePods = (server: ApiServer, node: string) =>
    server.store.list('pods').filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);
  const endState = (server: ApiServer, ok: boolean): EndState => ({
    ok,
    cordoned: server.store.get('nodes', undefined, 'node-1').spec.unschedulable === true,
    onNode1: livePods(server, 'node-1').map((p) => p.metadata.labels?.app ?? p.metadata.name).sort(),
  });
  const succeeded = (r: ModuleResult): boolean => r.failed !== true;
  const warnings = (h: Harness): string[] => h.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));

  it('(a) completes after the ReplicaSet reschedules the PDB-protected pod; uncordon then frees the node', async () => {
    const server = await boot('drain-reschedule.yaml');
    const h = drydock(server);
    const result = await h.run('kube_drain', { ...DRAIN_ARGS, timeout: 25 });
    expect(result.failed, result.msg).to.not.equal(true);
    expect(result.changed).to.equal(true);
    expect((result.evicted as string[]).slice().sort()).to.deep.equal(['default/cache-a', 'default/web-a', 'default/web-b']);
    expect((result.warnings as string[]).join('\n')).to.match(/ignoring DaemonSet-managed Pods: kube-system\/node-agent-/);
    expect(warnings(h).join('\n'), 'live progress names the blocking PDB').to.match(/cannot evict default\/web-[ab] yet \(PodDisruptionBudget default\/web-pdb\)/);
    const statuses = h.events.flatMap((e) => (e.type === 'status' ? e.waitingOn : []));
    expect(statuses.join('\n')).to.match(/default\/web-[ab] \(held by PodDisruptionBudget default\/web-pdb\)/);
    expect(result).to.include({ was_cordoned: false, cordoned_by_drydock: true });
    const mine = endState(server, succeeded(result));
    expect(mine).to.deep.equal({ ok: true, cordoned: true, onNode1: ['node-agent'] });
    await eventually(() => livePods(server, 'node-2').filter((p) => p.metadata.labels?.app === 'web').length === 2, 3000, 'both web pods on node-2');

    const uncordoned = await h.run('kube_uncordon');
    expect(uncordoned).to.include({ changed: true, left_cordoned: false });
    expect(server.store.get('nodes', undefined, 'node-1').spec.unschedulable ?? false).to.equal(false);

    requireKubectl(binary);
    const other = await boot('drain-reschedule.yaml');
    const k = await kubectl(other).run([...KUBECTL_DRAIN, '--timeout=25s']);
    expect(endState(other, k.code === 0), k.stderr).to.deep.equal(mine);
  });

  it('(b) a PDB blocks until the timeout: the failure names the pod and the PDB, and the node stays cordoned', async () => {
    const server = await boot('drain-pdb-blocked.yaml');
    const h = drydock(server);
    const started = Date.now();
    const result = await h.run('kube_drain', { ...DRAIN_ARGS, timeout: 3 });
    expect(Date.now() - started).to.be.within(2_500, 15_000);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.contain('global timeout reached: 3s');
    expect(result.msg).to.contain('default/db-0 (held by PodDisruptionBudget default/db-pdb');
    expect(result.msg).to.contain('The disruption budget db-pdb needs 1 healthy pods and has 1 currently');
    expect(result).to.include({ failure: 'timeout', left_cordoned: true, cordoned_by_drydock: true });
    expect(result.pending).to.deep.include({ pod: 'default/db-0', state: 'blocked', pdbs: ['default/db-pdb'], message: 'The disruption budget db-pdb needs 1 healthy pods and has 1 currently' });
    expect(h.vars.drydock_cordoned_by_drydock, 'facts survive the failure for a rescue').to.equal(true);
    const mine = endState(server, succeeded(result));
    expect(mine).to.deep.equal({ ok: false, cordoned: true, onNode1: ['db'] });

    requireKubectl(binary);
    const other = await boot('drain-pdb-blocked.yaml');
    const k = await kubectl(other).run([...KUBECTL_DRAIN, '--timeout=3s']);
    expect(k.stderr).to.contain('global timeout reached: 3s');
    expect(endState(other, k.code === 0)).to.deep.equal(mine);
  });

  it('a pod covered by two PDBs fails at once (500), as kubectl does', async () => {
    const secondPdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db-pdb-2', namespace: 'default' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } } };
    const server = await boot('drain-pdb-blocked.yaml');
    server.sim.create('poddisruptionbudgets', structuredClone(secondPdb) as unknown as KubeObject);
    const h = drydock(server);
    const started = Date.now();
    const result = await h.run('kube_drain', { ...DRAIN_ARGS, timeout: 20 });
    // Not retried like a 429: no "cannot evict ... yet" progress, and a failure well before the 20 s deadline.
    expect(Date.now() - started, 'no retry on a 500').to.be.below(15_000);
    expect(warnings(h).filter((w) => w.includes('yet'))).to.deep.equal([]);
    expect(result.failed).to.equal(true);
    expect(result.failure).to.equal('eviction-failed');
    expect(result.msg).to.contain('error when evicting pods/"db-0" -n "default"');
    expect(result.msg).to.contain('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const mine = endState(server, succeeded(result));
    expect(mine).to.deep.equal({ ok: false, cordoned: true, onNode1: ['db'] });

    requireKubectl(binary);
    const other = await boot('drain-pdb-blocked.yaml');
    other.sim.create('poddisruptionbudgets', structuredClone(secondPdb) as unknown as KubeObject);
    const k = await kubectl(other).run([...KUBECTL_DRAIN, '--timeout=20s']);
    expect(k.stderr).to.contain('more than one PodDisruptionBudget');
    expect(endState(other, k.code === 0)).to.deep.equal(mine);
  });

  it('(c) an unmanaged pod refuses the drain without force (nothing evicted); force deletes it', async () => {
    const server = await boot('drain-unmanaged.yaml');
    const h = drydock(server);
    const refused = await h.run('kube_drain', DRAIN_ARGS);
    expect(refused.failed).to.equal(true);
    expect(refused.failure).to.equal('refused');
    // kubectl's own wording ("Pods declare no controller"), with its flag hint given as the module argument.
    expect(refused.msg).to.contain('cannot delete Pods declare no controller (set force: true to override): default/debug');
    const refusedState = endState(server, succeeded(refused));
    expect(refusedState).to.deep.equal({ ok: false, cordoned: true, onNode1: ['api', 'debug'] });

    const forced = await h.run('kube_drain', { ...DRAIN_ARGS, force: true, timeout: 20 });
    expect(forced.failed, forced.msg).to.not.equal(true);
    expect((forced.warnings as string[]).join('\n')).to.contain('deleting Pods that declare no controller: default/debug');
    expect(forced.cordoned_by_drydock, 'the refused drain cordoned it, so it is still drydock\'s').to.equal(true);
    expect(server.store.find('pods', 'default', 'debug')).to.equal(undefined);
    await eventually(() => livePods(server, 'node-2').some((p) => p.metadata.labels?.app === 'api'), 3000, 'the api pod recreated on node-2');
    const forcedState = endState(server, succeeded(forced));
    expect(forcedState).to.deep.equal({ ok: true, cordoned: true, onNode1: [] });

    requireKubectl(binary);
    const other = await boot('drain-unmanaged.yaml');
    const k = kubectl(other);
    const kRefused = await k.run(KUBECTL_DRAIN);
    expect(kRefused.stderr).to.match(/\(use --force to override\): default\/debug/);
    expect(endState(other, kRefused.code === 0)).to.deep.equal(refusedState);
    const kForced = await k.run([...KUBECTL_DRAIN, '--force', '--timeout=20s']);
    expect(endState(other, kForced.code === 0), kForced.stderr).to.deep.equal(forcedState);
  });

  it('a node cordoned before the run is drained, then left cordoned by kube_uncordon', async () => {
    const server = await boot('drain-pdb-blocked.yaml');
    const h = drydock(server, 'node-2');
    const drained = await h.run('kube_drain', { ignore_daemonsets: true, timeout: 10 });
    expect(drained.failed, drained.msg).to.not.equal(true);
    expect(drained).to.include({ changed: false, was_cordoned: true, cordoned_by_drydock: false });
    const cordon = await h.run('kube_cordon');
    expect(cordon).to.include({ changed: false, was_cordoned: true, cordoned_by_drydock: false });
    const uncordon = await h.run('kube_uncordon');
    expect(uncordon).to.include({ changed: false, left_cordoned: true, msg: LEFT_CORDONED_BEFORE_RUN });
    expect(uncordon.failed).to.not.equal(true);
    expect(server.store.get('nodes', undefined, 'node-2').spec.unschedulable).to.equal(true);
  });

  it('check mode plans against the live API without cordoning; an unknown node says where its name came from', async () => {
    const server = await boot('drain-pdb-blocked.yaml');
    const h = drydock(server, 'node-1');
    await eventually(() => server.store.get('poddisruptionbudgets', 'default', 'db-pdb').status?.currentHealthy === 1, 3000, 'PDB status');
    const plan = await h.run('kube_drain', DRAIN_ARGS, { check: true });
    expect(plan.failed, plan.msg).to.not.equal(true);
    expect(plan.would_evict).to.deep.equal(['default/db-0']);
    expect(plan.pdb_blockers).to.deep.equal(['default/db-0 is held by PodDisruptionBudget default/db-pdb (no disruption allowed now)']);
    expect(server.store.get('nodes', undefined, 'node-1').spec.unschedulable ?? false).to.equal(false);

    const ghost = await drydock(server, 'ghost').run('kube_cordon');
    expect(ghost.failed).to.equal(true);
    expect(ghost.msg).to.match(/^node "ghost" \(the inventory name of host ghost; set node_name if the Node is called otherwise\) is not in the cluster: .*nodes "ghost" not found/);
  });

  it('kube_wait_ready: Ready at once; a stopped kubelet turns NotReady and the wait times out; a restarted one passes', async () => {
    const server = await boot('drain-unmanaged.yaml', { heartbeatGraceMs: 800 });
    const h = drydock(server, 'node-2');
    const ready = await h.run('kube_wait_ready', { timeout: 5, kubelet_version: SIMULATED_KUBERNETES_VERSION });
    expect(ready).to.include({ ready: true, kubelet_version: SIMULATED_KUBERNETES_VERSION });
    expect(ready.failed).to.not.equal(true);

    const wrongVersion = await h.run('kube_wait_ready', { timeout: 1, poll: 1, kubelet_version: '1.99.0' });
    expect(wrongVersion.failed).to.equal(true);
    expect(wrongVersion.msg).to.contain(`kubelet ${SIMULATED_KUBERNETES_VERSION} (want 1.99.0)`);

    server.sim.setKubeletRunning('node-2', false);
    await eventually(() => server.store.get('nodes', undefined, 'node-2').status.conditions.find((c: { type: string }) => c.type === 'Ready').status !== 'True', 5000, 'node-2 NotReady');
    const started = Date.now();
    const timedOut = await h.run('kube_wait_ready', { timeout: 2, poll: 1 });
    expect(Date.now() - started).to.be.within(1_500, 5_000);
    expect(timedOut.failed).to.equal(true);
    expect(timedOut.msg).to.match(/node node-2 not ready after 2s: Ready=(Unknown|False)/);
    expect(h.events.some((e) => e.type === 'status' && e.waitingOn.some((w) => w.startsWith('node-2: Ready=')))).to.equal(true);

    server.sim.setKubeletRunning('node-2', true);
    const back = await h.run('kube_wait_ready', { timeout: 10, poll: 1 });
    expect(back.failed, back.msg).to.not.equal(true);
  });

  it('kube_versions and skew_check read the seeded control plane and kubelets', async () => {
    const server = await boot(join(HERE, 'versions.yaml'));
    const h = drydock(server, 'node-1');
    const versions = await h.run('kube_versions');
    expect(versions.failed, versions.msg).to.not.equal(true);
    expect(versions).to.include({ apiserver_version: SIMULATED_KUBERNETES_VERSION, control_plane_version: '1.31.5', oldest_kubelet_version: '1.30.9' });
    expect(versions.kubelets).to.deep.equal({ 'cp-1': 'v1.31.5', 'node-1': 'v1.30.9', 'node-2': 'v1.31.5' });
    expect(versions.apiservers).to.deep.equal([{ node: 'cp-1', version: 'v1.31.5' }]);
    expect(versions.schedulers).to.deep.equal([{ node: 'cp-1', version: 'v1.31.5' }]);
    expect(versions.kube_proxies).to.deep.equal([{ node: 'node-1', version: 'v1.30.9' }]);
    expect((versions.nodes as Array<{ name: string; control_plane: boolean }>).find((n) => n.name === 'cp-1')!.control_plane).to.equal(true);

    const next = await h.run('skew_check', { target: '1.32.0' });
    expect(next.failed, next.msg).to.not.equal(true);
    expect(next.hops).to.deep.equal(['1.32.0']);

    const skip = await h.run('skew_check', { target: '1.33.1' });
    expect(skip.failed).to.equal(true);
    expect(skip.msg).to.contain('[minor-skip] kube-apiserver on cp-1 is v1.31.5');
    expect(skip.hops).to.deep.equal(['1.32.x', '1.33.1']);

    const kubeletAhead = await h.run('skew_check', { target: '1.32.0', stage: 'kubelet' });
    expect(kubeletAhead.failed).to.equal(true);
    expect(kubeletAhead.msg).to.match(/\[newer-than-apiserver\] kubelet on node-1/);
    const kubeletOk = await h.run('skew_check', { target: '1.31.5', stage: 'kubelet' });
    expect(kubeletOk.failed, kubeletOk.msg).to.not.equal(true);
  });
});
