/**
 * One repository probe per host and run: `drydock upgrade` passes the package versions its plan read
 * (drydock_package_versions) and the shipped preflight does not look those hosts up again; a host the plan has
 * no version for, or a preflight run by `drydock play` without the variable, is probed as before.
 */
import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { runPlaybook } from '../../../src/engine/run-playbook.js';
import type { RunEvent } from '../../../src/events/events.js';
import { resolvePattern } from '../../../src/inventory/index.js';
import { moduleRegistry, taskModules } from '../../../src/modules/catalogue.js';
import type { TaskModule } from '../../../src/modules/types.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Playbook } from '../../../src/playbook/model.js';
import type { Connection, ConnectionSpec, ExecResult } from '../../../src/transport/types.js';
import { PACKAGE_VERSIONS_VAR, packageVersions, type UpgradePlan } from '../../../src/upgrade/plan.js';
import { inventory } from '../engine/harness.js';

const PLAYBOOKS = resolve(import.meta.dirname, '../../../playbooks');

async function preflight(extraVars: Record<string, unknown>): Promise<{ probed: string[]; versions: Record<string, unknown> }> {
  const loaded = await loadPlaybook(join(PLAYBOOKS, 'upgrade-workers.yaml'), { moduleRegistry: moduleRegistry() });
  const playbook: Playbook = { ...loaded, plays: loaded.plays.filter((p) => p.vars['drydock_upgrade_stage'] === 'preflight').slice(0, 1) };
  const inv = inventory({ control_plane: ['cp1'], workers: ['w1'] });
  const probed: string[] = [];
  const fake = (name: string, result: Record<string, unknown>): TaskModule => ({ name, supportsCheck: true, controllerOnly: true, run: async () => ({ changed: false, ...result }) });
  const modules = new Map<string, TaskModule>([
    ...taskModules(),
    ['kube_versions', fake('kube_versions', { nodes: [{ name: 'cp1', ready: true }, { name: 'w1', ready: true }] })],
    ['skew_check', fake('skew_check', {})],
  ]);
  const ok = (stdout = ''): ExecResult => ({ code: 0, signal: null, stdout, stderr: '', stdoutBytes: stdout.length, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 }) as unknown as ExecResult;
  const connect = async (spec: ConnectionSpec): Promise<Connection> =>
    ({
      exec: async (command: string) => {
        if (command.includes('madison')) {
          probed.push(spec.name);
          return ok('1.29.4-2.2\n');
        }
        return ok();
      },
      put: async () => undefined,
      get: async () => Buffer.from(''),
      close: async () => undefined,
    }) as unknown as Connection;
  const events: RunEvent[] = [];
  const outcome = await runPlaybook(
    {
      playbook,
      playHosts: playbook.plays.map((p) => resolvePattern(inv, p.hosts)),
      options: { runId: 't', check: false, diff: false, yes: true, forks: 5, tags: [], skipTags: [], extraVars: { kube_target_version: '1.29.4', ...extraVars }, countUnreachableInMaxFail: true, statusIntervalMs: 1000 },
    },
    {
      inventory: inv,
      modules,
      specFor: (host) => ({ name: host }) as ConnectionSpec,
      connect,
      localExec: async () => ok(),
      controller: { readFile: async () => Buffer.from(''), writeFile: async () => undefined, exists: async () => false, mkdirp: async () => undefined },
      clock: { now: () => 0, sleep: async () => undefined, every: () => () => undefined },
      emit: (event) => events.push(event),
    },
  );
  expect(outcome.exitCode, JSON.stringify(events.filter((e) => e.type === 'task.result' && (e as { result: { status: string } }).result.status === 'failed'))).to.equal(0);
  const versions: Record<string, unknown> = {};
  for (const e of events) {
    if (e.type !== 'task.result' || e.result.task !== 'remember the package version to install') continue;
    versions[e.result.host] = e.facts?.['kube_package_version'];
  }
  return { probed: probed.sort(), versions };
}

describe('upgrade: one repository probe serves the plan and the preflight', () => {
  it('probes only the hosts the plan has no version for, and uses the plan’s version for the others', async () => {
    const { probed, versions } = await preflight({ [PACKAGE_VERSIONS_VAR]: { cp1: '1.29.4-1.1' } });
    expect(probed).to.deep.equal(['w1']);
    expect(versions).to.deep.equal({ cp1: '1.29.4-1.1', w1: '1.29.4-2.2' });
  });

  it('without the variable (drydock play on the shipped playbook) every host is probed, as before', async () => {
    const { probed } = await preflight({});
    expect(probed).to.deep.equal(['cp1', 'w1']);
  });

  it('the plan hands on each host’s kubeadm package version, and none for a host without one', () => {
    const host = (name: string, target: string | null) => ({ host: name, packages: [{ name: 'kubeadm', installed: '1.28.9-1.1', held: true, target }] });
    const plan = { hosts: [host('cp1', '1.29.4-1.1'), host('w1', null)] } as unknown as UpgradePlan;
    expect(packageVersions(plan)).to.deep.equal({ cp1: '1.29.4-1.1' });
  });
});
