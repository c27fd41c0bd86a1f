/**
 * One remote command on one channel: wrapping, sudo, output capture, exit status, and timeouts that really
 * end the remote process.
 *
 * Every command runs as `exec sh -c '<wrapper>'`. The wrapper first prints its PID, tagged with a per-command
 * nonce, on stderr and then execs the command (through sudo when becoming). sshd starts each session in its
 * own session and process group, and the exec chain keeps that PID, so the PID is the process group of
 * everything the command starts. Closing a channel without a pty does not stop the remote process, so a
 * timeout or abort sends `kill -TERM -PGID` (then KILL after a grace period) over a second channel.
 * The wrapper's lines are removed from stderr; error messages show the caller's command, never the wrapper.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import { CommandTimeoutError, ConfigError, HostUnreachableError } from '../errors.js';
import { shellQuote } from '../util/shell.js';
import { BecomeError, classifyBecomeFailure, stripPromptMarker, wrapBecome } from './become.js';
import type { BecomeWrap } from './become.js';
import { OutputTail, StderrPreamble } from './exec-streams.js';
import { killScript } from './remote-kill.js';
import type { BecomeSpec, ExecOptions, ExecResult } from './types.js';

export { OutputTail, StderrPreamble } from './exec-streams.js';
export { killScript } from './remote-kill.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 2000;
/** How long to wait for the channel to close once the kill has run, before giving up on it. */
const CLOSE_AFTER_KILL_MS = 3000;

/** What exec needs of an SSH channel (ssh2's ClientChannel is one): stdout readable, stdin writable. */
export type ExecChannel = Duplex & { readonly stderr: Readable; close(): unknown };

/** The connection side: opens a session channel running `remoteCommand` (back-pressure handled there). */
export interface ExecHost {
  readonly name: string;
  readonly loginUser: string;
  openExecChannel(remoteCommand: string): Promise<ExecChannel>;
  /**
   * Called when a command starts being ended (timeout or abort) with a promise that settles once it is ended
   * on the host: the connection must not close before, or the kill (and its KILL after the grace period) dies
   * with it while the command lives on.
   */
  endingCommand?(ended: Promise<unknown>): void;
}

export interface RunContext {
  /** The connection's become settings; `ExecOptions.become` overrides them per command. */
  become: BecomeSpec;
  killGraceMs?: number;
}

/** A timeout that ended the remote command; `result` holds what the command printed until then. */
export class ExecTimeoutError extends CommandTimeoutError {
  constructor(
    host: string,
    command: string,
    timeoutMs: number,
    readonly result: ExecResult,
    stillRunning: boolean,
  ) {
    super(host, command, timeoutMs);
    if (stillRunning) this.message += ' (the remote command did not end after SIGKILL; it may still be running)';
  }
}

export interface CommandPlan {
  /** What the channel runs. */
  remote: string;
  pidTag: string;
  become?: BecomeWrap;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export K='v'; ` for each variable (servers refuse most SSH env requests, so they travel in the command). */
export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return '';
  const bad = Object.keys(env).filter((name) => !ENV_NAME.test(name));
  if (bad.length > 0) {
    throw new ConfigError(bad.map((name) => ({ message: `environment variable name "${name}" is not a valid shell name` })));
  }
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}; `)
    .join('');
}

/** The wrapped command line for `command` (pure: the nonce comes from the caller). */
export function planCommand(
  command: string,
  options: { env?: Record<string, string>; become?: BecomeSpec; nonce: string },
): CommandPlan {
  const body = envPrefix(options.env) + command;
  const pidTag = `DRYDOCK-PID-${options.nonce}`;
  const become = options.become?.enabled ? wrapBecome(body, options.become, options.nonce) : undefined;
  const inner = become ? become.command : `sh -c ${shellQuote(body)}`;
  const outer = `printf '%s %s\\n' ${pidTag} "$$" >&2; exec ${inner}`;
  return { remote: `exec sh -c ${shellQuote(outer)}`, pidTag, ...(become ? { become } : {}) };
}

