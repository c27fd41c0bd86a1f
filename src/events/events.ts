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

export type RunEvent =
  | { type: 'run.start'; runId: string; command: string; hosts: string[]; forks: number; at: string }
  | { type: 'play.start'; name: string; hosts: string[] }
  | { type: 'batch.start'; play: string; index: number; hosts: string[] }
  | { type: 'task.start'; name: string; hosts: string[] }
  | { type: 'host.connecting'; host: string }
  | { type: 'host.output'; host: string; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'host.result'; result: HostResult }
  | { type: 'status'; waitingOn: string[]; task: string; elapsedMs: number }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'recap'; stats: RecapStats }
  | { type: 'run.end'; exitCode: number; ms: number }
  // Playbook runs (drydock play). A task's per-host (and per-item) outcome; `show` is what follows "=>".
  | { type: 'handler.start'; name: string; hosts: string[] }
  | { type: 'task.result'; result: HostResult; delegatedTo?: string; item?: string; show?: Record<string, unknown> }
  | { type: 'task.retry'; host: string; task: string; attempt: number; retriesLeft: number }
  | { type: 'play.stop'; play: string; reason: string; message: string };

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
