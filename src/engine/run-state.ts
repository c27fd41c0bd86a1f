/**
 * State shared by the plays of one run (recap counters, hosts failed and unreachable across plays, the
 * --start-at-task cursor, the report) and by the tasks of one batch (each host's failed/ended flags).
 */
import type { RecapStats } from '../events/events.js';
import type { ModuleRegistry } from '../playbook/modules.js';
import type { PlayReport } from './report.js';
import type { ResumeReplay } from './resume.js';
import type { TaskRunDeps } from './task-runner.js';
import type { EnginePorts, PlaybookRunOptions, RunControl } from './types.js';
import type { VarStore } from './vars.js';

export interface RunState {
  options: PlaybookRunOptions;
  ports: EnginePorts;
  control: RunControl;
  store: VarStore;
  registry: ModuleRegistry;
  deps: TaskRunDeps;
  stats: RecapStats;
  /** Hosts that failed in any play (for the retry file). */
  failed: Set<string>;
  /** Unreachable hosts: excluded from every later play. */
  unreachable: Set<string>;
  /** False until the --start-at-task task is reached. */
  started: boolean;
  plays: PlayReport[];
  /** drydock resume: the earlier runs' results to replay instead of running again. */
  replay?: ResumeReplay;
  /** Set once add_host / group_by changed the inventory: later plays resolve their hosts again. */
  dynamic?: { added: Set<string> };
}

export interface HostState {
  failed: boolean;
  unreachable: boolean;
  /** meta: end_host. */
  ended: boolean;
  /** Failed inside a block that has a rescue: out of the block, waiting for the rescue. */
  blockFailed: boolean;
  /** The last failure inside a rescuable block (ansible_failed_task / ansible_failed_result in rescue). */
  lastFailure?: { task: string; result: Record<string, unknown> };
}

export function newHostState(): HostState {
  return { failed: false, unreachable: false, ended: false, blockFailed: false };
}

export function isActive(state: HostState | undefined): boolean {
  return state !== undefined && !state.failed && !state.unreachable && !state.ended && !state.blockFailed;
}

/** Runs `fn` over `items` with at most `limit` at a time, in order of start; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
