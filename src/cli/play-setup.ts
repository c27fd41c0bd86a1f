/**
 * The pieces of a playbook run that come from this machine: the controller's files and clock, the task
 * modules drydock ships, loading several playbooks as one run, and the connection budget.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../errors.js';
import type { EngineClock } from '../engine/types.js';
import { moduleRegistry } from '../modules/catalogue.js';
import type { ControllerFiles } from '../modules/types.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/model.js';
import { abortableSleep } from '../transport/abortable-sleep.js';
import { FD_BASE_MARGIN, FDS_PER_HOST, fdsNeeded, readOpenFileLimit } from '../transport/fd-budget.js';

export const nodeControllerFiles: ControllerFiles = {
  readFile: (path) => readFile(path),
  async writeFile(path, data, mode) {
    await writeFile(path, data, mode !== undefined ? { mode } : {});
  },
  async exists(path) {
    return stat(path).then(
      () => true,
      () => false,
    );
  },
  async mkdirp(path) {
    await mkdir(path, { recursive: true });
  },
};

export const systemEngineClock: EngineClock = {
  now: () => Date.now(),
  sleep: abortableSleep,
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Loads and checks playbooks against every module in the catalogue (all problems of all files at once). */
export function loadCataloguePlaybooks(paths: readonly string[]): Promise<Playbook[]> {
  const registry = moduleRegistry();
  return loadPlaybooks(paths, (path) => loadPlaybook(path, { moduleRegistry: registry }));
}

export async function loadPlaybooks(paths: readonly string[], load: (path: string) => Promise<Playbook>): Promise<Playbook[]> {
  if (paths.length === 0) throw new UsageError('no playbook given');
  // Every playbook is checked before any host is contacted; all problems are reported together.
  const settled = await Promise.allSettled(paths.map(load));
  const issues = settled.flatMap((s) => (s.status === 'rejected' && s.reason instanceof ConfigError ? s.reason.issues : []));
  const other = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof ConfigError));
  if (other) throw other.reason;
  if (issues.length > 0) throw new ConfigError(issues);
  return settled.map((s) => (s as PromiseFulfilledResult<Playbook>).value);
}

/**
 * How many host connections fit in the open-file limit. The engine keeps one per host for the run while
 * they fit; past that it closes idle ones and reconnects when needed, which is slower, so say so.
 */
export function connectionBudget(hosts: number, bastions: number, warn: (message: string) => void): number | undefined {
  const limit = readOpenFileLimit();
  if (!limit || limit.soft === null) return undefined;
  const fit = Math.max(1, Math.floor((limit.soft - FD_BASE_MARGIN - bastions) / FDS_PER_HOST));
  if (fit < hosts) {
    warn(`${hosts} hosts but the open-file limit (ulimit -n ${limit.soft}) allows about ${fit} connections at once: idle hosts will reconnect when needed; raise it with \`ulimit -n ${fdsNeeded({ concurrentHosts: hosts, bastions })}\` to keep one connection per host`);
  }
  return fit;
}
