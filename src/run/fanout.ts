/**
 * The ad hoc fan-out engine behind `drydock run`: one command on every target, at most `forks` hosts at a
 * time, each host's outcome classified and emitted as events. Pure but for the injected ports, so the unit
 * tests drive it with a fake pool and a fake clock in milliseconds.
 *
 * Classification:
 * - exit status 0 → `changed`, as Ansible's raw/command/shell report it (drydock cannot know the command
 *   changed nothing);
 * - any other status, a signal, or a status that never arrived → `failed` (rc, stderr tail);
 * - the command outlived --timeout → `failed` with `timedOut`;
 * - the connection could not be made, or broke mid-command → `unreachable` (phase + message);
 * - not started because the run was interrupted → `skipped`.
 */
import { StringDecoder } from 'node:string_decoder';
import { PQueue } from '../util/queue.js';
import { EXIT } from '../util/exit-codes.js';
import { CommandTimeoutError, HostUnreachableError } from '../errors.js';
import type { HostResult, RecapStats, RunEvent } from '../events/events.js';
import { recapExitCode, tally } from '../events/recap.js';
import type { Connection, ConnectionSpec, ExecResult } from '../transport/types.js';

export interface FanoutTarget {
  name: string;
  spec: ConnectionSpec;
}

export interface FanoutRequest {
  runId: string;
  command: string;
  targets: FanoutTarget[];
  forks: number;
  /** Per-host command timeout; 0 or undefined means none. */
  timeoutMs?: number;
  /** Run the command through sudo (the spec's become settings supply user and password). */
  become?: boolean;
  /** How often a status event names the hosts still running. */
  statusIntervalMs: number;
  /** Whether output chunks are emitted as host.output events as they arrive. */
  streamOutput?: boolean;
}

