/**
 * What `--notify` posts: typed data about the run (its start, each failure, its end) plus a `text` field that a
 * Slack incoming webhook (and Mattermost, Rocket.Chat, Teams' Slack-compatible hooks) shows as the message.
 * Pure: built from the run's events and the outcome. The command is the journal's redacted one; every body
 * also passes `redactSecrets` and loses the secret values the run was given (`scrubValues`).
 */
import { REDACTED, SECRET_KEY, redactSecrets } from '../events/json-log.js';
import type { HostResult, RecapCounters, RecapStats, RunEvent } from '../events/events.js';
import { recapHostCounts } from '../journal/journal.js';
import { EXIT } from '../util/exit-codes.js';

export type NotifyKind = 'run.start' | 'run.failure' | 'run.end';

/** ok 0 · failed 2 · unreachable 4 · stopped 75 (the window closed) · interrupted 128+n · error anything else. */
export type NotifyOutcome = 'ok' | 'failed' | 'unreachable' | 'stopped' | 'interrupted' | 'error';

export interface NotifyFailure {
  /** Absent for a play that stopped as a whole. */
  host?: string;
  status: 'failed' | 'unreachable' | 'stopped';
  /** The task (or, for a stopped play, the play). */
  task: string;
  /** One line, at most REASON_MAX characters. */
  reason: string;
}

/** The run every payload describes. */
export interface NotifyRun {
  runId: string;
  /** The command line as the journal records it (secrets masked). */
  command: string;
  /** Who ran it: user@machine. */
  by: string;
  hosts: string[];
}

export interface NotifyPayload extends NotifyRun {
  kind: NotifyKind;
  /** 1, 2, 3… in the order sent: a receiver can tell a lost or reordered post. */
  seq: number;
  at: string;
  text: string;
  /** run.failure: what failed. */
  failure?: NotifyFailure;
  /** run.end: */
  outcome?: NotifyOutcome;
  exitCode?: number;
  /** run.end: hosts done and failed (or unreachable), and the task results summed over the hosts. */
  recap?: { hosts: { done: number; failed: number }; tasks: RecapCounters };
  /** run.end: every host that failed or was unreachable, with its first failure. */
  failedHosts?: NotifyFailure[];
  /** run.end of a run that ended on an error before or outside its tasks (a held lock, a journal failure). */
  error?: string;
}

export const REASON_MAX = 200;
const TEXT_HOSTS_MAX = 10;

/** The failure a host's result event stands for, or undefined (loop items are left to the task's own line). */
export function failureOf(event: RunEvent): NotifyFailure | undefined {
  if (event.type === 'play.stop') return { status: 'stopped', task: event.play, reason: shortReason(event.message || event.reason) };
  if (event.type !== 'task.result' && event.type !== 'host.result') return undefined;
  if (event.type === 'task.result' && event.item !== undefined) return undefined;
  const { result } = event;
  if (result.status !== 'failed' && result.status !== 'unreachable') return undefined;
  return { host: result.host, status: result.status, task: result.task, reason: resultReason(result) };
}

function resultReason(result: HostResult): string {
  const parts = [result.msg, result.phase ? `(${result.phase})` : undefined, result.msg === undefined && typeof result.rc === 'number' ? `rc ${result.rc}` : undefined];
  const text = parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' ');
  return shortReason(text || result.status);
}

/** One line, at most REASON_MAX characters. */
export function shortReason(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= REASON_MAX ? line : `${line.slice(0, REASON_MAX - 1)}…`;
}

export function outcomeOf(exitCode: number): NotifyOutcome {
  switch (exitCode) {
    case EXIT.OK:
      return 'ok';
    case EXIT.FAILED_HOSTS:
      return 'failed';
    case EXIT.UNREACHABLE_HOSTS:
      return 'unreachable';
    case EXIT.TEMPFAIL:
      return 'stopped';
    case EXIT.INTERRUPTED:
    case EXIT.HANGUP:
    case EXIT.TERMINATED:
      return 'interrupted';
    default:
      return 'error';
  }
}

function sumCounters(stats: RecapStats): RecapCounters {
  const total: RecapCounters = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
  for (const counters of Object.values(stats)) {
    for (const key of Object.keys(total) as (keyof RecapCounters)[]) total[key] += counters[key] ?? 0;
  }
  return total;
}

const label = (run: NotifyRun): string => `drydock run ${run.runId.slice(0, 8)}`;
const hostList = (hosts: readonly string[]): string =>
  hosts.length <= TEXT_HOSTS_MAX ? hosts.join(', ') : `${hosts.slice(0, TEXT_HOSTS_MAX).join(', ')} and ${hosts.length - TEXT_HOSTS_MAX} more`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function failureLine(f: NotifyFailure): string {
  if (f.status === 'stopped') return `play "${f.task}" stopped: ${f.reason}`;
  return `${f.host} ${f.status === 'unreachable' ? 'UNREACHABLE' : 'FAILED'} at "${f.task}": ${f.reason}`;
}

export function startPayload(run: NotifyRun, seq: number, at: string): NotifyPayload {
  const text = `${label(run)} started by ${run.by} on ${plural(run.hosts.length, 'host')}: \`${run.command}\``;
  return { kind: 'run.start', seq, at, ...run, text };
}

export function failurePayload(run: NotifyRun, seq: number, at: string, failure: NotifyFailure): NotifyPayload {
  return { kind: 'run.failure', seq, at, ...run, failure, text: `${label(run)}: ${failureLine(failure)}` };
}

export interface RunEnd {
  exitCode: number;
  stats?: RecapStats;
  failedHosts: NotifyFailure[];
  error?: string;
}

export function endPayload(run: NotifyRun, seq: number, at: string, end: RunEnd): NotifyPayload {
  const outcome = outcomeOf(end.exitCode);
  const recap = end.stats ? { hosts: recapHostCounts(end.stats), tasks: sumCounters(end.stats) } : undefined;
  const counts = recap ? ` — ${recap.hosts.done} done, ${recap.hosts.failed} failed` : '';
  const failed = end.failedHosts.length > 0 ? `; failed: ${hostList(end.failedHosts.map((f) => (f.host ? `${f.host} (${f.task})` : `play ${f.task}`)))}` : '';
  const error = end.error !== undefined ? `: ${shortReason(end.error)}` : '';
  const text = `${label(run)} ended ${outcome} (exit ${end.exitCode})${counts}${failed}${error}`;
  return {
    kind: 'run.end',
    seq,
    at,
    ...run,
    outcome,
    exitCode: end.exitCode,
    ...(recap ? { recap } : {}),
    failedHosts: end.failedHosts,
    ...(end.error !== undefined ? { error: shortReason(end.error) } : {}),
    text,
  };
}

/** The values under secret-looking keys of the run's variables (-e), as scrubValues takes them. */
export function secretValues(vars: Record<string, unknown>, seen = new WeakSet<object>()): string[] {
  if (seen.has(vars)) return [];
  seen.add(vars);
  const found: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    if (SECRET_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) found.push(String(value));
    else if (value !== null && typeof value === 'object') found.push(...secretValues(value as Record<string, unknown>, seen));
  }
  return found;
}

/** Shorter values would mask ordinary words: a secret this short is no secret. */
const MIN_SCRUBBED = 4;

/** The body as sent: redactSecrets, then every known secret value masked wherever it appears. */
export function payloadBody(payload: NotifyPayload, secrets: readonly string[]): string {
  let body = JSON.stringify(redactSecrets(payload));
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUBBED) continue;
    const quoted = JSON.stringify(secret).slice(1, -1);
    body = body.split(quoted).join(REDACTED);
  }
  return body;
}
