/**
 * Rolling-update arithmetic, exactly as Ansible does it (playbook_executor._get_serialized_batches and
 * utils/helpers.pct_to_int), plus host ordering (`order:`) and the rules that stop a play between batches.
 * Pure: the engine feeds in host names and counts.
 */
import { ConfigError } from '../errors.js';

export type SerialItem = number | string;
export type SerialSpec = SerialItem | SerialItem[] | null | undefined;

export type HostOrder = 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
export const HOST_ORDERS: readonly HostOrder[] = ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'];

/** Why a serial value is unusable, or undefined if Ansible would accept it. */
export function serialItemProblem(item: unknown): string | undefined {
  if (typeof item === 'number') return Number.isFinite(item) ? undefined : 'serial must be a finite number';
  if (typeof item === 'string') {
    const text = item.trim();
    if (/^[+-]?\d+%$/.test(text) || /^[+-]?\d+$/.test(text)) return undefined;
    return `serial value '${item}' is neither a host count (5) nor a percentage ("30%")`;
  }
  return `serial value must be a number, a "N%" string or a list of them, not ${item === null ? 'null' : typeof item}`;
}

/** pct_to_int: "N%" is N% of the play's total host count, truncated, at least 1; a plain value is int(). */
export function serialItemToCount(item: SerialItem, totalHosts: number): number {
  const problem = serialItemProblem(item);
  if (problem) throw new ConfigError(problem);
  if (typeof item === 'string' && item.trim().endsWith('%')) {
    const pct = Number.parseInt(item.trim().slice(0, -1), 10);
    // Same float arithmetic as Python's int((pct / 100.0) * n) or 1, so 29% of 100 is 28 in both.
    return Math.trunc((pct / 100) * totalHosts) || 1;
  }
  return Math.trunc(Number(item));
}

/**
 * Splits the play's ordered hosts into batches. Each list entry is used once and the last one repeats;
 * a size <= 0 takes every remaining host. An empty/absent serial is one batch of all hosts.
 */
export function serialBatches(hosts: readonly string[], serial: SerialSpec): string[][] {
  const items: SerialItem[] = serial === null || serial === undefined ? [] : Array.isArray(serial) ? serial : [serial];
  const ramp: SerialItem[] = items.length ? items : [-1];
  const remaining = [...hosts];
  const batches: string[][] = [];
  let index = 0;
  while (remaining.length > 0) {
    const size = serialItemToCount(ramp[index]!, hosts.length);
    if (size <= 0) {
      batches.push(remaining.splice(0));
      break;
    }
    batches.push(remaining.splice(0, size));
    index = Math.min(index + 1, ramp.length - 1);
  }
  return batches;
}

/** A small, well-distributed PRNG (mulberry32), so `order: shuffle` with a seed is reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedNumber(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Orders the play's hosts. `shuffle` without a seed is random; with a seed, the same seed gives the same order. */
export function orderHosts(hosts: readonly string[], order: HostOrder = 'inventory', seed?: number | string): string[] {
  const list = [...hosts];
  switch (order) {
    case 'inventory':
      return list;
    case 'reverse_inventory':
      return list.reverse();
    case 'sorted':
      return list.sort(byCodePoint);
    case 'reverse_sorted':
      return list.sort(byCodePoint).reverse();
    case 'shuffle': {
      const random = seed === undefined ? Math.random : mulberry32(seedNumber(seed));
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    }
  }
  throw new ConfigError(`unknown host order '${String(order)}' (expected one of ${HOST_ORDERS.join(', ')})`);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface BatchOutcome {
  batchSize: number;
  /** Hosts of this batch that failed a task (not counting unreachable ones). */
  failed: number;
  /** Hosts of this batch that became unreachable. */
  unreachable: number;
  /** The play's max_fail_percentage, if set. */
  maxFailPercentage?: number;
  anyErrorsFatal?: boolean;
  /**
   * Whether unreachable hosts count towards max_fail_percentage. Default true: during node maintenance a
   * node that stops answering is as alarming as one that fails. Ansible excludes them (false).
   */
  countUnreachable?: boolean;
}

export type StopReason = 'max_fail_percentage' | 'any_errors_fatal' | 'whole_batch_failed';
export type BatchVerdict = { stop: false } | { stop: true; reason: StopReason; message: string };

/** Decides whether the play (and the run) must stop instead of starting the next batch. */
export function shouldStopAfterBatch(outcome: BatchOutcome): BatchVerdict {
  const { batchSize, failed, unreachable } = outcome;
  const bad = failed + unreachable;
  if (outcome.anyErrorsFatal && bad > 0) {
    return { stop: true, reason: 'any_errors_fatal', message: `any_errors_fatal: ${bad} host(s) failed or unreachable in this batch` };
  }
  if (outcome.maxFailPercentage !== undefined && batchSize > 0) {
    const counted = (outcome.countUnreachable ?? true) ? bad : failed;
    if (counted / batchSize > outcome.maxFailPercentage / 100) {
      const share = Math.round((counted / batchSize) * 1000) / 10;
      return {
        stop: true,
        reason: 'max_fail_percentage',
        message: `${counted} of ${batchSize} hosts failed (${share}%), more than max_fail_percentage ${outcome.maxFailPercentage}%`,
      };
    }
  }
  if (batchSize > 0 && bad >= batchSize) {
    return { stop: true, reason: 'whole_batch_failed', message: `all ${batchSize} host(s) of the batch failed or were unreachable` };
  }
  return { stop: false };
}
