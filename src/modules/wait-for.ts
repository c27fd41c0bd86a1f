/**
 * `wait_for`: polls a condition ON THE TARGET (a port as the host sees it, a file, a string in a file)
 * until it holds or `timeout` passes. Each probe is one short command; the waiting uses the injected clock
 * and honours the task's abort signal.
 */
import { optInt, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { pythonRegExp } from './lineinfile-edit.js';
import { readRemoteFile } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, path, int } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

export interface WaitSpec {
  host: string;
  port?: number;
  path?: string;
  state: 'started' | 'stopped' | 'present' | 'absent' | 'drained';
  searchRegex?: string;
  connectTimeout: number;
}

/** What the failure message says it waited for (Ansible's wording). Pure. */
export function describeWait(spec: WaitSpec): string {
  if (spec.path !== undefined) {
    if (spec.searchRegex !== undefined) return `search string ${spec.searchRegex} in ${spec.path}`;
    return spec.state === 'absent' || spec.state === 'stopped' ? `file ${spec.path} to be absent` : `file ${spec.path}`;
  }
  const where = `${spec.host}:${spec.port}`;
  if (spec.state === 'stopped') return `${where} to stop`;
  if (spec.state === 'drained') return `${where} to drain`;
  if (spec.searchRegex !== undefined) return `search string ${spec.searchRegex} on ${where}`;
  return where;
}

/**
 * sh for a TCP connect from the target; exit 0 when the port accepts. With `readSeconds`, it then prints what
 * the peer sends for up to that long (the caller stops it as soon as the pattern has arrived).
 */
export function portProbeScript(host: string, port: number, connectTimeout: number, readSeconds?: number): string {
  if (readSeconds === undefined) return `timeout ${connectTimeout} bash -c ${shellQuote(`exec 3<>/dev/tcp/${host}/${port}`)} 2>/dev/null`;
  const inner = `exec 3<>/dev/tcp/${host}/${port} || exit 1; timeout ${readSeconds} cat <&3; exit 0`;
  return `timeout ${connectTimeout} bash -c ${shellQuote(`exec 3<>/dev/tcp/${host}/${port}`)} 2>/dev/null || exit 1\nbash -c ${shellQuote(inner)} 2>/dev/null`;
}

const READ_LIMIT = 1024 * 1024;

interface Outcome {
  ok: boolean;
  groups?: string[];
  named?: Record<string, string>;
}

/**
 * Connects and reads until `regex` matches what has arrived (then ends the read at once: a peer that keeps the
 * connection open, like an SSH banner or a log stream, is not waited out) or the peer closes.
 */
async function readUntilMatch(ctx: ModuleContext, spec: WaitSpec, regex: RegExp, readSeconds: number): Promise<Outcome> {
  const stop = new AbortController();
  let seen = '';
  let match: RegExpExecArray | null = null;
  const onStdout = (chunk: Buffer): void => {
    if (match) return;
    seen = (seen + chunk.toString('utf8')).slice(-READ_LIMIT);
    match = regex.exec(seen);
    if (match) stop.abort();
  };
  try {
    await ctx.exec(portProbeScript(spec.host, spec.port!, spec.connectTimeout, readSeconds), { onStdout, signal: stop.signal });
  } catch (err) {
    if (!match) throw err;
  }
  const found = match as RegExpExecArray | null;
  return found ? { ok: true, groups: found.slice(1).map((g) => g ?? ''), named: { ...found.groups } } : { ok: false };
}

/** Established connections on a local port (for `drained`). */
export function drainedScript(port: number): string {
  return `ss -Htn state established '( sport = :${port} )' 2>/dev/null | wc -l`;
}

