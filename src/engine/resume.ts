/**
 * A resumed run's memory of the runs before it (drydock resume): which hosts finished which play (left out,
 * their registered results and facts restored so later plays see them) and, for a host that stopped
 * mid-play, the results of the tasks it completed, taken one by one as the play reaches each task so they
 * are replayed — registered, facts set, handlers notified — instead of run again.
 */
import { UsageError } from '../errors.js';
import type { HostStatus } from '../events/events.js';
import { REDACTED } from '../events/json-log.js';
import type { ReplayedResult, ResumeState } from '../journal/resume-state.js';
import type { Playbook, Task } from '../playbook/model.js';
import type { EffectiveTask } from './effective.js';
import { GATHER_FACTS_MODULE } from './facts.js';
import type { HostTaskOutcome } from './task-runner.js';
import { tasksById } from './task-ids.js';
import type { EnginePorts } from './types.js';
import type { VarStore } from './vars.js';

export class ResumeReplay {
  private readonly tasks: Map<string, Task>;
  /** `${playIndex}\0${host}` → taskId → results not replayed yet (a handler may have run more than once). */
  private readonly pending = new Map<string, Map<string, ReplayedResult[]>>();

  constructor(
    readonly state: ResumeState,
    playbook: Playbook,
    /** Told when a restored variable holds a secret the journal masked (tasks reading it see the marker). */
    private readonly onMasked: (host: string, variable: string) => void = () => undefined,
  ) {
    this.tasks = tasksById(playbook);
    for (const [p, play] of state.plays) {
      for (const [host, entry] of play.hosts) {
        for (const r of entry.results) this.refuseLostNoLog(host, r);
        if (entry.finished) continue;
        const byTask = new Map<string, ReplayedResult[]>();
        for (const r of entry.results) byTask.set(r.taskId, [...(byTask.get(r.taskId) ?? []), r]);
        this.pending.set(`${p}\0${host}`, byTask);
      }
    }
  }

  /**
   * A no_log result the journal censored and whose value was not kept (an older drydock, or its key or
   * secrets file removed): the variable it registered, or the facts it set, cannot come back. Resuming past
   * it would run later tasks with a wrong value, so the resume is refused before any task, naming it.
   */
  private refuseLostNoLog(host: string, r: ReplayedResult): void {
    if (r.noLog || typeof r.data['censored'] !== 'string') return;
    const task = this.tasks.get(r.taskId);
    if (!task || (task.register === undefined && task.module !== 'set_fact')) return;
    const what = task.register !== undefined ? `registered "${task.register}"` : 'set facts';
    throw new UsageError(
      `cannot resume run ${this.state.runId}: task "${r.task}" (${r.taskId}) ${what} on ${host} with no_log in run ${r.runId}, and that value was not kept (its secrets or key file under the state folder is missing or unreadable); run the command again instead`,
    );
  }

  /** Hosts that finished this play in an earlier run, with the run that finished them. */
  finishedIn(playIndex: number): Map<string, string> {
    const out = new Map<string, string>();
    for (const [host, entry] of this.state.plays.get(playIndex)?.hosts ?? []) if (entry.finished) out.set(host, entry.finished);
    return out;
  }

  /** Registers the results and sets the facts a finished host got in this play, in the order they happened. */
  restoreFinished(playIndex: number, host: string, store: VarStore): void {
    for (const r of this.state.plays.get(playIndex)?.hosts.get(host)?.results ?? []) this.restore(host, r, store);
  }

  restore(host: string, r: ReplayedResult, store: VarStore): void {
    const task = this.tasks.get(r.taskId);
    const register = task?.register;
    if (register) store.register(host, register, r.data);
    if (r.facts && r.status !== 'ignored') store.setTaskFacts(host, task?.module ?? '', r.facts);
    this.noteMasked(host, r);
  }

  /** Says which variables of a replayed result come back with a masked secret. */
  noteMasked(host: string, r: ReplayedResult): void {
    const register = this.tasks.get(r.taskId)?.register;
    if (register && masked(r.data)) this.onMasked(host, register);
    for (const [name, value] of Object.entries(r.facts ?? {})) if (masked(value)) this.onMasked(host, name);
  }

  /** The completed result of this task on this host from an earlier run, consumed (undefined: run the task). */
  take(playIndex: number, host: string, taskId: string): ReplayedResult | undefined {
    const queue = this.pending.get(`${playIndex}\0${host}`)?.get(taskId);
    return queue?.shift();
  }
}

function masked(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(masked);
  if (value !== null && typeof value === 'object') return Object.values(value).some(masked);
  return false;
}

/**
 * The hosts whose result of this task an earlier run recorded as completed. Their outcome is that result,
 * applied as if the task had just reported it (register, facts, notify, rescue), but the task is not run
 * again. Gathering facts always runs again: it changes nothing and its facts are not journaled.
 */
export function replayedOutcomes(replay: ResumeReplay, playIndex: number, et: EffectiveTask, hosts: readonly string[]): HostTaskOutcome[] {
  if (et.id === undefined || et.task.module === GATHER_FACTS_MODULE) return [];
  const out: HostTaskOutcome[] = [];
  for (const host of hosts) {
    const done = replay.take(playIndex, host, et.id);
    if (!done) continue;
    replay.noteMasked(host, done);
    const raw = done.status === 'changed' ? 'changed' : done.status === 'skipped' ? 'skipped' : done.status === 'ok' ? 'ok' : 'failed';
    out.push({ host, raw, status: done.status, result: done.data, ...(done.facts ? { facts: done.facts } : {}), noLog: done.noLog === true, ms: 0, replayedFrom: done.runId });
  }
  return out;
}

/** A replayed result's line: shown as done in the earlier run, never counted as a change of this run. */
export function emitReplayed(ports: EnginePorts, et: EffectiveTask, host: string, runId: string, status: HostStatus): HostStatus {
  const shown = status === 'changed' ? 'ok' : status;
  const msg = `done in run ${runId}; not run again`;
  ports.emit({
    type: 'task.result',
    result: { host, task: et.name, status: shown, msg, ms: 0, data: { changed: false, msg } },
    show: { msg },
    ...(et.id !== undefined ? { taskId: et.id } : {}),
    replayedFrom: runId,
  });
  return shown;
}
