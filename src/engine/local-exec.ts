/**
 * Commands on the controller (`delegate_to: localhost`), under the same contract as Connection.exec: a
 * non-zero exit is a result, a timeout or abort ends the process group and rejects with CommandTimeoutError,
 * output is capped to its tail. become runs through `sudo -S` with the password on stdin, never in argv.
 */
import { spawn } from 'node:child_process';
import { CommandTimeoutError } from '../errors.js';
import type { ExecOptions, ExecResult } from '../transport/types.js';
import { shellQuote } from '../util/shell.js';

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

class TailBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept > this.max && this.chunks.length > 1) this.kept -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return (all.length > this.max ? all.subarray(all.length - this.max) : all).toString('utf8');
  }
  get truncated(): boolean {
    return this.total > this.max;
  }
}

export function localExec(command: string, options: ExecOptions = {}, host = 'localhost'): Promise<ExecResult> {
  const started = Date.now();
  const env = { ...process.env, ...options.env };
  let line = command;
  let stdin = options.stdin;
  if (options.become?.enabled) {
    const user = options.become.user ?? 'root';
    const password = options.become.password;
    line = `sudo ${password ? '-S -p ""' : '-n'} -u ${shellQuote(user)} -- /bin/sh -c ${shellQuote(command)}`;
    if (password) stdin = Buffer.concat([Buffer.from(`${password}\n`), Buffer.from(stdin ?? '')]);
  }
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const out = new TailBuffer(max);
    const err = new TailBuffer(max);
    let timedOut = false;
    const kill = (): void => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = options.timeoutMs ? setTimeout(kill, options.timeoutMs) : undefined;
    options.signal?.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      options.onStdout?.(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      options.onStderr?.(c);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      if (timedOut) return reject(new CommandTimeoutError(host, command, options.timeoutMs ?? 0));
      resolve({
        code,
        signal: signal ? signal.replace(/^SIG/, '') : null,
        stdout: out.text(),
        stderr: err.text(),
        stdoutBytes: out.total,
        stderrBytes: err.total,
        truncated: out.truncated || err.truncated,
        timedOut: false,
        ms: Date.now() - started,
      });
    });
  });
}
