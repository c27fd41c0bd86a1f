/**
 * The run journal: every run writes `<state>/runs/<runId>.jsonl`, one JSON line per event, each one written
 * and fsynced before the next, so that after a crash, a kill -9 or a power cut the journal says how far the
 * run got. The first line is a header (who ran what, where); the last line records the outcome. A journal
 * without that last line belongs to a run that never finished: it reads as interrupted.
 *
 * A write that fails (ENOSPC, EIO, EROFS...) is fatal to the run: the journal writes nothing more, tells its
 * failure listeners (the run stops starting tasks) and, at close, frees the few kilobytes it reserved at
 * open (`<runId>.reserve`) so that on a full disk the end line can still say the journal is incomplete.
 */
import * as nodeFs from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import type { EventBus, RecapStats, RunEvent } from '../events/events.js';
import { redactSecrets } from '../events/json-log.js';
import { JournalWriteError } from '../errors.js';
import { localUserName } from '../util/local-user.js';
import { drydockVersion, redactArguments, redactCommandLine } from './command-line.js';
import { SecretStore, writeFully, type JournalFs, type KeptSecret } from './secrets.js';

export type { JournalFs, KeptSecret } from './secrets.js';
export { drydockVersion, redactArgument, redactArguments, redactCommandLine } from './command-line.js';

export const JOURNAL_FORMAT = 1;

export interface JournalHeader {
  kind: 'header';
  format: number;
  runId: string;
  command: string;
  cwd: string;
  started: string;
  version: string;
  host: string;
  /** The local user who ran it (absent when the system has no name for the uid). */
  user?: string;
  pid: number;
  /** The arguments after `drydock`, each redacted as redactCommandLine does (drydock resume runs them again). */
  argv?: string[];
  /** The run this one resumes (drydock resume). */
  resumes?: string;
}

export interface JournalEnd {
  kind: 'end';
  ended: string;
  exitCode: number;
  interrupted: boolean;
  hosts?: { done: number; failed: number };
  error?: string;
  /** Why the journal stopped recording (it is incomplete from there on): the first write failure. */
  journalError?: string;
}

export interface JournalEventLine {
  kind: 'event';
  at: string;
  event: RunEvent;
}

export type JournalLine = JournalHeader | JournalEventLine | JournalEnd;

/** `DRYDOCK_STATE_DIR`, else `$XDG_STATE_HOME/drydock`, else `~/.local/state/drydock`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DRYDOCK_STATE_DIR']) return env['DRYDOCK_STATE_DIR'];
  if (env['XDG_STATE_HOME']) return join(env['XDG_STATE_HOME'], 'drydock');
  return join(homedir(), '.local', 'state', 'drydock');
}

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export interface OpenJournalOptions {
  runId: string;
  /** The command line, already redacted (see redactCommandLine). */
  command: string;
  /** The arguments after `drydock`, already redacted (see redactArguments). */
  argv?: readonly string[];
  resumes?: string;
  stateDir?: string;
  cwd?: string;
  version?: string;
  now?: () => number;
  fs?: JournalFs;
  /** Bytes set aside at open and freed to write the end line after a failure (default RESERVE_BYTES). */
  reserveBytes?: number;
}

/** Enough for the end line after a failure, a page or two on any filesystem. */
export const RESERVE_BYTES = 8192;

/** Which hosts finished cleanly and which failed or were unreachable, from a recap. */
export function recapHostCounts(stats: RecapStats): { done: number; failed: number } {
  let done = 0;
  let failed = 0;
  for (const counters of Object.values(stats)) {
    if ((counters.failed ?? 0) > 0 || (counters.unreachable ?? 0) > 0) failed++;
    else done++;
  }
  return { done, failed };
}

export class Journal {
  private fd: number | undefined;
  private failure: Error | undefined;
  private hosts: { done: number; failed: number } | undefined;
  private reservePath: string | undefined;
  private readonly listeners: Array<(failure: Error) => void> = [];
  private secrets: SecretStore | undefined;

  private constructor(
    readonly path: string,
    private readonly fs: JournalFs,
    private readonly now: () => number,
  ) {}