async function probe(ctx: ModuleContext, spec: WaitSpec, regex: RegExp | undefined, readSeconds: number): Promise<Outcome> {
  if (spec.path !== undefined) {
    const data = await readRemoteFile(ctx, spec.path).catch((err: unknown) => {
      if (err instanceof ModuleFailure) return undefined;
      throw err;
    });
    const wantAbsent = spec.state === 'absent' || spec.state === 'stopped';
    if (wantAbsent) return { ok: data === undefined };
    if (data === undefined) return { ok: false };
    if (!regex) return { ok: true };
    const m = regex.exec(data.toString('utf8'));
    return m ? { ok: true, groups: m.slice(1).map((g) => g ?? ''), named: { ...m.groups } } : { ok: false };
  }
  const port = spec.port!;
  if (spec.state === 'drained') {
    const r = await ctx.exec(drainedScript(port));
    return { ok: r.code === 0 && Number(r.stdout.trim()) === 0 };
  }
  if (regex && spec.state !== 'stopped') return readUntilMatch(ctx, spec, regex, readSeconds);
  const r = await ctx.exec(portProbeScript(spec.host, port, spec.connectTimeout));
  const open = r.code === 0;
  return { ok: spec.state === 'stopped' ? !open : open };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const port = optInt(ctx.args, 'port');
  const path = optString(ctx.args, 'path');
  const searchRegex = optString(ctx.args, 'search_regex');
  const spec: WaitSpec = {
    host: optString(ctx.args, 'host') ?? '127.0.0.1',
    state: (optString(ctx.args, 'state') ?? 'started') as WaitSpec['state'],
    connectTimeout: Math.max(1, optInt(ctx.args, 'connect_timeout') ?? 5),
    ...(port !== undefined ? { port } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(searchRegex !== undefined ? { searchRegex } : {}),
  };
  if (spec.port !== undefined && !/^[\w.:-]+$/.test(spec.host)) throw new ModuleFailure(`host "${spec.host}" is not a host name or address`);
  const timeoutS = optInt(ctx.args, 'timeout') ?? 300;
  const sleepS = Math.max(0, optInt(ctx.args, 'sleep') ?? 1);
  const delayS = optInt(ctx.args, 'delay') ?? 0;
  const start = ctx.clock.now();
  const elapsed = () => Math.round((ctx.clock.now() - start) / 1000);

  if (spec.port === undefined && spec.path === undefined) {
    // Neither port nor path: Ansible just sleeps for `timeout`.
    await ctx.clock.sleep(timeoutS * 1000, ctx.signal);
    return { changed: false, elapsed: elapsed() };
  }
  let regex: RegExp | undefined;
  try {
    regex = searchRegex !== undefined ? pythonRegExp(searchRegex) : undefined;
  } catch (err) {
    throw new ModuleFailure(`invalid search_regex: ${(err as Error).message}`);
  }
  if (delayS > 0) await ctx.clock.sleep(delayS * 1000, ctx.signal);
  const deadline = start + timeoutS * 1000;
  for (;;) {
    const outcome = await probe(ctx, spec, regex, Math.max(1, Math.ceil((deadline - ctx.clock.now()) / 1000)));
    if (outcome.ok) {
      const result: ModuleResult = { changed: false, elapsed: elapsed(), state: spec.state };
      if (spec.port !== undefined) result.port = spec.port;
      if (spec.path !== undefined) result.path = spec.path;
      if (outcome.groups) Object.assign(result, { match_groups: outcome.groups, match_groupdict: outcome.named ?? {}, search_regex: searchRegex });
      return result;
    }
    if (ctx.clock.now() >= deadline) {
      throw new ModuleFailure(optString(ctx.args, 'msg') ?? `Timeout when waiting for ${describeWait(spec)} (as seen from ${ctx.target}, ${timeoutS}s)`, { elapsed: elapsed() });
    }
    await ctx.clock.sleep(Math.min(sleepS * 1000, Math.max(0, deadline - ctx.clock.now())), ctx.signal);
  }
}

export const waitForSpec: ModuleSpec = {
  name: 'wait_for',
  args: {
    host: { type: 'str', default: '127.0.0.1' },
    port: int,
    path: path,
    state: { type: 'str', choices: ['absent', 'drained', 'present', 'started', 'stopped'], default: 'started' },
    timeout: { type: 'int', default: 300 },
    delay: { type: 'int', default: 0 },
    sleep: { type: 'int', default: 1 },
    connect_timeout: { type: 'int', default: 5 },
    search_regex: str,
    msg: str,
  },
  mutuallyExclusive: [['port', 'path']],
};

export const waitForModule: ModuleDefinition = defineModule(waitForSpec, { supportsCheck: true, run });
