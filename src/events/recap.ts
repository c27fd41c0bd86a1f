/**
 * PLAY RECAP, byte-compatible with Ansible's uncoloured default callback (`v2_playbook_on_stats`): a banner
 * padded with stars to 80 columns, hosts sorted by name, the name padded to 26, each counter as "%s=%-4s".
 * Also the tally rules and the exit code the recap implies.
 */
import { EXIT } from '../util/exit-codes.js';
import type { HostResult, HostStatus, RecapCounters, RecapStats } from './events.js';

/** Counter order and labels as Ansible prints them. */
export const RECAP_COUNTERS: readonly HostStatus[] = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

export function emptyCounters(): RecapCounters {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/**
 * Adds one result to the stats, as Ansible's `StrategyBase._process_pending_results` does: a changed result
 * also counts as ok, and so does an ignored failure (`ok` and `ignored` are both incremented). A failure inside
 * a block that is being rescued increments `rescued` instead of `failures` and nothing else, so it is not ok;
 * failed, unreachable and skipped count only themselves.
 */
export function tally(stats: RecapStats, result: HostResult): void {
  countStatus(stats, result.host, result.status);
}

/**
 * `tally` for a status already decided (the engine counts a task's final status, not each raw result). As
 * Ansible 2.14's StrategyBase: an ignored failure whose result says changed also counts as changed.
 */
export function countStatus(stats: RecapStats, host: string, status: HostStatus, changed = false): void {
  const counters = (stats[host] ??= emptyCounters());
  counters[status] += 1;
  if (status === 'changed' || status === 'ignored') counters.ok += 1;
  if (status === 'ignored' && changed) counters.changed += 1;
}

/**
 * Ansible's verdict (`StrategyBase.run`): any unreachable host gives 4 even when others failed, then any
 * failed host gives 2, else 0.
 */
export function recapExitCode(stats: RecapStats): number {
  const all = Object.values(stats);
  if (all.some((c) => c.unreachable > 0)) return EXIT.UNREACHABLE_HOSTS;
  if (all.some((c) => c.failed > 0)) return EXIT.FAILED_HOSTS;
  return EXIT.OK;
}

/** Ansible's palette, for every renderer. */
export const ANSI = {
  green: '\x1b[0;32m',
  yellow: '\x1b[0;33m',
  red: '\x1b[0;31m',
  brightRed: '\x1b[1;31m',
  cyan: '\x1b[0;36m',
  purple: '\x1b[1;35m',
  reset: '\x1b[0m',
} as const;

const COUNTER_COLOR: Record<HostStatus, string> = {
  ok: ANSI.green,
  changed: ANSI.yellow,
  unreachable: ANSI.brightRed,
  failed: ANSI.red,
  skipped: ANSI.cyan,
  rescued: ANSI.green,
  ignored: ANSI.purple,
};

export function paint(text: string, color: string, enabled: boolean): string {
  return enabled ? `${color}${text}${ANSI.reset}` : text;
}

/** Ansible's banner: message, a space, stars up to 79 columns (at least 3). */
export function banner(message: string, columns = 79): string {
  const text = message.trim();
  return `${text} ${'*'.repeat(Math.max(3, columns - text.length))}`;
}

function hostColor(counters: RecapCounters): string {
  if (counters.failed > 0 || counters.unreachable > 0) return ANSI.red;
  if (counters.changed > 0) return ANSI.yellow;
  return ANSI.green;
}

/** One recap line. Coloured names pad to 37 as Ansible does (the escape codes count in its width). */
export function formatRecapLine(host: string, counters: RecapCounters, color = false): string {
  const name = color ? paint(host, hostColor(counters), true).padEnd(37) : host.padEnd(26);
  const fields = RECAP_COUNTERS.map((key) => {
    const text = `${key}=${String(counters[key]).padEnd(4)}`;
    return counters[key] !== 0 ? paint(text, COUNTER_COLOR[key], color) : text;
  });
  return `${name} : ${fields.join(' ')}`;
}

/** The whole block: blank line, banner, one line per host sorted by name, blank line. */
export function formatRecap(stats: RecapStats, color = false): string {
  const hosts = Object.keys(stats).sort();
  const lines = hosts.map((h) => formatRecapLine(h, stats[h]!, color));
  return `\n${banner('PLAY RECAP')}\n${lines.join('\n')}\n\n`;
}