  /** Creates the journal file and writes its header; throws when the state folder cannot be written. */
  static open(options: OpenJournalOptions): Journal {
    const fs = options.fs ?? (nodeFs as unknown as JournalFs);
    const now = options.now ?? Date.now;
    const stateDir = options.stateDir ?? defaultStateDir();
    const dir = runsDir(stateDir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const journal = new Journal(join(dir, `${options.runId}.jsonl`), fs, now);
    journal.secrets = new SecretStore(stateDir, options.runId, fs);
    // 'wx': a run id is never reused; refuse to overwrite another run's journal. 0600: it holds host output.
    journal.fd = fs.openSync(journal.path, 'wx', 0o600);
    const reserve = options.reserveBytes ?? RESERVE_BYTES;
    if (reserve > 0) {
      // A disk too full for this is too full to record the run: refuse before the first task.
      const path = join(dir, `${options.runId}.reserve`);
      const fd = fs.openSync(path, 'wx', 0o600);
      journal.reservePath = path;
      try {
        writeFully(fs, fd, Buffer.alloc(reserve));
        fs.fsyncSync(fd);
      } catch (err) {
        journal.failure = err as Error;
      } finally {
        fs.closeSync(fd);
      }
    }
    const user = localUserName();
    journal.append({
      kind: 'header',
      format: JOURNAL_FORMAT,
      runId: options.runId,
      command: options.command,
      cwd: options.cwd ?? process.cwd(),
      started: new Date(now()).toISOString(),
      version: options.version ?? 'unknown',
      host: hostname(),
      ...(user !== undefined ? { user } : {}),
      pid: process.pid,
      ...(options.argv ? { argv: [...options.argv] } : {}),
      ...(options.resumes !== undefined ? { resumes: options.resumes } : {}),
    });
    if (journal.failure) {
      // Nothing ran: leave no half journal behind.
      journal.releaseReserve();
      for (const undo of [() => fs.closeSync(journal.fd!), () => fs.unlinkSync(journal.path)]) {
        try {
          undo();
        } catch {
          // Best effort.
        }
      }
      throw journal.failure;
    }
    return journal;
  }

  /** The first write failure, if any: from then on the journal records nothing. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Called once, synchronously, at the first write failure (inside the emit of the event that failed), or now if it already failed. */
  onFailure(listener: (failure: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.listeners.push(listener);
  }

  record(event: RunEvent): void {
    if (event.type === 'recap') this.hosts = recapHostCounts(event.stats);
    this.append({ kind: 'event', at: new Date(this.now()).toISOString(), event: redactSecrets(event) });
  }

  /**
   * Keeps a no_log result for resume (encrypted, see secrets.ts). Call it before the result's event: a
   * result the journal holds then always has its value kept. A failure here is a journal failure.
   */
  keepSecret(secret: KeptSecret): void {
    if (this.fd === undefined || this.failure) return;
    try {
      this.secrets?.keep(secret);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Writes the outcome line and closes the file. Returns the first write failure, if any. */
  close(outcome: { exitCode: number; interrupted?: boolean; error?: string }): Error | undefined {
    if (this.fd === undefined) return this.failure;
    const end: JournalEnd = {
      kind: 'end',
      ended: new Date(this.now()).toISOString(),
      exitCode: outcome.exitCode,
      interrupted: outcome.interrupted === true,
      ...(this.hosts ? { hosts: this.hosts } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    };
    this.releaseReserve();
    if (this.failure) {
      // The newline ends a line the failure may have torn; then the end line says where the record stops.
      try {
        writeFully(this.fs, this.fd, Buffer.from(`\n${JSON.stringify({ ...end, journalError: this.failure.message })}\n`));
        this.fs.fsyncSync(this.fd);
      } catch {
        // Still no room (or no disk): the journal ends without its last line and reads as interrupted.
      }
    } else this.append(end);
    try {
      this.fs.closeSync(this.fd);
    } catch (err) {
      this.failure ??= err as Error;
    }
    this.secrets?.close();
    this.fd = undefined;
    return this.failure;
  }

  private releaseReserve(): void {
    if (this.reservePath === undefined) return;
    try {
      this.fs.unlinkSync(this.reservePath);
    } catch {
      // Gone already, or a read-only filesystem: nothing to free.
    }
    this.reservePath = undefined;
  }

  private append(line: JournalLine): void {
    if (this.fd === undefined || this.failure) return;
    try {
      writeFully(this.fs, this.fd, Buffer.from(`${JSON.stringify(line)}\n`));
      this.fs.fsyncSync(this.fd);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const listener of this.listeners) listener(err);
  }
}

/** Records every event of the bus in the journal. Returns the unsubscribe function. */
export function attachJournal(bus: EventBus, journal: Journal): () => void {
  return bus.on((event) => journal.record(event));
}

/**
 * The journal of this process's run, attached to the bus. The journal is what `drydock resume` trusts: when
 * `required` (a playbook run), one that cannot be created refuses the run (JournalWriteError) before any
 * task; otherwise (an ad hoc `drydock run`, never resumed) it is a warning and the run goes on without one.
 */
export function startRunJournal(
  bus: EventBus,
  runId: string,
  options: { argv?: readonly string[]; stateDir?: string; warn: (message: string) => void; resumes?: string; required?: boolean },
): Journal | undefined {
  const argv = options.argv ?? process.argv.slice(2);
  const stateDir = options.stateDir ?? defaultStateDir();
  try {
    const journal = Journal.open({
      runId,
      command: redactCommandLine(['drydock', ...argv]),
      argv: redactArguments(argv),
      ...(options.resumes !== undefined ? { resumes: options.resumes } : {}),
      version: drydockVersion(),
      stateDir,
    });
    attachJournal(bus, journal);
    return journal;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (options.required) throw new JournalWriteError(join(runsDir(stateDir), `${runId}.jsonl`), reason);
    options.warn(`the run journal could not be created (the run continues without one): ${reason}`);
    return undefined;
  }
}
