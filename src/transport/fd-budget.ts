/**
 * File-descriptor budget: a fan-out that runs out of descriptors half way fails in confusing ways
 * (EMFILE on a socket, a log file that cannot open). Check the plan against the limit before the first
 * connection instead (parallel-ssh#311).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** Each live host costs its socket plus a little slack (a tunnelled host also holds a channel on its bastion). */
export const FDS_PER_HOST = 2;
/** Descriptors node, the log file, stdio and the known_hosts/key reads need whatever the fan-out does. */
export const FD_BASE_MARGIN = 64;

export interface OpenFileLimit {
  /** null means unlimited. */
  soft: number | null;
  hard: number | null;
}

/** Parses the "Max open files" row of `/proc/<pid>/limits`; null when the row is missing. */
export function parseOpenFileLimit(procLimits: string): OpenFileLimit | null {
  for (const line of procLimits.split('\n')) {
    const m = /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const toNumber = (s: string | undefined): number | null => (s === undefined || s === 'unlimited' ? null : Number(s));
    return { soft: toNumber(m[1]), hard: toNumber(m[2]) };
  }
  return null;
}

/** The limit for this process, or null where `/proc` does not tell (non-Linux): the check is then skipped. */
export function readOpenFileLimit(path = '/proc/self/limits'): OpenFileLimit | null {
  try {
    return parseOpenFileLimit(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

export interface FdPlan {
  /** Hosts connected at the same time (min(forks, hosts) for a fan-out that releases finished hosts). */
  concurrentHosts: number;
  /** Bastion connections held for the whole run. */
  bastions: number;
}

export function fdsNeeded(plan: FdPlan): number {
  return plan.concurrentHosts * FDS_PER_HOST + plan.bastions + FD_BASE_MARGIN;
}

/** Throws a ConfigError naming the numbers and the two ways out when the plan exceeds the soft limit. */
export function checkFdBudget(plan: FdPlan, limit: OpenFileLimit | null): void {
  if (!limit || limit.soft === null) return;
  const needed = fdsNeeded(plan);
  if (needed <= limit.soft) return;
  const perHost = FDS_PER_HOST;
  const maxForks = Math.max(1, Math.floor((limit.soft - FD_BASE_MARGIN - plan.bastions) / perHost));
  const raise =
    limit.hard === null || limit.hard >= needed
      ? `raise it with \`ulimit -n ${needed}\``
      : `the hard limit is ${limit.hard}, so raising it needs root (limits.conf or systemd LimitNOFILE=)`;
  throw new ConfigError(
    `${plan.concurrentHosts} concurrent hosts need about ${needed} open files but the limit (ulimit -n) is ` +
      `${limit.soft}: ${raise}, or lower --forks to ${maxForks} or less`,
  );
}
