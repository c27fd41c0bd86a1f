/**
 * What a failed or interrupted run (and the runs that already resumed it) got done, read back from the
 * journals, for `drydock resume`: per play and host, the task results that completed (replayed, never run
 * again), whether the host finished the play (left out), and where it stopped (failed, unreachable, or
 * interrupted mid-task: a task.start naming it with no result after). A journal without an end line is a
 * run that died (kill -9, power cut): interrupted.
 *
 * Building the state is pure over parsed lines; only loadResumeState touches the disk.
 */
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { HostStatus, RunEvent } from '../events/events.js';
import { defaultStateDir, runsDir, type JournalEnd, type JournalHeader, type JournalLine } from './journal.js';
import { listRuns } from './runs.js';
import { parseJournalLines, RUN_ID } from './chain.js';
import { readKeptSecrets, type KeptSecret } from './secrets.js';
import { processAlive } from '../util/process-alive.js';

/** Statuses of a task that is done: the resumed run replays these instead of running the task. */
export const COMPLETED_STATUSES: ReadonlySet<HostStatus> = new Set(['ok', 'changed', 'skipped', 'ignored', 'rescued']);

export interface ReplayedResult {
  taskId: string;
  task: string;
  status: HostStatus;
  /** The registered result as journaled (secrets masked). */
  data: Record<string, unknown>;
  facts?: Record<string, unknown>;
  /** The run that did it. */
  runId: string;
  /**
   * A no_log result whose value the run kept (secrets.ts): `data` and `facts` are that value, in clear, so
   * it must be shown and reported as no_log. A no_log result without it has the journal's censored data.
   */
  noLog?: true;
}

export interface StopPoint {
  taskId: string;
  task: string;
  reason: 'failed' | 'unreachable' | 'interrupted';
  runId: string;
  msg?: string;
}

export interface HostResume {
  /** Completed results in the order they happened. */
  results: ReplayedResult[];
  /** Finished the play (reached its end, or meta end_host/end_batch/end_play) in this run: left out. */
  finished?: string;
  stoppedAt?: StopPoint;
}

export interface PlayResume {
  name: string;
  hosts: Map<string, HostResume>;
}

export interface ResumeState {
  /** The run being resumed (the newest of the chain). */
  runId: string;
  /** Every run of the chain, oldest first. */
  chain: string[];
  /** The playbook fingerprint the chain ran with (run.start). */
  fingerprint?: string;
  /** The recorded command of the newest run (args after `drydock`, secrets masked). */
  argv?: string[];
  command: string;
  /** Where the newest run was started (its relative paths are relative to this). */
  cwd: string;
  plays: Map<number, PlayResume>;
}

export interface ParsedJournal {
  header: JournalHeader;
  events: RunEvent[];
  end?: JournalEnd;
  /** The no_log results the run kept, in the order written. */
  secrets?: KeptSecret[];
}

/** Complete lines only: a line cut off by a crash (no newline, or not JSON) is ignored. */
export function parseJournalText(text: string, path = 'journal'): ParsedJournal {
  const parsed = parseJournalLines(text);
  const header = parsed[0];
  if (header?.kind !== 'header') throw new UsageError(`${path} is not a drydock run journal (no header line)`);
  const events = parsed.filter((l): l is Extract<JournalLine, { kind: 'event' }> => l.kind === 'event').map((l) => l.event);
  const last = parsed[parsed.length - 1];
  return { header, events, ...(last?.kind === 'end' ? { end: last } : {}) };
}

const playOf = (taskId: string): number => Number.parseInt(taskId, 10);

function hostEntry(state: ResumeState, playIndex: number, name: string, host: string): HostResume {
  let play = state.plays.get(playIndex);
  if (!play) state.plays.set(playIndex, (play = { name, hosts: new Map() }));
  let entry = play.hosts.get(host);
  if (!entry) play.hosts.set(host, (entry = { results: [] }));
  return entry;
}

