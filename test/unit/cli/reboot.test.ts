/**
 * `drydock reboot` as a function, with an injected clock, sentinel reader and run: what it asks the run to do
 * (hosts, variables, lock, confirmation text, stopAt), and that a closed window, a bad flag or an unreadable
 * sentinel stops it before any host is touched.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../../src/errors.js';
import type { RunPlanPorts } from '../../../src/run/plan.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import type { MaintenanceHooks } from '../../../src/cli/maintenance.js';
import type { PlayOptions } from '../../../src/cli/play-run.js';
import { OS_PATCH_REBOOT_PLAYBOOK, rebootCommand, register, type RebootDeps, type RebootOptions } from '../../../src/cli/commands/reboot.js';
import type { SentinelState } from '../../../src/reboot/sentinel.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';

const dir = mkdtempSync(join(tmpdir(), 'drydock-reboot-cmd-'));
const INVENTORY = join(dir, 'hosts.yaml');
writeFileSync(
  INVENTORY,
  `all:
  children:
    control_plane:
      hosts:
        cp1: { ansible_host: 127.0.0.11, node_name: master-1 }
    workers:
      hosts:
        worker1: { ansible_host: 127.0.0.12 }
        worker2: { ansible_host: 127.0.0.13 }
        worker3: { ansible_host: 127.0.0.14 }
    etcd:
      hosts:
        cp1: {}
`,
);

const ports: RunPlanPorts = offlinePlanPorts();

// Wednesday 2026-11-25 22:48 in Berlin: the Mon-Fri 02:00-05:00 window opens in 3h12m.
const EVENING = Date.parse('2026-11-25T21:48:00Z');
// Thursday 03:30 in Berlin: open until 05:00 (04:00 UTC).
const NIGHT = Date.parse('2026-11-26T02:30:00Z');

interface Fake {
  deps: RebootDeps;
  out: { stdout: string; stderr: string };
  plays: Array<{ playbook: string; hosts: string[]; options: PlayOptions; hooks: MaintenanceHooks }>;
  sentinelReads: string[][];
  /** The run session each step was given: the read-only pass and the run must share one. */
  sessions: unknown[];
}

function fake(now: number, sentinels: (host: string) => SentinelState = (host) => ({ host, present: false }), planPorts: RunPlanPorts = ports): Fake {
  const out = { stdout: '', stderr: '' };
  const plays: Fake['plays'] = [];
  const sentinelReads: string[][] = [];
  const sessions: unknown[] = [];
  return {
    out,
    plays,
    sentinelReads,
    sessions,
    deps: {
      now: () => now,
      streams: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
      planPorts,
      modules: taskModules(),
      readSentinels: async (hosts, _plan, _options, session) => {
        sessions.push(session);
        sentinelReads.push([...hosts]);
        return hosts.map(sentinels);
      },
      run: async (session, run, options, hooks) => {
        sessions.push(session);
        plays.push({ playbook: run.playbook.file, hosts: [...new Set(run.plan.playHosts.flat())], options, hooks });
        return 0;
      },
    },
  };
}

function options(extra: Partial<RebootOptions> = {}): RebootOptions {
  return {
    inventory: [INVENTORY],
    forks: 5,
    extraVars: {},
    become: false,
    json: false,
    onlyIfRequired: false,
    concurrency: 1,
    drainTimeout: 600,
    rebootTimeout: 600,
    yes: false,
    breakLock: false,
    ...extra,
  };
}

const WINDOW = { window: 'Mon-Fri 02:00-05:00', timeZone: 'Europe/Berlin' };

