/**
 * Async jobs (`async:` / `poll:` on command and shell tasks, `async_status`): the job runs detached on the host
 * (setsid nohup, so it outlives the SSH channel that started it; `timeout -s KILL` ends it after `async`
 * seconds, as Ansible's async_wrapper does), writing its output and exit status beside each other in
 * ~/.ansible_async/<jid>.{out,err,rc} (the .rc file appears, by rename, only when the job has ended). Checking
 * a job is reading those files over the host's one connection.
 */
import { randomInt } from 'node:crypto';
import type { ExecResult } from '../transport/types.js';
import { shellQuote } from '../util/shell.js';

export const ASYNC_DIR = '$HOME/.ansible_async';

/** A job id in Ansible's shape (j<digits>.<digits>). */
export function newJobId(): string {
  return `j${randomInt(1e11, 1e12 - 1)}.${randomInt(1000, 99999)}`;
}

export function validJobId(jid: string): boolean {
  return /^j\d+\.\d+$/.test(jid);
}

/** Starts `command` detached as job `jid`, ended after `seconds`; prints the results file path. */
export function launchScript(jid: string, command: string, seconds: number): string {
  const job = 'timeout -s KILL "$1" sh -c "$2" >"$3.out" 2>"$3.err" </dev/null; echo $? >"$3.rc.tmp" && mv "$3.rc.tmp" "$3.rc"';
  return [
    `d="${ASYNC_DIR}"; mkdir -p "$d" || exit 1`,
    `f="$d/${jid}"; : >"$f.out" || exit 1`,
    `setsid nohup sh -c ${shellQuote(job)} drydock-async ${Math.max(1, Math.trunc(seconds))} ${shellQuote(command)} "$f" >/dev/null 2>&1 </dev/null &`,
    'echo "$f"',
  ].join('\n');
}

/** Prints "finished <rc>" then the output files (with separators), or "running", or "missing". */
export function statusScript(jid: string): string {
  return [
    `f="${ASYNC_DIR}/${jid}"`,
    'if [ -f "$f.rc" ]; then printf "finished %s\\n" "$(cat "$f.rc")"; cat "$f.out"; printf "\\n--drydock-async-stderr--\\n"; cat "$f.err";',
    'elif [ -f "$f.out" ]; then echo running; else echo missing; fi',
  ].join('\n');
}

export function cleanupScript(jid: string): string {
  return `rm -f "${ASYNC_DIR}/${jid}".out "${ASYNC_DIR}/${jid}".err "${ASYNC_DIR}/${jid}".rc`;
}

export type JobStatus = { state: 'running' } | { state: 'missing' } | { state: 'finished'; rc: number; stdout: string; stderr: string };

export function parseStatus(result: ExecResult): JobStatus {
  const text = result.stdout;
  if (text.startsWith('running')) return { state: 'running' };
  const m = /^finished (-?\d+)\n/.exec(text);
  if (!m) return { state: 'missing' };
  const rest = text.slice(m[0].length);
  const cut = rest.indexOf('\n--drydock-async-stderr--\n');
  const stdout = cut >= 0 ? rest.slice(0, cut) : rest;
  const stderr = cut >= 0 ? rest.slice(cut + '\n--drydock-async-stderr--\n'.length) : '';
  return { state: 'finished', rc: Number(m[1]), stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, '') };
}

/** The exit status `timeout -s KILL` gives a job it ended (128 + 9). */
export const KILLED_RC = 137;
