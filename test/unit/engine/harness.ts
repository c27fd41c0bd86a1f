/**
 * Drives the playbook engine in milliseconds: playbooks from strings, an in-memory inventory, fake hosts
 * whose commands are answered by a script, a fake clock whose sleeps return at once, and small fake
 * TaskModules (the engine must not depend on the real ones).
 */
import { HostUnreachableError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import type { Inventory, InventoryGroup, InventoryHost } from '../../../src/inventory/types.js';
import type { ModuleResult, TaskModule } from '../../../src/modules/types.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Play, Playbook } from '../../../src/playbook/model.js';
import { runPlaybook, type PlaybookOutcome } from '../../../src/engine/run-playbook.js';
import type { EngineClock, EnginePorts, PlaybookRunOptions } from '../../../src/engine/types.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../../../src/transport/types.js';

export function inventory(groups: Record<string, string[]>, hostVars: Record<string, Record<string, unknown>> = {}): Inventory {
  const hosts = new Map<string, InventoryHost>();
  const groupMap = new Map<string, InventoryGroup>();
  groupMap.set('all', { name: 'all', hosts: [], children: ['ungrouped', ...Object.keys(groups)], parents: [], vars: {} });
  groupMap.set('ungrouped', { name: 'ungrouped', hosts: [], children: [], parents: ['all'], vars: {} });
  for (const [group, members] of Object.entries(groups)) {
    groupMap.set(group, { name: group, hosts: members, children: [], parents: ['all'], vars: {} });
    for (const h of members) {
      const host = hosts.get(h) ?? { name: h, vars: hostVars[h] ?? {}, groups: [] };
      host.groups.push(group);
      hosts.set(h, host);
    }
  }
  return { sources: [], hosts, groups: groupMap };
}

export function hostsNamed(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

export type Responder = (host: string, command: string, options: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export interface ExecCall {
  host: string;
  command: string;
  options: ExecOptions;
}

function execResult(partial: Partial<ExecResult>): ExecResult {
  return { code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1, ...partial };
}

/** A fake `command` module: runs its free-form text through ctx.exec, reports changed, fails on rc != 0. */
export const fakeCommand: TaskModule = {
  name: 'command',
  supportsCheck: false,
  async run(ctx): Promise<ModuleResult> {
    const res = await ctx.exec(ctx.freeForm ?? String(ctx.args['cmd'] ?? ''));
    const result: ModuleResult = { changed: true, rc: res.code, stdout: res.stdout, stderr: res.stderr };
    if (res.code !== 0) return { ...result, failed: true, msg: `non-zero return code` };
    return result;
  },
};

export const fakeShell: TaskModule = { ...fakeCommand, name: 'shell' };

export const fakeDebug: TaskModule = {
  name: 'debug',
  supportsCheck: true,
  controllerOnly: true,
  async run(ctx) {
    return { changed: false, msg: ctx.args['msg'] as string };
  },
};

export const fakeSetFact: TaskModule = {
  name: 'set_fact',
  supportsCheck: true,
  controllerOnly: true,
  async run(ctx) {
    const facts = { ...ctx.args };
    delete facts['cacheable'];
    return { changed: false, facts };
  },
};

export const fakeFail: TaskModule = {
  name: 'fail',
  supportsCheck: true,
  controllerOnly: true,
  async run(ctx) {
    return { changed: false, failed: true, msg: String(ctx.args['msg']) };
  },
};

/** A module that supports check mode and changes a file only when not checking. */
export const fakeCopy: TaskModule = {
  name: 'copy',
  supportsCheck: true,
  async run(ctx) {
    if (ctx.check) return { changed: true, msg: 'would copy' };
    await ctx.exec(`write ${String(ctx.args['dest'])}`);
    return { changed: true };
  },
};

export const FAKE_MODULES = new Map<string, TaskModule>([fakeCommand, fakeShell, fakeDebug, fakeSetFact, fakeFail, fakeCopy].map((m) => [m.name, m]));

export interface Harness {
  outcome: PlaybookOutcome;
  events: RunEvent[];
  calls: ExecCall[];
  /** Commands run, as "host: command", in the order they started. */
  log: string[];
  /** Results (final, not per item) of a task by host. */
  results(task: string): Record<string, string>;
  /** Every host×task final result in order, as "task host status". */
  lines(): string[];
}

export interface HarnessOptions {
  inventory: Inventory;
  respond?: Responder;
  /** Hosts whose connect fails as unreachable. */
  unreachable?: string[];
  options?: Partial<PlaybookRunOptions>;
  modules?: Map<string, TaskModule>;
  stop?: AbortSignal;
  /** Start no new batch or play (a maintenance window closing). */
  stopBatches?: AbortSignal;
  /** Called with every event as it is emitted. */
  onEvent?: (event: RunEvent, events: RunEvent[]) => void;
  /** Other files the playbook reads (vars_files), by absolute path under /pb. */
  files?: Record<string, string>;
  /** Called on every connect (the pool would return the open connection when there is one). */
  onConnect?: (host: string) => void;
  /** Records connection releases (the engine's open-connection budget). */
  onRelease?: (host: string) => void;
  /** Receives the status ticker the engine starts for each task (the fake clock never ticks by itself). */
  onTicker?: (tick: () => void) => void;
  /** The port that keeps no_log results for resume (the journal's secrets file). */
  keepSecret?: EnginePorts['keepSecret'];
  /** A play's hosts on the inventory as it is now (the CLI's pattern and --limit), after add_host / group_by. */
  hostsFor?: (play: Play) => string[];
  /** The controller's files (default: an empty fake). */
  controller?: EnginePorts['controller'];
}

export async function loadFromText(text: string, files: Record<string, string> = {}): Promise<Playbook> {
  const all: Record<string, string> = { '/pb/site.yml': text, ...files };
  return loadPlaybook('/pb/site.yml', {
    moduleRegistry: moduleRegistry(),
    displayRoot: '/pb',
    readText: async (path) => {
      const content = all[path];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    },
  });
}

export async function play(text: string, opts: HarnessOptions, playHosts?: string[][]): Promise<Harness> {
  return runLoaded(await loadFromText(text, opts.files), opts, playHosts);
}

/** Runs a playbook already loaded (e.g. from a fixture directory on disk). */
export async function runLoaded(playbook: Playbook, opts: HarnessOptions, playHosts?: string[][]): Promise<Harness> {
  const events: RunEvent[] = [];
  const calls: ExecCall[] = [];
  const log: string[] = [];
  let now = 1_000_000;
  const clock: EngineClock = {
    now: () => now,
    // Virtual time: a sleep ends on the next macrotask and moves the clock on, unless aborted first.
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(() => {
          now += ms;
          resolve();
        }, 0);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    every: (_ms, tick) => {
      opts.onTicker?.(tick);
      return () => undefined;
    },
  };
  const respond = opts.respond ?? (() => ({}));
  const connect = async (spec: ConnectionSpec): Promise<Connection> => {
    opts.onConnect?.(spec.name);
    if (opts.unreachable?.includes(spec.name)) throw new HostUnreachableError(spec.name, 'tcp', 'connection refused');
    return {
      name: spec.name,
      async exec(command, options = {}) {
        calls.push({ host: spec.name, command, options });
        log.push(`${spec.name}: ${command}`);
        now += 1;
        return execResult(await respond(spec.name, command, options));
      },
      put: async () => undefined,
      get: async () => Buffer.from(''),
      forwardOut: async () => {
        throw new Error('the engine harness opens no tunnels');
      },
      close: async () => undefined,
    };
  };
  const hosts = playHosts ?? playbook.plays.map((p) => [...opts.inventory.hosts.keys()].filter((h) => p.hosts === 'all' || (opts.inventory.groups.get(p.hosts)?.hosts.includes(h) ?? h === p.hosts)));
  const outcome = await runPlaybook(
    {
      playbook,
      playHosts: hosts,
      ...(opts.hostsFor ? { hostsFor: opts.hostsFor } : {}),
      options: {
        runId: 'test',
        check: false,
        diff: false,
        yes: true,
        forks: 5,
        tags: [],
        skipTags: [],
        extraVars: {},
        countUnreachableInMaxFail: true,
        statusIntervalMs: 1000,
        ...opts.options,
      },
    },
    {
      inventory: opts.inventory,
      modules: opts.modules ?? FAKE_MODULES,
      specFor: (host) => ({ name: host }) as ConnectionSpec,
      connect,
      ...(opts.onRelease ? { release: async (host: string) => opts.onRelease!(host) } : {}),
      localExec: async (command, options = {}) => {
        calls.push({ host: 'controller', command, options });
        log.push(`controller: ${command}`);
        return execResult(await respond('controller', command, options));
      },
      controller: opts.controller ?? { readFile: async () => Buffer.from(''), writeFile: async () => undefined, exists: async () => false, mkdirp: async () => undefined },
      clock,
      emit: (event) => {
        events.push(event);
        opts.onEvent?.(event, events);
      },
      ...(opts.keepSecret ? { keepSecret: opts.keepSecret } : {}),
    },
    { ...(opts.stop ? { stop: opts.stop } : {}), ...(opts.stopBatches ? { stopBatches: opts.stopBatches } : {}) },
  );
  const finals = events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result' && e.item === undefined);
  return {
    outcome,
    events,
    calls,
    log,
    results(task) {
      const out: Record<string, string> = {};
      for (const e of finals) if (e.result.task === task) out[e.result.host] = e.result.status;
      return out;
    },
    lines: () => finals.map((e) => `${e.result.task} ${e.result.host} ${e.result.status}`),
  };
}
