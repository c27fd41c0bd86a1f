/**
 * The run journal: every run writes `<state>/runs/<runId>.jsonl`, one JSON line per event, each one written
 * and fsynced before the next, so that after a crash, a kill -9 or a power cut the journal says how far the
 * run got. The first line is a header (who ran what, where); the last line records the outcome. A journal
 * without that last line belongs to a run that never finished: it reads as interrupted.
 */
import * as nodeFs from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import type { EventBus, RecapStats, RunEvent } from '../events/events.js';
import { redactSecrets, REDACTED, SECRET_KEY } from '../events/json-log.js';
import { shellQuote } from '../util/shell.js';

export const JOURNAL_FORMAT = 1;

/** The synchronous file calls the journal needs, injected so tests can see each fsync. */
export interface JournalFs {
  mkdirSync(path: string, options: { recursive: true; mode?: number }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

export interface JournalHeader {
  kind: 'header';
  format: number;
  runId: string;
  command: string;
  cwd: string;
  started: string;
  version: string;
  host: string;
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

/**
 * The command line as typed, with secrets in `-e key=value` and `-e '{"key": ...}'` arguments masked: extra
 * vars are where a password on a command line usually sits.
 */
const SECRET_ASSIGNMENT = new RegExp(`([\\w.-]*(?:${SECRET_KEY.source})[\\w.-]*)=\\S*`, 'gi');

/** One argument with its secrets masked (the REDACTED marker replaces each secret value). */
export function redactArgument(arg: string): string {
  const trimmed = arg.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.stringify(redactSecrets(JSON.parse(trimmed) as unknown));
    } catch {
      // Not JSON after all: fall through to key=value masking.
    }
  }
  return arg.replace(SECRET_ASSIGNMENT, (_whole, key: string) => `${key}=${REDACTED}`);
}

export function redactCommandLine(argv: readonly string[]): string {
  return argv
    .map(redactArgument)
    .map(shellQuote)
    .join(' ');
}

export interface OpenJournalOptions {
  runId: string;
  /** The command line, already redacted (see redactCommandLine). */
  command: string;
  /** The arguments after `drydock`, already redacted (see redactArgument). */
  argv?: readonly string[];
  resumes?: string;
  stateDir?: string;
  cwd?: string;
  version?: string;
  now?: () => number;
  fs?: JournalFs;
}

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

  private constructor(
    readonly path: string,
    private readonly fs: JournalFs,
    private readonly now: () => number,
  ) {}

  /** Creates the journal file and writes its header; throws when the state folder cannot be written. */
  static open(options: OpenJournalOptions): Journal {
    const fs = options.fs ?? nodeFs;
    const now = options.now ?? Date.now;
    const dir = runsDir(options.stateDir ?? defaultStateDir());
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const journal = new Journal(join(dir, `${options.runId}.jsonl`), fs, now);
    // 'wx': a run id is never reused; refuse to overwrite another run's journal. 0600: it holds host output.
    journal.fd = fs.openSync(journal.path, 'wx', 0o600);
    journal.append({
      kind: 'header',
      format: JOURNAL_FORMAT,
      runId: options.runId,
      command: options.command,
      cwd: options.cwd ?? process.cwd(),
      started: new Date(now()).toISOString(),
      version: options.version ?? 'unknown',
      host: hostname(),
      pid: process.pid,
      ...(options.argv ? { argv: [...options.argv] } : {}),
      ...(options.resumes !== undefined ? { resumes: options.resumes } : {}),
    });
    if (journal.failure) throw journal.failure;
    return journal;
  }

  record(event: RunEvent): void {
    if (event.type === 'recap') this.hosts = recapHostCounts(event.stats);
    this.append({ kind: 'event', at: new Date(this.now()).toISOString(), event: redactSecrets(event) });
  }

  /** Writes the outcome line and closes the file. Returns the first write failure, if any, for a warning. */
  close(outcome: { exitCode: number; interrupted?: boolean; error?: string }): Error | undefined {
    if (this.fd === undefined) return this.failure;
    this.append({
      kind: 'end',
      ended: new Date(this.now()).toISOString(),
      exitCode: outcome.exitCode,
      interrupted: outcome.interrupted === true,
      ...(this.hosts ? { hosts: this.hosts } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    });
    try {
      this.fs.closeSync(this.fd);
    } catch (err) {
      this.failure ??= err as Error;
    }
    this.fd = undefined;
    return this.failure;
  }

  /** A failing disk must not stop maintenance half-way: the first failure is kept and reported at close. */
  private append(line: JournalLine): void {
    if (this.fd === undefined || this.failure) return;
    try {
      this.fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
      this.fs.fsyncSync(this.fd);
    } catch (err) {
      this.failure = err as Error;
    }
  }
}

/** Records every event of the bus in the journal. Returns the unsubscribe function. */
export function attachJournal(bus: EventBus, journal: Journal): () => void {
  return bus.on((event) => journal.record(event));
}

/** drydock's version from package.json (two folders up from both src/journal and dist/journal). */
export function drydockVersion(): string {
  try {
    const pkg = JSON.parse(nodeFs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The journal of this process's run, attached to the bus. A journal that cannot be created is a warning,
 * not a reason to refuse the maintenance: the caller says so and runs without one.
 */
export function startRunJournal(
  bus: EventBus,
  runId: string,
  options: { argv?: readonly string[]; stateDir?: string; warn: (message: string) => void; resumes?: string },
): Journal | undefined {
  const argv = options.argv ?? process.argv.slice(2);
  try {
    const journal = Journal.open({
      runId,
      command: redactCommandLine(['drydock', ...argv]),
      argv: argv.map(redactArgument),
      ...(options.resumes !== undefined ? { resumes: options.resumes } : {}),
      version: drydockVersion(),
      ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    });
    attachJournal(bus, journal);
    return journal;
  } catch (err) {
    options.warn(`the run journal could not be created (the run continues without one): ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
