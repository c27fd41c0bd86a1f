/**
 * Result shapes: the registered result (Ansible's keys: changed, failed, rc, stdout, stderr, stdout_lines,
 * stderr_lines, msg, skipped, attempts, results[] for loops), the HostResult the events carry, the no_log
 * censoring and what a result line shows after "=>".
 */
import { CommandTimeoutError, HostUnreachableError, RemoteCommandError } from '../errors.js';
import type { HostResult, HostStatus } from '../events/events.js';
import type { ModuleResult } from '../modules/types.js';

export type RawStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** Internal keys of a result that never reach the registered variable. */
const INTERNAL = new Set(['facts', 'ansible_facts', 'drydock_classic_facts']);

export function splitOutputLines(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A module's result as `register:` stores it. */
export function registeredShape(result: ModuleResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) if (!INTERNAL.has(key) && value !== undefined) out[key] = value;
  out['changed'] = result.changed === true;
  out['failed'] = result.failed === true;
  if (typeof result.stdout === 'string' && out['stdout_lines'] === undefined) out['stdout_lines'] = splitOutputLines(result.stdout);
  if (typeof result.stderr === 'string' && out['stderr_lines'] === undefined) out['stderr_lines'] = splitOutputLines(result.stderr);
  return out;
}

export function statusOf(result: Record<string, unknown>): RawStatus {
  if (result['unreachable'] === true) return 'unreachable';
  if (result['failed'] === true) return 'failed';
  if (result['skipped'] === true) return 'skipped';
  return result['changed'] === true ? 'changed' : 'ok';
}

/** A thrown error during a module run, as a result: transport trouble is unreachable, the rest a failure. */
export function errorResult(err: unknown, timeoutSeconds?: number): Record<string, unknown> {
  if (err instanceof HostUnreachableError) {
    return { changed: false, unreachable: true, msg: err.message, phase: err.phase };
  }
  if (err instanceof CommandTimeoutError || err instanceof TaskTimeoutError) {
    const seconds = timeoutSeconds ?? (err instanceof CommandTimeoutError ? err.timeoutMs / 1000 : undefined);
    return { changed: false, failed: true, timedOut: true, msg: `The task exceeded its timeout of ${seconds ?? '?'} seconds` };
  }
  if (err instanceof RemoteCommandError) return { changed: false, failed: true, rc: err.exitCode, msg: err.message, stderr: err.stderrTail };
  return { changed: false, failed: true, msg: err instanceof Error ? err.message : String(err) };
}

export class TaskTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`task timed out after ${seconds}s`);
    this.name = 'TaskTimeoutError';
  }
}

/** A loop task's registered result. */
export function loopShape(items: Record<string, unknown>[]): Record<string, unknown> {
  const failed = items.some((r) => r['failed'] === true || r['unreachable'] === true);
  const out: Record<string, unknown> = {
    changed: items.some((r) => r['changed'] === true),
    failed,
    msg: failed ? 'One or more items failed' : 'All items completed',
    results: items,
  };
  if (items.some((r) => r['unreachable'] === true)) out['unreachable'] = true;
  if (items.length === 0 || items.every((r) => r['skipped'] === true)) {
    out['skipped'] = true;
    if (items.length === 0) out['msg'] = 'No items in the list';
  }
  return out;
}

export function censored(result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { censored: NO_LOG_MESSAGE, changed: result['changed'] === true };
  if (result['failed'] === true) out['failed'] = true;
  if (result['skipped'] === true) out['skipped'] = true;
  if (result['unreachable'] === true) out['unreachable'] = true;
  return out;
}

/** The event/report form of one result. */
export function toHostResult(host: string, task: string, status: HostStatus, result: Record<string, unknown>, ms: number): HostResult {
  const hr: HostResult = { host, task, status, ms, data: result };
  if (typeof result['rc'] === 'number' || result['rc'] === null) hr.rc = result['rc'] as number | null;
  if (typeof result['stdout'] === 'string') hr.stdout = result['stdout'];
  if (typeof result['stderr'] === 'string') hr.stderr = result['stderr'];
  const msg = result['msg'] ?? result['censored'];
  if (msg !== undefined) hr.msg = typeof msg === 'string' ? msg : JSON.stringify(msg);
  if (typeof result['phase'] === 'string') hr.phase = result['phase'];
  if (result['timedOut'] === true) hr.timedOut = true;
  return hr;
}

/** What follows "=>" on a result line: failures show their reason (stderr tail included), debug its output. */
export function shownFields(result: Record<string, unknown>, status: RawStatus, module: string, stderrTailLines = 20): Record<string, unknown> | undefined {
  if (result['censored'] !== undefined) return status === 'ok' || status === 'changed' || status === 'skipped' ? undefined : { censored: result['censored'] };
  if (status === 'failed' || status === 'unreachable') {
    const show: Record<string, unknown> = { changed: result['changed'] === true };
    for (const key of ['msg', 'rc', 'cmd', 'timedOut', 'phase']) if (result[key] !== undefined) show[key] = result[key];
    const stderr = result['stderr'];
    if (typeof stderr === 'string' && stderr !== '') show['stderr'] = stderr.replace(/\n+$/, '').split('\n').slice(-stderrTailLines).join('\n');
    const stdout = result['stdout'];
    if (typeof stdout === 'string' && stdout !== '' && show['stderr'] === undefined) show['stdout'] = stdout.replace(/\n+$/, '').split('\n').slice(-stderrTailLines).join('\n');
    return show;
  }
  if (module === 'debug') {
    const show: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(result)) if (key !== 'changed' && key !== 'failed') show[key] = value;
    return show;
  }
  if (status === 'skipped' && typeof result['msg'] === 'string' && result['msg'].includes('check mode')) return { msg: result['msg'] };
  return undefined;
}
