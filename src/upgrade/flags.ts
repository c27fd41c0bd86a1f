/**
 * The upgrade's own flags, checked before anything is read, and how they reach the shipped playbooks: as
 * the -e variables those playbooks document (kube_target_version, worker_batch_size, worker_max_fail, ...).
 * Pure; the commander parsers wrap these and report problems naming the flag.
 */
import { UsageError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { serialItemProblem, type SerialItem } from '../playbook/batches.js';
import { tryParseKubeVersion, formatKubeVersion } from '../policy/kube-version.js';

export type UpgradeScope = 'cluster' | 'control-plane' | 'workers';

export interface UpgradeFlags {
  /** The target as given (`1.29.4` or `v1.29.4`). */
  to: string;
  scope: UpgradeScope;
  /** --batch: workers per batch after the canary ("N" or "N%"). */
  batch?: SerialItem;
  /** --max-fail: the share of a worker batch that may fail before the upgrade stops (default 0). */
  maxFail?: number;
  /** --drain-timeout in seconds. */
  drainTimeout?: number;
  /** --backup-max-age in ms: accept a verified snapshot this young instead of taking one in the run. */
  backupMaxAgeMs?: number;
  check: boolean;
}

/** `1.29.4` / `v1.29.4` → `1.29.4`; anything else is a UsageError naming --to. */
export function normalizeTarget(text: string): string {
  const trimmed = text.trim();
  const parsed = /^v?\d+\.\d+\.\d+$/.test(trimmed) ? tryParseKubeVersion(trimmed) : null;
  if (!parsed) throw new UsageError(`--to takes a full Kubernetes version such as 1.29.4, not "${text}"`);
  return formatKubeVersion(parsed);
}

/** `--batch 3` or `--batch 25%`: a positive host count or a percentage from 1 to 100. */
export function parseBatchSize(text: string): SerialItem {
  const value = text.trim();
  const pct = /^(\d+)%$/.exec(value);
  if (pct) {
    const n = Number(pct[1]);
    if (n >= 1 && n <= 100) return `${n}%`;
  } else if (/^\d+$/.test(value) && Number(value) >= 1 && serialItemProblem(Number(value)) === undefined) {
    return Number(value);
  }
  throw new UsageError(`--batch takes a number of workers (3) or a percentage of them (25%), at least 1, not "${text}"`);
}

/** `--max-fail 10` (or `10%`): 0..100. */
export function parseMaxFail(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const n = match ? Number(match[1]) : Number.NaN;
  if (!(n >= 0 && n <= 100)) throw new UsageError(`--max-fail takes a percentage from 0 to 100, not "${text}"`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `6h`, `2d`, `1h30m`: a duration in ms, above zero. */
export function parseDuration(text: string, flag = '--backup-max-age'): number {
  const value = text.trim();
  const parts = [...value.matchAll(/(\d+)([smhd])/g)];
  const consumed = parts.map((p) => p[0]).join('');
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  if (parts.length === 0 || consumed !== value || ms <= 0) {
    throw new UsageError(`${flag} takes a duration such as 90s, 30m, 6h, 2d or 1h30m, not "${text}"`);
  }
  return ms;
}

/** `6h`, `1h30m`, `45s`: the largest units first, for messages. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const out: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out.push(`${n}${unit}`);
    rest -= n * size;
  }
  return out.slice(0, 2).join('') || '0s';
}

/** Variables the flags set; the same names work as -e for `drydock play playbooks/upgrade-*.yaml`. */
export function upgradeVars(flags: UpgradeFlags): Vars {
  return {
    kube_target_version: normalizeTarget(flags.to),
    ...(flags.batch !== undefined ? { worker_batch_size: flags.batch } : {}),
    ...(flags.maxFail !== undefined ? { worker_max_fail: flags.maxFail } : {}),
    ...(flags.drainTimeout !== undefined ? { drain_timeout: flags.drainTimeout } : {}),
  };
}

/**
 * The run's -e: the user's, with the flags' on top. An -e that contradicts a flag is refused rather than
 * silently overridden: the plan shown must be the run that happens.
 */
export function mergeUpgradeVars(userVars: Vars, flags: UpgradeFlags): Vars {
  const fromFlags = upgradeVars(flags);
  const flagOf: Record<string, string> = { kube_target_version: '--to', worker_batch_size: '--batch', worker_max_fail: '--max-fail', drain_timeout: '--drain-timeout' };
  for (const [name, value] of Object.entries(fromFlags)) {
    if (!Object.hasOwn(userVars, name)) continue;
    const given = String(userVars[name]).trim().replace(/^v(?=\d)/, '');
    if (given !== String(value)) throw new UsageError(`-e ${name}=${String(userVars[name])} contradicts ${flagOf[name]} ${String(value)}; give one of them`);
  }
  return { ...userVars, ...fromFlags };
}

/** The playbooks of the run, in order, for the scope and backup rule. */
export function upgradePlaybooks(scope: UpgradeScope, freshBackup: boolean): Array<'etcd-backup' | 'upgrade-control-plane' | 'upgrade-workers'> {
  return [
    ...(freshBackup ? (['etcd-backup'] as const) : []),
    ...(scope !== 'workers' ? (['upgrade-control-plane'] as const) : []),
    ...(scope !== 'control-plane' ? (['upgrade-workers'] as const) : []),
  ];
}
