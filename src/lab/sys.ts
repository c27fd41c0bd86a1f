/**
 * The lab's one door to the machine's own programs (ip, mount, unshare, nsenter, debootstrap, ssh…): every
 * child process the lab starts goes through here, so the rest of the lab is plain logic over their output.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { constants } from 'node:os';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Raised when a machine command the lab depends on fails; carries what the admin needs to see. */
export class SystemCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    const status = result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`;
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
    super(`${argv.join(' ')}: ${status}${tail ? `\n${tail}` : ''}`);
    this.name = 'SystemCommandError';
  }
}

/** Runs a command to completion and returns its status and output; never throws for a non-zero status. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs a command and throws SystemCommandError unless it exits 0. */
export async function runChecked(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new SystemCommandError([command, ...args], result);
  return result;
}

/** Runs a command with the terminal handed over (for `lab ssh`); resolves with its exit status. */
export function runInteractive(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', reject);
    // A shell reports death by signal N as 128+N; do the same.
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}

/** Starts a long-lived child whose exit the caller watches (a lab host's init chain). */
export function spawnWatched(command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    const stdio: StdioOptions = ['ignore', log, log];
    return spawn(command, args, { stdio, env: env ?? process.env });
  } finally {
    closeSync(log);
  }
}

/**
 * Starts a daemon fully detached: own session, all three streams away from ours (an inherited stream would
 * keep an SSH channel or a test runner's pipe open), not waited for. Returns its pid.
 */
export function spawnDetached(command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', log, log], detached: true, env: env ?? process.env });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** True when a process with this pid exists (zombies included). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Looks a program up on PATH (plus the sbin folders a non-login root shell may lack). */
export async function findProgram(name: string): Promise<string | null> {
  const path = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;
  const result = await run('sh', ['-c', 'command -v "$1"', 'sh', name], { env: { ...process.env, PATH: path } });
  const found = result.stdout.trim();
  return result.code === 0 && found ? found : null;
}

/** The environment for machine commands: sbin folders on PATH, C locale so outputs parse the same everywhere. */
export function systemEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  return { ...process.env, PATH: path, LC_ALL: 'C', ...extra };
}

export const SIGRTMIN_PLUS_3 = 37;
