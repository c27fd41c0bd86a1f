/** The run report's data (model.ts builds it; the page's script draws it): JSON-ready, times in ms from `t0`. */
import type { HostStatus, NodeStateRow, RecapStats } from '../events/events.js';
import type { RunOutcome } from '../journal/runs.js';
import type { TaskMark } from './output.js';

export const REPORT_FORMAT = 1;

/** `running`: the task started on the host and the journal ends without its result (killed, or still running). */
export type ReportStatus = HostStatus | 'running';

export interface ReportRun {
  runId: string;
  command: string;
  user: string | null;
  host: string;
  started: number;
  ended: number | null;
  exitCode: number | null;
  outcome: RunOutcome;
  error: string | null;
  resumes: string | null;
  /**
   * Milliseconds left out of the timeline before this run (pauses between the runs of a chain beyond a
   * minute): this run's times are `t0 + offset + cutBefore` on the clock. `gapBefore`: the real pause.
   */
  cutBefore: number;
  gapBefore: number;
}

export interface ReportTask {
  /** The stable task id (engine/task-ids.ts), or the play and name when the journal has none. */
  id: string;
  name: string;
  play: string;
  handler: boolean;
  module: string | null;
  mark: TaskMark | null;
}

/** One host's outcome of one task in one run of the chain (indexes into hosts, tasks, runs, outputs). */
export interface ReportResult {
  host: number;
  task: number;
  run: number;
  status: ReportStatus;
  start: number;
  ms: number;
  /** Index into `outputs`: the message and the output tails (bounded; secrets already redacted). */
  out: number | null;
}

export interface ReportBatch {
  run: number;
  play: string;
  index: number;
  hosts: number[];
  start: number;
  end: number;
}

export interface ReportDrain {
  host: number;
  node: string;
  start: number;
  end: number;
  ok: boolean | null;
  blockedMs: number;
  /** Each refusal seen: the pod and the budgets that held it. */
  blockers: Array<{ pod: string; pdbs: string[]; message: string; at: number }>;
}

export interface ReportOutage {
  start: number;
  end: number | null;
  message: string;
}

export interface ReportFailure {
  host: string;
  task: string;
  status: ReportStatus;
  msg: string;
  run: string;
}

export interface ReportData {
  format: number;
  /** The run asked for (the newest of the chain). */
  runId: string;
  /** ISO time every `start`/`end` counts from (plus the run's `cutBefore` for the later runs of a chain). */
  t0: string;
  span: number;
  runs: ReportRun[];
  /** The plan text each run showed (run.plan), newest last; empty when the runs recorded none. */
  plans: string[];
  hosts: string[];
  tasks: ReportTask[];
  results: ReportResult[];
  batches: ReportBatch[];
  drains: ReportDrain[];
  outages: ReportOutage[];
  failed: ReportFailure[];
  nodes: NodeStateRow[] | null;
  nodesError: string | null;
  recap: RecapStats | null;
  outputs: string[];
  warnings: Array<{ at: number; host: string | null; message: string }>;
}

