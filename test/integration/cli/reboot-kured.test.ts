/**
 * `drydock reboot` next to Kured, through the real CLI: a real sshd host, the API simulator with a Kured
 * DaemonSet. While Kured holds its lock annotation nothing happens (exit 1, the node and since when named);
 * otherwise drydock writes its own lock there before it touches a node and removes it at the end — after a
 * postponed node (exit 0), a failed drain (exit 2) and a Ctrl-C alike.
 *
 * The fleet's hosts are this machine: its reboot task must never run. Every run here keeps node-1's bare pod
 * "debug" in place and never forces the drain, so the node is postponed (a blocking pod) or its drain refuses
 * the unmanaged pod before the reboot task; `reboot()` refuses to start otherwise.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { REPO_ROOT, runDrydock, type CliResult, type RunDrydockOptions } from '../../helpers/cli.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import type { Change } from '../../../src/lab/apiserver/index.js';
import type { KubeObject } from '../../../src/lab/apiserver/types.js';
import { LOCK_NAME, LOCK_NAMESPACE } from '../../../src/lock/cluster-lock.js';
import { KURED_LOCK_ANNOTATION } from '../../../src/lock/kured-lock-value.js';
import { loadKubeConfig } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/errors.js';

describe('drydock reboot respects Kured\'s lock', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;
  let nodes: string;

  const reboot = (extra: string[] = [], options: RunDrydockOptions = {}): Promise<CliResult> => {
    if (extra.includes('--drain-force') || !server.store.find('pods', 'default', 'debug')) {
      throw new Error('this run could reach the reboot task and reboot the machine the fleet runs on');
    }
    return runDrydock(['reboot', '-i', fleet.inventoryFile, '-i', nodes, '--kubeconfig', server.kubeconfigPath, '--yes', '--drain-timeout', '20', ...extra], {
      ...options,
      env: { KUBECONFIG: '', DRYDOCK_STATE_DIR: join(dir, 'state') },
    });
  };
  const kured = (): KubeObject => server.store.get('daemonsets', 'kube-system', 'kured');
  const lockValue = (obj: KubeObject = kured()): string | undefined => obj.metadata.annotations?.[KURED_LOCK_ANNOTATION];
  const setLock = (value: string | undefined): void => {
    const ds = kured();
    const annotations = { ...ds.metadata.annotations };
    if (value === undefined) delete annotations[KURED_LOCK_ANNOTATION];
    else annotations[KURED_LOCK_ANNOTATION] = value;
    server.store.update('daemonsets', { ...ds, metadata: { ...ds.metadata, annotations } });
  };
  const node1 = (): KubeObject => server.store.get('nodes', undefined, 'node-1');
  const uncordon = (): void => {
    const n = node1();
    delete n.spec.unschedulable;
    server.store.update('nodes', n);
  };
  /** The resourceVersions at which drydock's lock appeared on and left the DaemonSet, and the node changes between. */
  function lockHistory(since: number): { taken?: number; released?: number; nodeChanges: number[] } {
    const changes: Change[] = server.store.changesSince(since) ?? [];
    let taken: number | undefined;
    let released: number | undefined;
    for (const c of changes) {
      if (c.resource !== 'daemonsets' || c.object.metadata.name !== 'kured') continue;
      const now = lockValue(c.object);
      const before = c.previous ? lockValue(c.previous) : undefined;
      if (now?.includes('"drydock/') && !before?.includes('"drydock/')) taken ??= c.resourceVersion;
      if (!now && before?.includes('"drydock/')) released = c.resourceVersion;
    }
    const nodeChanges = changes.filter((c) => c.resource === 'nodes' && c.object.metadata.name === 'node-1' && c.object.spec?.unschedulable !== c.previous?.spec?.unschedulable).map((c) => c.resourceVersion);
    return { ...(taken !== undefined ? { taken } : {}), ...(released !== undefined ? { released } : {}), nodeChanges };
  }

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.52.1' });
    server = await startApiServer({ seed: join(REPO_ROOT, 'test/fixtures/apiserver/drain-unmanaged.yaml') });
    server.sim.create('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kured', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { name: 'kured' } },
        template: { metadata: { labels: { name: 'kured' } }, spec: { containers: [{ name: 'kured', image: 'ghcr.io/kubereboot/kured:1.17.1' }] } },
      },
    } as unknown as KubeObject);
    dir = mkdtempSync(join(tmpdir(), 'drydock-reboot-kured-'));
    nodes = join(dir, 'nodes.yaml');
    writeFileSync(nodes, `all:\n  children:\n    workers:\n      hosts:\n        ${fleet.hosts[0]!.name}: { node_name: node-1 }\n`);
  });

  after(async () => {
    await server?.stop();
    await fleet?.stop();
  });

  it('refuses while Kured holds the lock, naming the node and since when; nothing is touched', async () => {
    const held = JSON.stringify({ nodeID: 'node-2', metadata: { unschedulable: false }, created: '2026-12-07T07:00:00Z', TTL: 0 });
    setLock(held);
    const since = server.store.currentRevision;
    const result = await reboot(['--blocking-pod-selector', 'run=debug']);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stderr).to.contain('Kured holds its reboot lock (DaemonSet kube-system/kured) for node node-2 since 2026-12-07T07:00:00Z');
    expect(result.stdout + result.stderr).to.not.match(/\n\s+at .*\.ts:\d+/);
    expect(lockValue()).to.equal(held);
    expect(lockHistory(since).nodeChanges).to.deep.equal([]);
    expect((server.store.find('leases', LOCK_NAMESPACE, LOCK_NAME)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', 'the cluster lock given back').to.equal('');
  });

  it('holds the lock while it runs (a postponed node) and gives it back after', async () => {
    // Kured's lock ran out an hour ago (TTL 1 h): free.
    setLock(JSON.stringify({ nodeID: 'node-2', metadata: { unschedulable: false }, created: new Date(Date.now() - 2 * 3600_000).toISOString(), TTL: 3600e9 }));
    const since = server.store.currentRevision;
    const result = await reboot(['--blocking-pod-selector', 'run=debug']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('postponed');
    const history = lockHistory(since);
    expect(history.taken, 'drydock wrote its lock').to.be.a('number');
    expect(history.released, 'and removed it').to.be.greaterThan(history.taken!);
    expect(lockValue()).to.equal(undefined);
  });

  it('gives the lock back after a failed run: the drain fails while it is held', async () => {
    setLock(undefined);
    const since = server.store.currentRevision;
    const result = await reboot();
    expect(result.code, result.stdout + result.stderr).to.equal(2);
    const history = lockHistory(since);
    expect(history.nodeChanges, 'the drain cordoned node-1').to.have.length.greaterThan(0);
    expect(history.taken!).to.be.lessThan(history.nodeChanges[0]!);
    expect(history.released!).to.be.greaterThan(history.nodeChanges[0]!);
    expect(lockValue()).to.equal(undefined);
    uncordon();
  });

  it('gives the lock back after Ctrl-C', async () => {
    const since = server.store.currentRevision;
    // Interrupted the moment drydock's write of Kured's lock is applied, before the API answers it (the
    // simulator's listener runs inside that request): the signal is there before drydock goes on.
    let unsubscribe = (): void => {};
    const result = await reboot([], {
      interruptOn: (interrupt) => {
        unsubscribe = server.store.subscribe((change) => {
          if (change.resource === 'daemonsets' && lockValue(change.object)?.includes('"drydock/') === true) interrupt();
        });
      },
    }).finally(() => unsubscribe());
    expect(result.code, result.stdout + result.stderr).to.be.oneOf([2, 130]);
    expect(result.stdout + result.stderr).to.contain('interrupted: no new task or batch will start');
    const history = lockHistory(since);
    expect(history.taken).to.be.a('number');
    expect(history.released!).to.be.greaterThan(history.taken!);
    expect(lockValue()).to.equal(undefined);
    uncordon();
  });

  it('--no-kured does not look at the DaemonSet', async () => {
    setLock(JSON.stringify({ nodeID: 'node-2', created: '2026-12-07T07:00:00Z', TTL: 0 }));
    const result = await reboot(['--no-kured', '--blocking-pod-selector', 'run=debug']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(lockValue()).to.contain('node-2');
  });

  it('the API (simulator) applies an annotation patch only at the resourceVersion read: 409 Conflict otherwise', async () => {
    setLock(undefined);
    const client = loadKubeConfig({ kubeconfigPath: server.kubeconfigPath });
    const read = (await client.getDaemonSet('kube-system', 'kured'))!;
    const written = await client.patchDaemonSetAnnotations('kube-system', 'kured', { 'example.com/a': '1' }, read.metadata.resourceVersion!);
    expect(written.metadata.annotations?.['example.com/a']).to.equal('1');
    const stale = await client.patchDaemonSetAnnotations('kube-system', 'kured', { 'example.com/a': '2' }, read.metadata.resourceVersion!).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(KubeApiError);
    expect((stale as KubeApiError).status).to.equal(409);
    await client.patchDaemonSetAnnotations('kube-system', 'kured', { 'example.com/a': null }, written.metadata.resourceVersion!);
    expect(kured().metadata.annotations?.['example.com/a']).to.equal(undefined);
  });
});