describe('drydock reboot (command function)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('outside the window: says when it opens, exits 0, reads no sentinel and starts no run', async () => {
    const f = fake(EVENING);
    const code = await rebootCommand('all', options({ ...WINDOW, onlyIfRequired: true }), f.deps);
    expect(code).to.equal(0);
    expect(f.out.stdout).to.equal(
      'outside the maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin); it opens at Thu 2026-11-26 02:00 GMT+1 (2026-11-26 01:00 UTC, in 3h12m). Nothing was started and no host was contacted.\n',
    );
    expect(f.sentinelReads).to.deep.equal([]);
    expect(f.plays).to.deep.equal([]);
  });

  it('outside the window with --json: the verdict as JSON on stdout, the words on stderr', async () => {
    const f = fake(EVENING);
    expect(await rebootCommand('all', options({ ...WINDOW, json: true }), f.deps)).to.equal(0);
    expect(JSON.parse(f.out.stdout)).to.deep.equal({
      started: false,
      reason: 'outside-window',
      window: 'Mon-Fri 02:00-05:00',
      timeZone: 'Europe/Berlin',
      opensAt: '2026-11-26T01:00:00.000Z',
    });
    expect(f.out.stderr).to.include('outside the maintenance window');
  });

  it('inside the window: runs the shipped playbook on every node, with the lock, the plan to confirm and a stop at closing time', async () => {
    const f = fake(NIGHT);
    expect(await rebootCommand('all', options({ ...WINDOW, yes: true, breakLock: true, blockingPodSelector: 'app=batch', concurrency: 2 }), f.deps)).to.equal(0);
    expect(f.plays).to.have.length(1);
    const [run] = f.plays;
    expect(run!.playbook).to.equal(OS_PATCH_REBOOT_PLAYBOOK);
    expect(run!.hosts.join(',')).to.equal('cp1,worker1,worker2,worker3');
    expect(run!.options.extraVars).to.deep.equal({
      only_if_required: false,
      reboot_concurrency: 2,
      drain_timeout: 600,
      reboot_timeout: 600,
      blocking_pod_selector: 'app=batch',
    });
    expect(run!.hooks.lock).to.deep.equal({ breakLock: true });
    expect(run!.hooks.confirm?.yes).to.equal(true);
    expect(run!.hooks.stopAt).to.deep.equal({
      at: Date.parse('2026-11-26T04:00:00Z'),
      message: 'the maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin) closed at Thu 2026-11-26 05:00 GMT+1 (2026-11-26 04:00 UTC): no further node will be started',
    });
    const summary = run!.hooks.confirm!.summary.split('\n');
    expect(summary.slice(0, 5)).to.deep.equal([
      'drydock reboot: rolling reboot of 4 node(s), in this order (control planes one at a time, then workers 2 at a time):',
      '  1. cp1      node master-1  control plane',
      '  2. worker1  node worker1   worker',
      '  3. worker2  node worker2   worker',
      '  4. worker3  node worker3   worker',
    ]);
    expect(summary).to.include('maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin) is open until Thu 2026-11-26 05:00 GMT+1 (2026-11-26 04:00 UTC, in 1h30m); no node starts after that');
    expect(f.out.stdout).to.equal('');
  });

  it('without a window: no stop time; -e variables pass through but the flags win', async () => {
    const f = fake(EVENING);
    await rebootCommand('all', options({ extraVars: { ready_timeout: 60, drain_timeout: 5 }, drainTimeout: 90, drainForce: true }), f.deps);
    expect(f.plays[0]!.hooks.stopAt).to.equal(undefined);
    expect(f.plays[0]!.options.extraVars).to.include({ ready_timeout: 60, drain_timeout: 90, drain_force: true });
    expect(f.plays[0]!.hooks.confirm?.summary).to.include('; pods without a controller are deleted)');
    expect(f.plays[0]!.hooks.confirm?.yes).to.equal(false);
  });

  it('respects Kured\'s lock on kube-system/kured by default; --kured names another DaemonSet, --no-kured none', async () => {
    const f = fake(EVENING);
    await rebootCommand('all', options(), f.deps);
    await rebootCommand('all', options({ kured: 'kured/kured-ds' }), f.deps);
    await rebootCommand('all', options({ kured: false }), f.deps);
    expect(f.plays.map((p) => p.hooks.kured)).to.deep.equal([{ namespace: 'kube-system', name: 'kured' }, { namespace: 'kured', name: 'kured-ds' }, undefined]);
    const err = await rebootCommand('all', options({ kured: 'kured' }), fake(EVENING).deps).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.include('--kured "kured": expected Kured\'s DaemonSet as NAMESPACE/NAME');
  });

  it('--only-if-required: reads every candidate\'s sentinel first, then runs only those that have it', async () => {
    const f = fake(NIGHT, (host) => ({ host, present: host === 'worker1' || host === 'worker3' }));
    await rebootCommand('all', options({ ...WINDOW, onlyIfRequired: true }), f.deps);
    expect(f.sentinelReads).to.deep.equal([['cp1', 'worker1', 'worker2', 'worker3']]);
    expect(f.plays[0]!.hosts.join(',')).to.equal('worker1,worker3');
    expect(f.sessions, 'the sentinel reads and the run share one session: one connection per host').to.have.length(2);
    expect(f.sessions[0]).to.equal(f.sessions[1]);
    expect(f.plays[0]!.options.extraVars).to.include({ only_if_required: true });
    const summary = f.plays[0]!.hooks.confirm!.summary;
    expect(summary).to.include('  1. worker1  node worker1  worker  /var/run/reboot-required present\n  2. worker3  node worker3  worker  /var/run/reboot-required present\n');
    expect(summary).to.include('not rebooted (no /var/run/reboot-required): cp1, worker2');
  });

  it('--only-if-required with no sentinel anywhere: nothing to do, exit 0, no run', async () => {
    const f = fake(NIGHT);
    expect(await rebootCommand('all', options({ onlyIfRequired: true }), f.deps)).to.equal(0);
    expect(f.out.stdout).to.equal('no host has /var/run/reboot-required (checked cp1, worker1, worker2, worker3): nothing to reboot\n');
    expect(f.plays).to.deep.equal([]);
  });

  it('--only-if-required when a host cannot be asked: nothing starts, exit 4, the host and a way round named', async () => {
    const f = fake(NIGHT, (host) => (host === 'worker2' ? { host, error: 'worker2 (127.0.0.13:22): connection refused' } : { host, present: true }));
    expect(await rebootCommand('all', options({ onlyIfRequired: true }), f.deps)).to.equal(4);
    expect(f.out.stdout).to.include('  worker2: worker2 (127.0.0.13:22): connection refused').and.include("--limit '!worker2'");
    expect(f.plays).to.deep.equal([]);
  });

  it('PATTERN and --limit narrow the hosts; a pattern that names no node is a usage error', async () => {
    const f = fake(NIGHT);
    await rebootCommand('workers:cp1', options({ limit: '!worker2' }), f.deps);
    expect(f.plays[0]!.hosts.join(',')).to.equal('cp1,worker1,worker3');
    const none = fake(NIGHT);
    const err = await rebootCommand('etcd-only-host-that-is-not-there', options(), none.deps).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.include('names no control plane or worker of the inventory');
  });

  it('bad flags are refused before the inventory is read', async () => {
    const untouchable: RunPlanPorts = { ...ports, loadInventory: () => Promise.reject(new Error('the inventory must not be read')) };
    const attempt = (extra: Partial<RebootOptions>) => rebootCommand('all', options(extra), fake(NIGHT, undefined, untouchable).deps).then(() => undefined, (e: unknown) => e as Error);
    const badDay = await attempt({ window: 'Mon-Fry 02:00-05:00' });
    expect(badDay).to.be.instanceOf(UsageError);
    expect(badDay!.message).to.include('unknown day "Fry"');
    expect((await attempt({ window: 'Mon-Fri 02:00-05:00', timeZone: 'Mars/Olympus' }))!.message).to.include('unknown time zone "Mars/Olympus"');
    expect((await attempt({ timeZone: 'Europe/Berlin' }))!.message).to.include('--time-zone is the time zone of --window');
    expect((await attempt({ blockingPodSelector: 'app in (a' }))!.message).to.include('--blocking-pod-selector: invalid label selector');
    expect((await attempt({ blockingPodSelector: ' ' }))!.message).to.include('needs a label selector');
  });

  it('commander rejects a concurrency below 1 and timeouts that are not whole seconds, naming the flag', async () => {
    const parse = async (args: string[]): Promise<string> => {
      const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
      register(program, { exit: () => undefined, commandLine: [] });
      program.commands[0]!.exitOverride().configureOutput({ writeErr: () => undefined });
      return program.parseAsync(['node', 'drydock', 'reboot', ...args]).then(() => 'parsed', (err: Error) => err.message);
    };
    expect(await parse(['--concurrency', '0'])).to.include('--concurrency takes a whole number of 1 or more');
    expect(await parse(['--drain-timeout', '10m'])).to.include('--drain-timeout takes a whole number of seconds');
    expect(await parse(['--reboot-timeout', '-1'])).to.include('--reboot-timeout takes a whole number of seconds');
  });

  it('commander: --kured defaults to kube-system/kured, --no-kured turns it off', () => {
    const seen = (args: string[]): unknown => {
      const program = new Command();
      register(program, { exit: () => undefined, commandLine: [] });
      const command = program.commands[0]!;
      command.parseOptions(args);
      return command.opts().kured;
    };
    expect(seen([])).to.equal('kube-system/kured');
    expect(seen(['--kured', 'ops/kured'])).to.equal('ops/kured');
    expect(seen(['--no-kured'])).to.equal(false);
  });
});
