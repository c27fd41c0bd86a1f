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

/** One node in the Nodes table: its kubelet before the chain and after it (null: not known), Ready and cordon after. */
export interface ReportNodeVersion {
  name: string;
  before: string | null;
  after: string | null;
  ready: boolean | null;
  cordoned: boolean | null;
  /** Both versions known and different. */
  changed: boolean;
}

export interface ReportApiServerVersion {
  node: string;
  before: string | null;
  after: string | null;
  changed: boolean;
}

/** What the `nodes.versions` events say: before = the chain's first read, after = its last run's read. */
export interface ReportNodeVersions {
  nodes: ReportNodeVersion[];
  /** Each control plane's kube-apiserver (upgrades record them); empty when not recorded. */
  apiServers: ReportApiServerVersion[];
  /** Whether each read is in the journal (a run killed before its end has no `after`). */
  hasBefore: boolean;
  hasAfter: boolean;
  /** Why the API could not be read then. */
  beforeError: string | null;
  afterError: string | null;
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
  /** Null when no run of the chain recorded its nodes' versions (it used no cluster access, or an older drydock). */
  nodeVersions: ReportNodeVersions | null;
  recap: RecapStats | null;
  outputs: string[];
  warnings: Array<{ at: number; host: string | null; message: string }>;
}