export interface Clock {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export interface FanoutPorts {
  connect(spec: ConnectionSpec): Promise<Connection>;
  /** Frees a finished host's connection early, so open sockets stay bounded by forks. */
  release?(name: string): Promise<void>;
  emit(event: RunEvent): void;
  clock: Clock;
}

export interface FanoutControl {
  /** First Ctrl-C: start no more hosts; running ones finish. */
  stop?: AbortSignal;
  /** Second Ctrl-C: end the commands still running. */
  abort?: AbortSignal;
}

export interface FanoutOutcome {
  results: HostResult[];
  stats: RecapStats;
  /** 0 all ok, 2 some failed, 4 some unreachable (wins over failed), 130 interrupted. */
  exitCode: number;
  interrupted: boolean;
  ms: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Turns a finished command into the host's result. */
export function classifyExec(host: string, command: string, res: ExecResult, timeoutMs?: number): HostResult {
  const base = { host, task: command, rc: res.code, signal: res.signal, stdout: res.stdout, stderr: res.stderr, ms: res.ms, truncated: res.truncated };
  if (res.timedOut) {
    const after = timeoutMs ? ` after ${timeoutMs / 1000}s` : '';
    return { ...base, status: 'failed', timedOut: true, msg: `command timed out${after}` };
  }
  if (res.code === 0) return { ...base, status: 'changed' };
  if (res.signal) return { ...base, status: 'failed', msg: `killed by SIG${res.signal}` };
  if (res.code === null) {
    return { ...base, status: 'failed', msg: 'the command ended without an exit status (connection lost?); its outcome is unknown' };
  }
  return { ...base, status: 'failed', msg: `non-zero return code ${res.code}` };
}

/** Turns a connect or transport failure into the host's result. */
export function classifyError(host: string, command: string, err: unknown, timeoutMs?: number): HostResult {
  if (err instanceof HostUnreachableError) {
    const msg = err.message.startsWith(`${host}: unreachable (`) ? err.message.slice(err.message.indexOf('): ') + 3) : err.message;
    return { host, task: command, status: 'unreachable', phase: err.phase, msg };
  }
  if (err instanceof CommandTimeoutError) {
    return { host, task: command, status: 'failed', timedOut: true, msg: `command timed out after ${(timeoutMs ?? err.timeoutMs) / 1000}s` };
  }
  const reason = err instanceof Error ? err.message : String(err);
  return { host, task: command, status: 'failed', msg: reason };
}

export async function runFanout(request: FanoutRequest, ports: FanoutPorts, control: FanoutControl = {}): Promise<FanoutOutcome> {
  const { clock } = ports;
  const started = clock.now();
  const hosts = request.targets.map((t) => t.name);
  ports.emit({ type: 'run.start', runId: request.runId, command: request.command, hosts, forks: request.forks, at: new Date(started).toISOString() });

  const running = new Set<string>();
  const byHost = new Map<string, HostResult>();
  const stopTicking = clock.every(request.statusIntervalMs, () => {
    if (running.size > 0) ports.emit({ type: 'status', waitingOn: [...running], task: request.command, elapsedMs: clock.now() - started });
  });

  const finish = (result: HostResult): void => {
    byHost.set(result.host, result);
    ports.emit({ type: 'host.result', result });
  };

  const queue = new PQueue({ concurrency: Math.max(1, request.forks) });
  const jobs = request.targets.map((target) =>
    queue.add(async () => {
      if (control.stop?.aborted) return;
      running.add(target.name);
      try {
        finish(await runOnHost(target, request, ports, control));
      } finally {
        running.delete(target.name);
        await ports.release?.(target.name).catch(() => undefined);
      }
    }),
  );
  await Promise.all(jobs);
  stopTicking();

  const interrupted = control.stop?.aborted === true;
  const stats: RecapStats = {};
  const results: HostResult[] = [];
  for (const target of request.targets) {
    const result = byHost.get(target.name) ?? { host: target.name, task: request.command, status: 'skipped' as const, msg: 'not started: the run was interrupted' };
    if (!byHost.has(target.name)) finish(result);
    results.push(result);
    tally(stats, result);
  }
  ports.emit({ type: 'recap', stats });
  const exitCode = interrupted ? EXIT.INTERRUPTED : recapExitCode(stats);
  const ms = clock.now() - started;
  ports.emit({ type: 'run.end', exitCode, ms });
  return { results, stats, exitCode, interrupted, ms };
}

async function runOnHost(target: FanoutTarget, request: FanoutRequest, ports: FanoutPorts, control: FanoutControl): Promise<HostResult> {
  const { clock } = ports;
  const t0 = clock.now();
  const withTime = (r: HostResult): HostResult => ({ ...r, ms: r.ms ?? clock.now() - t0 });
  ports.emit({ type: 'host.connecting', host: target.name });
  let connection: Connection;
  try {
    connection = await ports.connect(target.spec);
  } catch (err) {
    return withTime(classifyError(target.name, request.command, err, request.timeoutMs));
  }
  const stream = (name: 'stdout' | 'stderr'): ((chunk: Buffer) => void) | undefined => {
    if (!request.streamOutput) return undefined;
    const decoder = new StringDecoder('utf8');
    return (chunk) => {
      const text = decoder.write(chunk);
      if (text) ports.emit({ type: 'host.output', host: target.name, stream: name, text });
    };
  };
  try {
    const res = await connection.exec(request.command, {
      timeoutMs: request.timeoutMs,
      become: request.become ? { enabled: true } : undefined,
      onStdout: stream('stdout'),
      onStderr: stream('stderr'),
      signal: control.abort,
    });
    const result = classifyExec(target.name, request.command, res, request.timeoutMs);
    if (control.abort?.aborted && result.status === 'failed') return { ...result, timedOut: false, msg: 'aborted by a second interrupt (Ctrl-C)' };
    return result;
  } catch (err) {
    return withTime(classifyError(target.name, request.command, err, request.timeoutMs));
  }
}
