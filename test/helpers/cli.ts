/**
 * Runs the real drydock CLI in a child process, as a user would, and collects its output. It starts through
 * bin/drydock.js, as the installed command does: dist/ when it is newer than src/ (npm test builds it first;
 * a third of tsx's start-up per call, which adds up over hundreds of calls), else the sources through tsx.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunDrydockOptions {
  env?: Record<string, string>;
  /** DRYDOCK_STATE_DIR for the run, so its journal lands in the test's folder, not the user's. */
  stateDir?: string;
  /**
   * Sends one SIGINT (a Ctrl-C) once this holds: text is looked for in stdout as it arrives; a function is
   * polled every 100 ms (for conditions outside the CLI's output, such as processes running on the hosts).
   */
  interruptWhen?: string | (() => boolean);
  /**
   * Hands the test the one-SIGINT function, to call at the exact moment it chooses (e.g. from the API
   * simulator's change listener, while the CLI waits for that request's answer: no polling race).
   */
  interruptOn?: (interrupt: () => void) => void;
}

const INTERRUPT_POLL_MS = 100;

export function runDrydock(args: string[], options: RunDrydockOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['bin/drydock.js', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...(options.stateDir ? { DRYDOCK_STATE_DIR: options.stateDir } : {}), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    const { interruptWhen } = options;
    let interrupted = false;
    let poll: NodeJS.Timeout | undefined;
    const interrupt = (): void => {
      if (interrupted) return;
      interrupted = true;
      clearInterval(poll);
      child.kill('SIGINT');
    };
    options.interruptOn?.(interrupt);
    if (typeof interruptWhen === 'function') {
      poll = setInterval(() => {
        if (interruptWhen()) interrupt();
      }, INTERRUPT_POLL_MS);
    }
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (typeof interruptWhen === 'string' && stdout.includes(interruptWhen)) interrupt();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err) => {
      clearInterval(poll);
      fail(err);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stdout, stderr });
    });
  });
}
