/**
 * runPlayPlan records every node's versions before the engine starts and after it ends (`nodes.versions` in
 * the journal) when the run uses the cluster, through the session's one cluster access (a fake KubePort here;
 * the playbooks use controller-side modules only, so no host is contacted). An unreadable API is recorded as
 * the event's error and leaves the run's exit code alone.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import { planPlaybook } from '../../../src/engine/plan.js';
import { readJournalLines } from '../../../src/journal/chain.js';
import { lazyKube } from '../../../src/kube/access.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import type { TaskModule } from '../../../src/modules/types.js';
import type { MaintenanceHooks } from '../../../src/cli/maintenance.js';
import { runPlayPlan, type PlayOptions } from '../../../src/cli/play-run.js';
import { loadCataloguePlaybooks } from '../../../src/cli/play-setup.js';
import { hostPlanRequest } from '../../../src/cli/run-setup.js';
import { RunSession } from '../../../src/cli/session.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';
import { playOptions } from '../../helpers/play-options.js';
import { node, pod } from '../kube/builders.js';
import { FakePort } from '../kube/fakes.js';

const options: PlayOptions = playOptions({ lock: false });

type Versions = Extract<RunEvent, { type: 'nodes.versions' }>;

describe('runPlayPlan: nodes.versions before and after the run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-play-versions-'));
  const stateDir = join(dir, 'state');
  let saved: string | undefined;
  before(() => {
    saved = process.env['DRYDOCK_STATE_DIR'];
    process.env['DRYDOCK_STATE_DIR'] = stateDir;
  });
  after(() => {
    if (saved === undefined) delete process.env['DRYDOCK_STATE_DIR'];
    else process.env['DRYDOCK_STATE_DIR'] = saved;
  });

  function fakeCluster(): FakePort {
    const port = new FakePort();
    port.nodes.set('alpha', node('alpha', { kubelet: 'v1.36.3' }));
    port.nodes.set('beta', node('beta', { kubelet: 'v1.36.3' }));
    return port;
  }

  /** Runs the playbook text on a session whose cluster access is `port`; the journal's events and how often the access was opened. */
  async function run(text: string, port: FakePort, extra: { hooks?: MaintenanceHooks; modules?: ReadonlyMap<string, TaskModule>; apiServerVersions?: boolean } = {}) {
    const book = join(dir, `site-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(book, text);
    const playbook = (await loadCataloguePlaybooks([book]))[0]!;
    const modules = extra.modules ?? taskModules();
    const plan = await planPlaybook(playbook, modules, hostPlanRequest(options), offlinePlanPorts());
    let opened = 0;
    const openKube = () => lazyKube(async () => {
      opened += 1;
      return { port, info: { context: 'fake', cluster: 'fake', server: 'https://fake:6443', user: 'admin', source: 'test', files: [], notes: [] } };
    });
    let stdout = '';
    const streams = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } };
    const session = new RunSession(streams, openKube);
    try {
      const code = await runPlayPlan(session, { playbook, plan }, options, { modules, ...extra });
      const runId = /run id: (\S+)/.exec(stdout)![1]!;
      const events = readJournalLines(runId, stateDir).flatMap((l) => (l.kind === 'event' ? [l.event] : []));
      return { code, events, opened, versions: events.filter((e): e is Versions => e.type === 'nodes.versions') };
    } finally {
      await session.close();
    }
  }

  it('a kube_* playbook: before reads the nodes as they were before the first task, after as the run left them', async () => {
    const port = fakeCluster();
    // The "upgrade": a controller-side stand-in for `command` that moves the host's kubelet to v1.37.2.
    const modules = new Map(taskModules());
    modules.set('command', {
      name: 'command',
      supportsCheck: true,
      controllerOnly: true,
      run: async (ctx) => {
        port.nodes.get(ctx.host)!.status.nodeInfo!.kubeletVersion = 'v1.37.2';
        return { changed: true };
      },
    });
    const book = `- hosts: alpha\n  gather_facts: false\n  tasks:\n    - name: cordon\n      kube_cordon: {}\n    - name: upgrade\n      command: "true"\n`;
    const { code, events, opened, versions } = await run(book, port, { modules });
    expect(code).to.equal(0);
    expect(opened, 'one cluster access for the reads and the tasks').to.equal(1);
    expect(versions.map((v) => v.phase)).to.deep.equal(['before', 'after']);
    const [before, after] = versions;
    expect(before!.rows).to.deep.equal([
      { name: 'alpha', kubeletVersion: 'v1.36.3', ready: true, cordoned: false },
      { name: 'beta', kubeletVersion: 'v1.36.3', ready: true, cordoned: false },
    ]);
    expect(after!.rows).to.deep.equal([
      { name: 'alpha', kubeletVersion: 'v1.37.2', ready: true, cordoned: true },
      { name: 'beta', kubeletVersion: 'v1.36.3', ready: true, cordoned: false },
    ]);
    expect(before).not.to.have.property('apiServers');
    const index = (e: RunEvent | undefined): number => events.indexOf(e!);
    expect(index(before)).to.be.below(index(events.find((e) => e.type === 'task.start')));
    expect(index(after)).to.be.above(index(events.findLast((e) => e.type === 'task.result')));
  });

  it('keeps watching Ctrl-C while it gives the cluster lock back, so a signal then cannot end the process with the Lease held', async () => {
    const port = fakeCluster();
    const baseline = process.listenerCount('SIGINT');
    let duringRelease: number | undefined;
    const release = (): void => {
      duringRelease ??= process.listenerCount('SIGINT');
    };
    const replace = port.replaceLease.bind(port);
    port.replaceLease = async (lease) => {
      if (!lease.spec.holderIdentity) release();
      return replace(lease);
    };
    const remove = port.deleteLease.bind(port);
    port.deleteLease = async (namespace, name) => {
      release();
      return remove(namespace, name);
    };
    const { code } = await run('- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n', port, { hooks: { lock: { breakLock: false } } });
    expect(code).to.equal(0);
    expect(duringRelease, 'the Lease was given back').to.be.a('number');
    expect(duringRelease!, "drydock's SIGINT handler was still installed").to.be.greaterThan(baseline);
    expect(process.listenerCount('SIGINT'), 'and removed after').to.equal(baseline);
  });

  it('a maintenance run (the lock hook) reads them even without kube_* tasks; upgrades add each control plane\'s kube-apiserver', async () => {
    const port = fakeCluster();
    port.pods = [pod('kube-apiserver-cp1', { ns: 'kube-system', node: 'cp1', labels: { tier: 'control-plane', component: 'kube-apiserver' }, image: 'registry.k8s.io/kube-apiserver:v1.36.3' })];
    port.pods[0]!.spec.containers![0]!.name = 'kube-apiserver';
    const { code, versions } = await run('- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n', port, { hooks: { lock: { breakLock: false } }, apiServerVersions: true });
    expect(code).to.equal(0);
    expect(versions.map((v) => [v.phase, v.apiServers])).to.deep.equal([
      ['before', [{ node: 'cp1', version: 'v1.36.3' }]],
      ['after', [{ node: 'cp1', version: 'v1.36.3' }]],
    ]);
  });

  it('a playbook that does not use the cluster reads nothing and opens no cluster access', async () => {
    const { code, opened, versions } = await run('- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n', fakeCluster());
    expect(code).to.equal(0);
    expect(opened).to.equal(0);
    expect(versions).to.deep.equal([]);
  });

  it('an API that cannot list the nodes is recorded as the error, and the run ends as it would have', async () => {
    const port = fakeCluster();
    port.listNodes = async () => {
      throw new KubeApiError('list nodes: connect ECONNREFUSED 10.0.0.1:6443', 0, 'Unreachable');
    };
    const { code, versions } = await run('- hosts: alpha\n  gather_facts: false\n  tasks:\n    - kube_cordon: {}\n', port);
    expect(code).to.equal(0);
    expect(versions).to.deep.equal([
      { type: 'nodes.versions', phase: 'before', error: 'list nodes: connect ECONNREFUSED 10.0.0.1:6443' },
      { type: 'nodes.versions', phase: 'after', error: 'list nodes: connect ECONNREFUSED 10.0.0.1:6443' },
    ]);
    expect(port.nodes.get('alpha')!.spec.unschedulable).to.equal(true);
  });
});