/** ssh2 reports 'SIGTERM'; other servers send 'TERM'. drydock speaks 'TERM'. */
export function normaliseSignal(signal: string | null | undefined): string | null {
  return signal ? signal.replace(/^SIG/, '') : null;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function effectiveBecome(base: BecomeSpec, override: Partial<BecomeSpec> | undefined): BecomeSpec {
  return override ? { ...base, ...override } : base;
}

/**
 * Runs `command` on its own channel. Resolves with the result for any exit status or signal; rejects with
 * ExecTimeoutError (timeout), the abort reason (abort), BecomeError (sudo refused, command not run) or
 * HostUnreachableError 'lost' (the channel closed without an exit status: outcome unknown, never re-run).
 */
export async function runCommand(
  host: ExecHost,
  command: string,
  options: ExecOptions,
  context: RunContext,
): Promise<ExecResult> {
  const started = Date.now();
  const asked = effectiveBecome(context.become, options.become);
  // As Ansible: becoming the user already logged in runs no sudo (a host with no sudo, or one that asks a
  // password, still runs it).
  const become = asked.enabled && asked.user === host.loginUser ? { ...asked, enabled: false } : asked;
  const plan = planCommand(command, {
    ...(options.env ? { env: options.env } : {}),
    become,
    nonce: randomBytes(8).toString('hex'),
  });
  if (options.signal?.aborted) throw abortReason(options.signal);
  const channel = await host.openExecChannel(plan.remote);
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const graceMs = context.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

  return new Promise<ExecResult>((resolve, reject) => {
    const stdout = new OutputTail(limit);
    const stderr = new OutputTail(limit);
    let exit: { code: number | null; signal: string | null } | undefined;
    let pid: number | undefined;
    let ending: 'timeout' | 'abort' | undefined;
    let killing = false;
    let closed = false;
    let forcedClose = false;
    const timers: NodeJS.Timeout[] = [];
    let markClosed!: () => void;
    const channelClosed = new Promise<void>((resolve) => (markClosed = resolve));
    let killDone: Promise<unknown> = Promise.resolve();

    const writeUserStdin = (): void => {
      if (closed) return;
      if (options.stdin !== undefined && options.stdin.length > 0) channel.write(options.stdin);
      channel.end();
    };
    const preamble = new StderrPreamble(plan, {
      pid: (value) => {
        pid = value;
        if (ending) startKill();
      },
      prompt: () => {
        if (closed) return;
        // A second prompt means the password was wrong: end stdin so sudo gives up instead of reading the
        // caller's data as another password attempt.
        if (preamble.prompts === 1 && plan.become?.stdinPrefix) channel.write(plan.become.stdinPrefix);
        else channel.end();
      },
      success: () => {
        if (plan.become?.stdinPrefix) writeUserStdin();
      },
      output: (chunk) => {
        stderr.push(chunk);
        options.onStderr?.(chunk);
      },
    });

    const startKill = (): void => {
      if (killing || closed) return;
      killing = true;
      const killBecome: BecomeSpec = become.enabled ? become : { ...become, enabled: false };
      killDone = runCommand(host, killScript(pid!, graceMs), { become: killBecome }, { ...context, become: killBecome })
        .catch(() => undefined)
        .finally(() => timers.push(setTimeout(forceClose, CLOSE_AFTER_KILL_MS).unref()));
    };
    const forceClose = (): void => {
      if (closed) return;
      forcedClose = true;
      channel.close();
    };
    const end = (why: 'timeout' | 'abort'): void => {
      if (ending || closed) return;
      ending = why;
      // The kill starts below or when the PID line arrives, always before the channel closes.
      host.endingCommand?.(channelClosed.then(() => killDone));
      if (pid !== undefined) startKill();
      // The PID line never came (a login shell stuck before the wrapper ran): nothing to kill but the channel.
      else timers.push(setTimeout(forceClose, graceMs + CLOSE_AFTER_KILL_MS).unref());
    };
    const onAbort = (): void => end('abort');

    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => preamble.push(chunk));
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code: code ?? null, signal: normaliseSignal(signal) };
    });
    channel.on('error', () => undefined);
    channel.on('close', (code?: number | null, signal?: string) => {
      if (closed) return;
      closed = true;
      markClosed();
      if (!exit && (typeof code === 'number' || typeof signal === 'string')) {
        exit = { code: code ?? null, signal: normaliseSignal(signal) };
      }
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      preamble.flush();
      const result: ExecResult = {
        code: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: stripPromptMarker(stderr.text(), plan.become?.promptMarker),
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
        truncated: stdout.truncated || stderr.truncated,
        timedOut: ending === 'timeout',
        ms: Date.now() - started,
      };
      if (ending === 'timeout') {
        reject(new ExecTimeoutError(host.name, command, options.timeoutMs ?? 0, result, forcedClose));
      } else if (ending === 'abort') {
        reject(abortReason(options.signal!));
      } else if (!exit) {
        reject(
          new HostUnreachableError(
            host.name,
            'lost',
            `the connection was lost while running: ${command} (its outcome is unknown; it was not re-run)`,
          ),
        );
      } else if (plan.become && preamble.pidSeen && !preamble.successSeen) {
        const reason = classifyBecomeFailure(preamble.sudoOutput, preamble.prompts > 1);
        const sudoText = stripPromptMarker(preamble.sudoOutput, plan.become.promptMarker);
        reject(new BecomeError(host.name, command, result.code, reason, host.loginUser, become.user, sudoText));
      } else {
        resolve(result);
      }
    });

    if (!plan.become?.stdinPrefix) writeUserStdin();
    if (options.timeoutMs && options.timeoutMs > 0) timers.push(setTimeout(() => end('timeout'), options.timeoutMs));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
  });
}
