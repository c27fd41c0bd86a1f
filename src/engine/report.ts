/**
 * What a playbook run produced, for people and machines: the recap counters (Ansible's rules), every
 * host × task result with timings (`--report FILE` / `--json`), and the retry file.
 */
import type { HostResult, RecapStats } from '../events/events.js';

/** The recap counters follow Ansible's rules, kept in one place for `run` and `play` (events/recap.ts). */
export { countStatus as countResult } from '../events/recap.js';

export interface TaskReport {
  play: string;
  /** 1-based batch number. */
  batch: number;
  task: string;
  handler: boolean;
  module: string;
  file?: string;
  line?: number;
  startedAt: string;
  ms: number;
  results: HostResult[];
}

export interface PlayReport {
  name: string;
  hosts: string[];
  batches: string[][];
  tasks: TaskReport[];
}

export interface PlaybookReport {
  runId: string;
  playbook: string;
  check: boolean;
  startedAt: string;
  ms: number;
  exitCode: number;
  interrupted: boolean;
  /** Why the run ended early (max_fail_percentage, any_errors_fatal, whole batch failed). */
  stopped?: { play: string; reason: string; message: string };
  stats: RecapStats;
  failedHosts: string[];
  unreachableHosts: string[];
  plays: PlayReport[];
}

const DUPLICATED = new Set(['stdout', 'stderr', 'stdout_lines', 'stderr_lines', 'rc', 'msg']);

/** A result for the report: stdout/stderr/rc/msg once (top level), not again inside `data` and its *_lines. */
export function reportResult(result: HostResult): HostResult {
  if (!result.data) return result;
  const data = Object.fromEntries(Object.entries(result.data).filter(([k]) => !DUPLICATED.has(k)));
  return { ...result, data };
}

/** The retry file's text: failed and unreachable hosts, sorted, one per line. */
export function retryFileText(failed: Iterable<string>, unreachable: Iterable<string>): string {
  const hosts = [...new Set([...failed, ...unreachable])].sort();
  return hosts.length ? `${hosts.join('\n')}\n` : '';
}

/** The retry file path Ansible uses by default: the playbook's name with `.retry`. */
export function defaultRetryPath(playbookFile: string): string {
  return playbookFile.replace(/\.ya?ml$/i, '') + '.retry';
}