/** Folds one run's events into the state (runs are applied oldest first). */
function applyRun(state: ResumeState, journal: ParsedJournal): void {
  const runId = journal.header.runId;
  const playNames = new Map<number, string>();
  /** Hosts in a task that has not reported for them yet: taskId → (host → task name). */
  const inFlight = new Map<string, Map<string, string>>();
  const kept = new Map<string, KeptSecret[]>();
  for (const k of journal.secrets ?? []) kept.set(`${k.taskId}\0${k.host}`, [...(kept.get(`${k.taskId}\0${k.host}`) ?? []), k]);
  for (const event of journal.events) {
    switch (event.type) {
      case 'run.start':
        if (event.playbookFingerprint !== undefined) state.fingerprint ??= event.playbookFingerprint;
        break;
      case 'play.start':
        if (event.playIndex !== undefined) playNames.set(event.playIndex, event.name);
        break;
      case 'task.start':
      case 'handler.start':
        if (event.taskId !== undefined) inFlight.set(event.taskId, new Map(event.hosts.map((h) => [h, event.name])));
        break;
      case 'task.result': {
        if (event.taskId === undefined || event.item !== undefined) break;
        const { taskId } = event;
        // A replay repeats a result an earlier run of the chain recorded (and this fold counted already).
        if (event.replayedFrom !== undefined) {
          inFlight.get(taskId)?.delete(event.result.host);
          break;
        }
        const p = playOf(taskId);
        const name = playNames.get(p) ?? `play ${p + 1}`;
        const result = event.result;
        // The journal has a no_log result censored; its value, if kept, was written just before it.
        const secret = COMPLETED_STATUSES.has(result.status) && typeof result.data?.['censored'] === 'string' ? kept.get(`${taskId}\0${result.host}`)?.shift() : undefined;
        for (const host of [result.host, ...(event.runOnceHosts ?? [])]) {
          inFlight.get(taskId)?.delete(host);
          const entry = hostEntry(state, p, name, host);
          if (COMPLETED_STATUSES.has(result.status)) {
            entry.results.push({
              taskId,
              task: result.task,
              status: result.status,
              data: secret?.data ?? result.data ?? {},
              ...(secret ? { noLog: true as const, ...(secret.facts ? { facts: secret.facts } : {}) } : event.facts ? { facts: event.facts } : {}),
              runId,
            });
            if (entry.stoppedAt?.taskId === taskId) delete entry.stoppedAt;
          } else {
            entry.stoppedAt = { taskId, task: result.task, reason: result.status === 'unreachable' ? 'unreachable' : 'failed', runId, ...(result.msg ? { msg: result.msg } : {}) };
          }
        }
        break;
      }
      case 'batch.end':
        for (const host of event.finished) hostEntry(state, event.playIndex, event.play, host).finished = runId;
        break;
      default:
        break;
    }
  }
  for (const [taskId, hosts] of inFlight) {
    const p = playOf(taskId);
    for (const [host, task] of hosts) {
      const entry = hostEntry(state, p, playNames.get(p) ?? `play ${p + 1}`, host);
      if (!entry.finished) entry.stoppedAt = { taskId, task, reason: 'interrupted', runId };
    }
  }
}

/** The state after a chain of journals, oldest first (each resuming the one before). */
export function buildResumeState(chain: readonly ParsedJournal[]): ResumeState {
  const newest = chain[chain.length - 1];
  if (!newest) throw new UsageError('no journal to resume from');
  const state: ResumeState = {
    runId: newest.header.runId,
    chain: chain.map((j) => j.header.runId),
    command: newest.header.command,
    cwd: newest.header.cwd,
    ...(newest.header.argv ? { argv: [...newest.header.argv] } : {}),
    plays: new Map(),
  };
  for (const journal of chain) {
    const fingerprint = journal.events.find((e): e is Extract<RunEvent, { type: 'run.start' }> => e.type === 'run.start')?.playbookFingerprint;
    if (state.fingerprint !== undefined && fingerprint !== undefined && fingerprint !== state.fingerprint) {
      throw new UsageError(`run ${journal.header.runId} ran a different playbook than run ${state.chain[0]} it resumed; the chain cannot be resumed`);
    }
    applyRun(state, journal);
  }
  return state;
}

/** Why a run cannot be resumed, or undefined when it can. */
export function refusalFor(newest: ParsedJournal, isAlive: (pid: number) => boolean): string | undefined {
  const { header, end } = newest;
  if (end && end.exitCode === 0 && !end.interrupted) return `run ${header.runId} finished successfully (exit 0): nothing to resume`;
  if (!end && header.host === hostname() && header.pid !== process.pid && isAlive(header.pid)) {
    return `run ${header.runId} is still running (pid ${header.pid}); wait for it or stop it (Ctrl-C) first`;
  }
  return undefined;
}

