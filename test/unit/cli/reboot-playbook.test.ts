/**
 * playbooks/os-patch-reboot.yaml in the real engine, with fake modules that keep a timeline of which nodes
 * are out (drained and not yet uncordoned): only hosts with the sentinel reboot, a blocking pod postpones its
 * node, never two nodes out at once (never two control planes), the first failure ends the run.
 */
import { expect } from 'chai';
import { runPlaybook, type PlaybookOutcome } from '../../../src/engine/run-playbook.js';
import type { EngineClock } from '../../../src/engine/types.js';
import type { RunEvent } from '../../../src/events/events.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import type { ModuleResult, TaskModule } from '../../../src/modules/types.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Connection, ConnectionSpec, ExecResult } from '../../../src/transport/types.js';
import { OS_PATCH_REBOOT_PLAYBOOK } from '../../../src/cli/commands/reboot.js';
import { inventory } from '../engine/harness.js';

interface Cluster {
  sentinel: Set<string>;
  blockers: Map<string, string[]>;
  failReboot?: string;
}

interface Run {
  outcome: PlaybookOutcome;
  /** "drain cp1", "reboot cp1", ... in order. */
  timeline: string[];
  /** Most nodes out at the same time, and every set of nodes out together. */
  maxOut: number;
  outTogether: string[][];
  messages: Record<string, string[]>;
}

const CONTROL_PLANES = ['cp1', 'cp2'];
const WORKERS = ['w1', 'w2', 'w3', 'w4'];

function execResult(code: number): ExecResult {
  return { code, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 };
}

async function runRebootPlaybook(cluster: Cluster, vars: Record<string, unknown>): Promise<Run> {
  const registry = moduleRegistry();
  const playbook = await loadPlaybook(OS_PATCH_REBOOT_PLAYBOOK, { moduleRegistry: registry });
  const timeline: string[] = [];
  const out = new Set<string>();
  let maxOut = 0;
  const outTogether: string[][] = [];
  const messages: Record<string, string[]> = {};
  const step = (name: string, run: (host: string, args: Record<string, unknown>) => ModuleResult): TaskModule => ({
    name,
    supportsCheck: true,
    controllerOnly: name.startsWith('kube_') || name === 'debug',
    async run(ctx) {
      await new Promise((r) => setImmediate(r)); // let hosts of a batch interleave, as real I/O does
      return run(ctx.host, ctx.args);
    },
  });
  const modules = new Map<string, TaskModule>(
    [
      {
        name: 'command',
        supportsCheck: false,
        async run(ctx) {
          const res = await ctx.exec(ctx.freeForm ?? '');
          return { changed: true, rc: res.code, ...(res.code !== 0 ? { failed: true, msg: 'non-zero return code' } : {}) };
        },
      } satisfies TaskModule,
      step('debug', (host, args) => {
        (messages[host] ??= []).push(String(args.msg));
        return { changed: false, msg: String(args.msg) };
      }),
      step('kube_blocking_pods', (host, args) => {
        const pods = cluster.blockers.get(host) ?? [];
        timeline.push(`blockers ${host} ${String(args.selector)}`);
        return { changed: false, blocked: pods.length > 0, pods };
      }),
      step('kube_drain', (host) => {
        timeline.push(`drain ${host}`);
        out.add(host);
        maxOut = Math.max(maxOut, out.size);
        outTogether.push([...out].sort());
        return { changed: true };
      }),
      step('reboot', (host) => {
        timeline.push(`reboot ${host}`);
        if (cluster.failReboot === host) return { changed: false, failed: true, msg: `${host} did not come back with a new boot id` };
        cluster.sentinel.delete(host); // /run is a tmpfs
        return { changed: true, rebooted: true };
      }),
      step('kube_heartbeat', (host) => ({ changed: false, node: host, boot_id: `boot-${host}`, heartbeat: '2026-11-25T12:00:00Z' })),
      step('kube_wait_ready', (host, args) => {
        timeline.push(`ready ${host}`);
        // The wait must know what the node showed before the reboot, or a stale Ready=True would pass it.
        const after = args.after as { boot_id?: string } | undefined;
        if (after?.boot_id !== `boot-${host}`) return { changed: false, failed: true, msg: `kube_wait_ready on ${host} got after=${JSON.stringify(after)}` };
        return { changed: false };
      }),
      step('kube_uncordon', (host) => {
        timeline.push(`uncordon ${host}`);
        out.delete(host);
        return { changed: true };
      }),
    ].map((m) => [m.name, m]),
  );
  const connect = async (spec: ConnectionSpec): Promise<Connection> => ({
    name: spec.name,
    async exec(command) {
      if (command === 'test -e /var/run/reboot-required') return execResult(cluster.sentinel.has(spec.name) ? 0 : 1);
      if (command === 'systemctl is-active kubelet') return execResult(0);
      throw new Error(`unexpected command on ${spec.name}: ${command}`);
    },
    put: async () => undefined,
    get: async () => Buffer.from(''),
    forwardOut: async () => {
      throw new Error('no tunnels in this fake');
    },
    close: async () => undefined,
  });
  let now = 0;
  const clock: EngineClock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    every: () => () => undefined,
  };
  const events: RunEvent[] = [];
  const outcome = await runPlaybook(
    {
      playbook,
      registry,
      playHosts: [CONTROL_PLANES, WORKERS],
      options: {
        runId: 'test',
        check: false,
        diff: false,
        yes: true,
        forks: 10,
        tags: [],
        skipTags: [],
        extraVars: vars,
        countUnreachableInMaxFail: true,
        statusIntervalMs: 1000,
      },
    },
    {
      inventory: inventory({ control_plane: CONTROL_PLANES, workers: WORKERS }),
      modules,
      specFor: (host) => ({ name: host }) as ConnectionSpec,
      connect,
      localExec: async () => execResult(0),
      controller: { readFile: async () => Buffer.from(''), writeFile: async () => undefined, exists: async () => false, mkdirp: async () => undefined },
      clock,
      emit: (event) => events.push(event),
    },
  );
  return { outcome, timeline, maxOut, outTogether, messages };
}

