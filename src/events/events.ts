/**
 * Everything that happens in a run is a typed event. The TTY renderer, the JSON-lines log and (later) the
 * journal all consume the same stream; nothing below the CLI prints directly.
 */

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'rescued' | 'ignored';

export interface HostResult {
  host: string;
  status: HostStatus;
  /** Task or command this result belongs to. */
  task: string;
  rc?: number | null;
  signal?: string | null;
  stdout?: string;
  stderr?: string;
  /** Human explanation for failures, skips and unreachables. */
  msg?: string;
  /** Connection phase for unreachable hosts. */
  phase?: string;
  truncated?: boolean;
  timedOut?: boolean;
  ms?: number;
  /** Module-specific data (registered results, facts). */
  data?: Record<string, unknown>;
}

/** One node's state at the end of a run (the NODES section under the recap). */
export interface NodeStateRow {
  name: string;
  ready: boolean;
  /** The Ready condition's status, reason and message when not Ready ("Unknown (NodeStatusUnknown: …)"). */
  readyDetail?: string;
  cordoned: boolean;
  /** Who cordoned it: this run's record ("cordoned by this run, not uncordoned"), else drydock's cordoned-by annotation. */
  cordonNote?: string;
  kubeletVersion: string;
}

/** One node as `nodes.versions` records it, before and after a run. */
export type NodeVersionRow = Pick<NodeStateRow, 'name' | 'kubeletVersion' | 'ready' | 'cordoned'>;

export type RunEvent =
  // `playbookFingerprint` (playbook runs): a digest of the plays' task ids, names and modules, so a resumed run
  // can tell whether the playbook still has the tasks the journal's task ids point to.
  | { type: 'run.start'; runId: string; command: string; hosts: string[]; forks: number; at: string; playbookFingerprint?: string }
  | { type: 'play.start'; name: string; hosts: string[]; playIndex?: number }
  | { type: 'batch.start'; play: string; index: number; hosts: string[]; playIndex?: number }
  // `taskId`: the task's stable position in the playbook (see engine/task-ids.ts), the same on every run of it.
  // `module`: the task's module (canonical name), so a report can mark reboots, restarts and drains.
  | { type: 'task.start'; name: string; hosts: string[]; taskId?: string; module?: string }
  | { type: 'host.connecting'; host: string }
  | { type: 'host.output'; host: string; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'host.result'; result: HostResult }
  | { type: 'status'; waitingOn: string[]; task: string; elapsedMs: number }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'recap'; stats: RecapStats }
  | { type: 'run.end'; exitCode: number; ms: number }
  /** After a failed run: each node's state from the API (rows), or why it could not be read (error). */
  | { type: 'nodes.state'; rows?: NodeStateRow[]; error?: string }
  /** Every node's kubelet version (and upgrades: each control plane's kube-apiserver) before and after a run with cluster access; `error` when the API could not be read. */
  | { type: 'nodes.versions'; phase: 'before' | 'after'; rows?: NodeVersionRow[]; apiServers?: Array<{ node: string; version: string }>; error?: string }
  // Playbook runs (drydock play). A task's per-host (and per-item) outcome; `show` is what follows "=>".
  | { type: 'handler.start'; name: string; hosts: string[]; taskId?: string; module?: string }
  // `facts`: what the task set on the host (set_fact, kube_* cordon records), for a resumed run to restore.
  // `runOnceHosts`: the other hosts a run_once result was copied to. `replayedFrom`: the run id whose result
  // this one repeats (drydock resume: the task was done there and is not run again).
  | {
      type: 'task.result';
      result: HostResult;
      delegatedTo?: string;
      item?: string;
      show?: Record<string, unknown>;
      taskId?: string;
      facts?: Record<string, unknown>;
      runOnceHosts?: string[];
      replayedFrom?: string;
    }
  | { type: 'task.retry'; host: string; task: string; attempt: number; retriesLeft: number }
  | { type: 'play.stop'; play: string; reason: string; message: string }
  // The end of a batch: `finished` are its hosts that completed the play (or left it by meta: end_host /
  // end_batch / end_play), so a resumed run leaves them out. Absent when Ctrl-C or the controller's death
  // cut the batch short.
  | { type: 'batch.end'; play: string; playIndex: number; index: number; finished: string[] }
  /** The plan the run was confirmed with (the text the confirm step shows), once, before the first task. */
  | { type: 'run.plan'; text: string }
  /** A drain's eviction refused (a PodDisruptionBudget, or refused outright when `pdbs` is empty); again when the reason changes. */
  | { type: 'drain.blocked'; host: string; node: string; pod: string; pdbs: string[]; message: string }
  /** A drain ended (drained or not): `blockedMs` is the time some eviction was refused and waited for. */
  | { type: 'drain.end'; host: string; node: string; ok: boolean; ms: number; blockedMs: number }
  /** The Kubernetes API stopped answering the run (the cluster lock's renewal failed), or answers again. */
  | { type: 'api.outage'; state: 'down'; message: string }
  | { type: 'api.outage'; state: 'up'; downMs: number };

export type RecapCounters = Record<HostStatus, number>;
export type RecapStats = Record<string, RecapCounters>;

export type EventListener = (event: RunEvent) => void;

/** A minimal synchronous fan-out of events to listeners. */
export class EventBus {
  private readonly listeners: EventListener[] = [];
  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
  emit(event: RunEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