/** Whether the run reached its playbook (run.start with a fingerprint): a run refused before that did nothing. */
export function hasTaskRecords(journal: ParsedJournal): boolean {
  return journal.events.some((e) => e.type === 'run.start' && e.playbookFingerprint !== undefined);
}

export interface LoadResumeOptions {
  readText?: (path: string) => string;
  isAlive?: (pid: number) => boolean;
  /** Runs that name this one as the one they resume (from `listRuns`), to refuse resuming a superseded run. */
  resumingRuns?: (runId: string) => string[];
}


/**
 * Reads the run's journal and, following `resumes`, the journals of the runs before it. Refuses (UsageError)
 * a run without a journal, one that succeeded, one still running, or one another run already resumed.
 */
export function loadResumeState(runId: string, stateDir: string = defaultStateDir(), options: LoadResumeOptions = {}): ResumeState {
  if (!RUN_ID.test(runId)) throw new UsageError(`"${runId}" is not a run id (see drydock runs)`);
  const readText = options.readText ?? ((path: string) => nodeFs.readFileSync(path, 'utf8'));
  const dir = runsDir(stateDir);
  const read = (id: string): ParsedJournal => {
    const path = join(dir, `${id}.jsonl`);
    let text: string;
    try {
      text = readText(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no journal for run ${id} in ${dir} (see drydock runs; DRYDOCK_STATE_DIR sets the folder)`);
      throw err;
    }
    const secrets = readKeptSecrets(stateDir, id, readText);
    return { ...parseJournalText(text, path), ...(secrets.length ? { secrets } : {}) };
  };
  const resumingRuns = options.resumingRuns ?? ((id: string) => listRuns({ stateDir }).filter((r) => r.resumes === id).map((r) => r.id));
  // The newest run that continued this one, directly or through others. A resume refused before its first
  // task (lock held, bad inventory...) did nothing itself, but a run resuming it may have.
  const visited = new Set<string>([runId]);
  const newestResume = (id: string): string | undefined => {
    for (const next of resumingRuns(id)) {
      if (visited.has(next)) continue;
      visited.add(next);
      const deeper = newestResume(next);
      if (deeper !== undefined) return deeper;
      if (hasTaskRecords(read(next))) return next;
    }
    return undefined;
  };
  const later = newestResume(runId);
  if (later !== undefined) throw new UsageError(`run ${runId} was already resumed by run ${later}; resume that one instead (drydock resume ${later})`);
  const newest = read(runId);
  const refusal = refusalFor(newest, options.isAlive ?? processAlive);
  if (refusal) throw new UsageError(refusal);
  const chain = [newest];
  const seen = new Set([runId]);
  for (let previous = newest.header.resumes; previous !== undefined; previous = chain[0]!.header.resumes) {
    if (seen.has(previous) || !RUN_ID.test(previous)) throw new UsageError(`the journals of run ${runId} resume each other in a loop (${previous})`);
    seen.add(previous);
    chain.unshift(read(previous));
  }
  const useful = chain.filter(hasTaskRecords);
  if (useful.length === 0) {
    throw new UsageError(`run ${runId} has no playbook task records (it did not reach its first task, or an older drydock wrote it); run the command again instead`);
  }
  const state = buildResumeState(useful);
  // Resumed through a run that did nothing: its own command line (with the secrets given again) is the one to repeat.
  return { ...state, runId, command: newest.header.command, cwd: newest.header.cwd, ...(newest.header.argv ? { argv: [...newest.header.argv] } : {}) };
}

/**
 * Whether a cluster lock holder identity (`user@host/pid/runId`, see lock/cluster-lock.ts) is a run of this
 * resume chain whose process is gone: the run being resumed died holding the lock, and the run resuming it
 * may take the lock over at once instead of waiting out the lease.
 */
export function lockHeldByDeadChainRun(holderIdentity: string, chain: readonly string[], isAlive: (pid: number) => boolean = processAlive): boolean {
  const match = /^[^@]*@(.*)\/(\d+)\/([^/]+)$/.exec(holderIdentity);
  if (!match || !chain.includes(match[3]!)) return false;
  // On another machine drydock cannot tell whether the process lives: the lease's expiry (or --break-lock) decides.
  return match[1] === hostname() && !isAlive(Number(match[2]));
}
