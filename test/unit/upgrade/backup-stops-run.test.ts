/**
 * The backup rule relies on the engine: `drydock upgrade` runs etcd-backup.yaml, upgrade-control-plane.yaml
 * and upgrade-workers.yaml as one run, so a failed snapshot must end that run before any package changes.
 * Proven on the shipped playbooks with fake modules: the snapshot fails, no other module is ever called.
 */
import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { runPlaybook } from '../../../src/engine/run-playbook.js';
import type { RunEvent } from '../../../src/events/events.js';
import { resolvePattern } from '../../../src/inventory/index.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import type { TaskModule } from '../../../src/modules/types.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Playbook } from '../../../src/playbook/model.js';
import type { Connection, ConnectionSpec } from '../../../src/transport/types.js';
import { inventory } from '../engine/harness.js';

const PLAYBOOKS = resolve(import.meta.dirname, '../../../playbooks');

async function upgradeRun(): Promise<Playbook> {
  const registry = moduleRegistry();
  const loaded = await Promise.all(['etcd-backup', 'upgrade-control-plane', 'upgrade-workers'].map((n) => loadPlaybook(join(PLAYBOOKS, `${n}.yaml`), { moduleRegistry: registry })));
  return { file: loaded[0]!.file, plays: loaded.flatMap((p) => p.plays), files: loaded.flatMap((p) => p.files) };
}

describe('upgrade: a failed etcd backup ends the run before any package changes', () => {
  it('the snapshot fails on cp1: no preflight, no repository switch, no apt, no drain on any host', async () => {
    const playbook = await upgradeRun();
    const inv = inventory({ control_plane: ['cp1', 'cp2'], etcd: ['cp1'], workers: ['w1', 'w2'] });
    const called: string[] = [];
    const recording = (name: string): TaskModule => ({
      name,
      supportsCheck: true,
      async run(ctx) {
        called.push(`${ctx.target}: ${name}`);
        return { changed: false };
      },
    });
    const names = new Set(playbook.plays.flatMap((p) => [...p.preTasks, ...p.tasks, ...p.postTasks]).map((t) => (t.kind === 'task' ? t.module : 'block')));
    const modules = new Map<string, TaskModule>([...names].map((n) => [n, recording(n)]));
    modules.set('etcd_snapshot', {
      name: 'etcd_snapshot',
      supportsCheck: true,
      async run(ctx) {
        called.push(`${ctx.target}: etcd_snapshot`);
        return { changed: false, failed: true, msg: 'etcdutl snapshot status: revision is 0' };
      },
    });
    const events: RunEvent[] = [];
    const connection = { exec: async () => ({ code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 }), put: async () => undefined, get: async () => Buffer.from(''), close: async () => undefined } as unknown as Connection;
    const outcome = await runPlaybook(
      {
        playbook,
        playHosts: playbook.plays.map((p) => resolvePattern(inv, p.hosts)),
        options: { runId: 't', check: false, diff: false, yes: true, forks: 5, tags: [], skipTags: [], extraVars: { kube_target_version: '1.29.4' }, countUnreachableInMaxFail: true, statusIntervalMs: 1000 },
      },
      {
        inventory: inv,
        modules,
        specFor: (host) => ({ name: host }) as ConnectionSpec,
        connect: async () => connection,
        localExec: connection.exec,
        controller: { readFile: async () => Buffer.from(''), writeFile: async () => undefined, exists: async () => false, mkdirp: async () => undefined },
        clock: { now: () => 0, sleep: async () => undefined, every: () => () => undefined },
        emit: (event) => events.push(event),
      },
    );
    expect(called).to.deep.equal(['cp1: etcd_snapshot']);
    expect(outcome.exitCode).to.equal(2);
    expect(outcome.stopped?.play).to.equal('etcd backup');
    expect(events.filter((e) => e.type === 'play.start').map((e) => (e as { name: string }).name)).to.deep.equal(['etcd backup']);
  });
});