const rebooted = (run: Run): string[] => run.timeline.filter((t) => t.startsWith('reboot ')).map((t) => t.slice(7));

describe('playbooks/os-patch-reboot.yaml (engine, fake modules)', () => {
  it('reboots every node in order when no sentinel is asked for: control planes first, one node out at a time', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(), blockers: new Map() }, {});
    expect(run.outcome.exitCode).to.equal(0);
    expect(rebooted(run)).to.deep.equal([...CONTROL_PLANES, ...WORKERS]);
    expect(run.maxOut).to.equal(1);
    for (const host of [...CONTROL_PLANES, ...WORKERS]) {
      expect(run.timeline.filter((t) => t.endsWith(` ${host}`)), host).to.deep.equal([`drain ${host}`, `reboot ${host}`, `ready ${host}`, `uncordon ${host}`]);
    }
  });

  it('with only_if_required only hosts with /var/run/reboot-required reboot; the others are told why', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(['cp2', 'w3']), blockers: new Map() }, { only_if_required: true });
    expect(run.outcome.exitCode).to.equal(0);
    expect(rebooted(run)).to.deep.equal(['cp2', 'w3']);
    expect(run.timeline.filter((t) => t.startsWith('drain '))).to.deep.equal(['drain cp2', 'drain w3']);
    expect(run.messages.w1).to.deep.equal(['/var/run/reboot-required is absent; w1 is not rebooted']);
  });

  it('a blocking pod postpones its node (reported, not failed); the others go on', async () => {
    const run = await runRebootPlaybook(
      { sentinel: new Set(['w1', 'w2']), blockers: new Map([['w2', ['default/nightly-batch']]]) },
      { only_if_required: true, blocking_pod_selector: 'app=batch' },
    );
    expect(run.outcome.exitCode).to.equal(0);
    expect(run.outcome.failedHosts).to.deep.equal([]);
    expect(rebooted(run)).to.deep.equal(['w1']);
    expect(run.timeline).to.include('blockers w2 app=batch');
    expect(run.timeline).to.not.include('drain w2');
    expect(run.messages.w2).to.deep.equal(['postponed: pods default/nightly-batch match app=batch; w2 is not rebooted']);
    expect(run.timeline.some((t) => t.startsWith('blockers cp')), 'hosts without the sentinel are not asked about blockers').to.equal(false);
  });

  it('without a selector no blocking-pod lookup happens', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(), blockers: new Map([['w1', ['x/y']]]) }, {});
    expect(run.timeline.some((t) => t.startsWith('blockers'))).to.equal(false);
    expect(rebooted(run)).to.include('w1');
  });

  it('reboot_concurrency batches the workers, never the control planes', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(), blockers: new Map() }, { reboot_concurrency: 2 });
    expect(run.outcome.exitCode).to.equal(0);
    expect(run.maxOut).to.equal(2);
    for (const together of run.outTogether) {
      expect(together.filter((h) => CONTROL_PLANES.includes(h)).length <= 1 && (together.length === 1 || together.every((h) => WORKERS.includes(h))), together.join(',')).to.equal(true);
    }
    expect(run.outTogether).to.deep.include(['w1', 'w2']);
  });

  it('the first failure stops the run: the failed node is not uncordoned and no later node starts', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(), blockers: new Map(), failReboot: 'cp2' }, {});
    expect(run.outcome.exitCode).to.equal(2);
    expect(run.outcome.failedHosts).to.deep.equal(['cp2']);
    expect(run.outcome.stopped?.play).to.equal('reboot control planes, one at a time');
    expect(rebooted(run)).to.deep.equal(['cp1', 'cp2']);
    expect(run.timeline).to.not.include('uncordon cp2');
    expect(run.timeline.some((t) => / w\d$/.test(t)), 'no worker touched').to.equal(false);
  });

  it('a worker failure stops the workers\' play', async () => {
    const run = await runRebootPlaybook({ sentinel: new Set(), blockers: new Map(), failReboot: 'w2' }, {});
    expect(run.outcome.exitCode).to.equal(2);
    expect(rebooted(run)).to.deep.equal(['cp1', 'cp2', 'w1', 'w2']);
  });
});
