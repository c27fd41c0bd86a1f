/**
 * What every command that contacts hosts sets up the same way: the live planning ports, the event bus with
 * its optional JSON log, colour, the status line cadence and the SSH connection pool.
 */
import { existsSync } from 'node:fs';
import { attachEventLog } from '../events/json-log.js';
import type { EventBus } from '../events/events.js';
import type { JsonLinesLog } from '../events/logger.js';
import type { TextOutput } from '../events/tty.js';
import { applyLimit, hostVars, loadInventory, resolvePattern } from '../inventory/index.js';
import { createLiveOpener } from '../run/live-opener.js';
import type { HostPlanRequest, RunPlanPorts } from '../run/plan.js';
import { readOpenFileLimit } from '../transport/fd-budget.js';
import { SshConnectionPool } from '../transport/pool.js';
import { resolveConnectionSpec } from '../transport/resolve.js';
import { loadSshConfig } from '../transport/ssh-config.js';
import { connectionOverrides, requireInventory, type SharedOptions } from './options.js';

/** Status line cadence: redrawn every second on a terminal, a plain line every 10 s elsewhere. */
const STATUS_INTERVAL_TTY_MS = 1000;
const STATUS_INTERVAL_PLAIN_MS = 10_000;

export const livePlanPorts: RunPlanPorts = {
  loadInventory: (sources, options) => loadInventory(sources, options),
  resolvePattern,
  applyLimit,
  hostVars: (inv, host, extra) => hostVars(inv, host, extra),
  loadSshConfig: (file) => loadSshConfig(file),
  resolveSpec: resolveConnectionSpec,
  fileExists: existsSync,
  openFileLimit: () => readOpenFileLimit(),
};

/** The planning request the shared target and connection options ask for (-i, -l, -e, -f, -F, -u, ...). */
export function hostPlanRequest(options: SharedOptions): HostPlanRequest {
  return {
    inventory: requireInventory(options),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.allowUnmatched ? { allowUnmatched: true } : {}),
    extraVars: options.extraVars ?? {},
    forks: options.forks,
    ...(options.sshConfig !== undefined ? { sshConfigFile: options.sshConfig } : {}),
    cli: connectionOverrides(options),
  };
}

export function statusIntervalMs(out: TextOutput): number {
  return out.isTTY ? STATUS_INTERVAL_TTY_MS : STATUS_INTERVAL_PLAIN_MS;
}

/** NO_COLOR wins, then FORCE_COLOR, else colour only on a terminal. */
export function wantsColor(out: TextOutput): boolean {
  if (process.env['NO_COLOR']) return false;
  if (process.env['FORCE_COLOR'] && process.env['FORCE_COLOR'] !== '0') return true;
  return out.isTTY === true;
}

/** Writes every event of the bus to `file` as JSON lines; undefined when no log was asked for. */
export async function openRunLog(bus: EventBus, file: string | undefined, runId: string): Promise<JsonLinesLog | undefined> {
  if (!file) return undefined;
  // winston costs ~90 ms of startup; load it only when a log is asked for.
  const { openJsonLinesLog } = await import('../events/logger.js');
  const log = openJsonLinesLog(file, { runId });
  attachEventLog(bus, log);
  return log;
}

/** Flushes the log; a log that could not be written completely is a warning, not a failed run. */
export async function closeRunLog(log: JsonLinesLog | undefined, stderr: TextOutput): Promise<void> {
  if (!log) return;
  const failure = await log.close();
  if (failure) stderr.write(`drydock: warning: the log file could not be written completely: ${failure.message}\n`);
}

/** The pool every host connection of the run goes through; `abort` ends handshakes in flight. */
export function livePool(bus: EventBus, abort: AbortSignal): SshConnectionPool {
  return new SshConnectionPool({ open: createLiveOpener({ onWarning: (message) => bus.emit({ type: 'warning', message }) }), signal: abort });
}
