/**
 * Local run locks: one file per host under `<state>/locks/`, so two drydock runs from this machine (or any
 * machine sharing the state folder) never work on the same host at once, and one claim file per resumed run,
 * so two `drydock resume` of one run cannot both proceed.
 *
 * A lock file is written whole to a private temporary file and then hard-linked into place: link(2) is atomic
 * and fails when the name exists, so a reader never sees a half-written holder. A run takes its hosts in
 * sorted order and gives back what it took at the first refusal, so two runs never wait on each other. The
 * file of a process that is gone from this machine (its pid dead, or reused: the start time differs) is
 * taken over; it is first renamed aside, so two runs reclaiming the same stale file cannot both win.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { LockHeldError } from '../errors.js';
import { processAlive, processStartTime, sameProcessAlive } from '../util/process-alive.js';

/** Who holds a lock: written into the lock file, shown to whoever is refused. */
export interface LockHolder {
  runId: string;
  /** The redacted command line. */
  command: string;
  pid: number;
  /** The machine the holder runs on (its liveness can only be checked there). */
  machine: string;
  user: string;
  started: string;
  /** /proc start time of the holder's process, to tell a reused pid apart. */
  startTime?: string;
}

/** This process as a lock holder. */
export function currentHolder(runId: string, command: string, now: () => number = Date.now): LockHolder {
  const startTime = processStartTime(process.pid);
  return {
    runId,
    command,
    pid: process.pid,
    machine: hostname(),
    user: localUser(),
    started: new Date(now()).toISOString(),
    ...(startTime !== undefined ? { startTime } : {}),
  };
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

export interface LockOptions {
  isAlive?: (pid: number) => boolean;
}

type Attempt = { taken: true } | { taken: false; holder: LockHolder | undefined; text: string };

function readHolder(text: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.runId === 'string' ? (parsed as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder is a process of this machine that is gone. */
export function isStale(holder: LockHolder, isAlive: (pid: number) => boolean = processAlive): boolean {
  return holder.machine === hostname() && !sameProcessAlive(holder.pid, holder.startTime, isAlive);
}

function readOrUndefined(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One atomic attempt at creating `path` holding `text`. */
function tryCreate(path: string, text: string): boolean {
  const staged = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.new`;
  fs.writeFileSync(staged, text, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(staged, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(staged, { force: true });
  }
}

/**
 * Moves a stale lock file out of the way. Renamed aside first: when another run reclaimed it meanwhile and
 * took the place, what was moved is that run's live lock, and it is put back.
 */
function reclaim(path: string, staleText: string): void {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    fs.renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== staleText) fs.linkSync(aside, path);
  } catch {
    // The place was taken again meanwhile: that run holds it.
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Takes the lock file at `path` for `holder`, reclaiming a stale one; says who holds it otherwise. */
export function takeLockFile(path: string, holder: LockHolder, options: LockOptions = {}): Attempt {
  const text = `${JSON.stringify(holder)}\n`;
  let last: Attempt = { taken: false, holder: undefined, text: '' };
  for (let attempt = 0; attempt < 8; attempt++) {
    if (tryCreate(path, text)) return { taken: true };
    const found = readOrUndefined(path);
    if (found === undefined) continue; // released between our try and our read
    const other = readHolder(found);
    last = { taken: false, holder: other, text: found };
    if (!other || !isStale(other, options.isAlive)) return last;
    reclaim(path, found);
  }
  return last;
}

/** Removes the lock file if it is still this holder's. */
export function releaseLockFile(path: string, holder: LockHolder): void {
  const found = readOrUndefined(path);
  if (found === undefined) return;
  const other = readHolder(found);
  if (other?.runId === holder.runId && other.pid === holder.pid) fs.rmSync(path, { force: true });
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another drydock run (its lock file cannot be read)';
  return `pid ${holder.pid} (${holder.user} on ${holder.machine}), run ${holder.runId}, started ${holder.started}: ${holder.command}`;
}

/** The lock file name of one host's key (its address: `host:port`, behind its jump hosts). */
export function lockFileName(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  let hash = 0x811c9dc5; // FNV-1a: names that read alike stay apart
  for (const ch of key) hash = Math.imul(hash ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return `${readable}-${hash.toString(16).padStart(8, '0')}.lock`;
}

export interface HostLockTarget {
  /** What makes two inventory entries the same machine: its resolved address. */
  key: string;
  /** The inventory name, for messages. */
  host: string;
}

export interface HostLocks {
  release(): void;
}

/**
 * Takes the local run lock of every host, all or none. Refuses (LockHeldError) with the first host another
 * run holds and who that is.
 */
export function acquireHostLocks(locksDir: string, targets: readonly HostLockTarget[], holder: LockHolder, options: LockOptions = {}): HostLocks {
  fs.mkdirSync(locksDir, { recursive: true, mode: 0o700 });
  const byKey = new Map<string, HostLockTarget>();
  for (const target of targets) if (!byKey.has(target.key)) byKey.set(target.key, target);
  const taken: string[] = [];
  const release = (): void => {
    for (const path of taken.splice(0)) releaseLockFile(path, holder);
  };
  for (const key of [...byKey.keys()].sort()) {
    const path = join(locksDir, lockFileName(key));
    const attempt = takeLockFile(path, holder, options);
    if (attempt.taken) {
      taken.push(path);
      continue;
    }
    release();
    const other = attempt.holder;
    throw new LockHeldError(
      other ? `${other.user}@${other.machine}/${other.pid}/${other.runId}` : 'unknown',
      other?.started ?? 'unknown',
      other?.command ?? 'unknown',
      {
        message: `${byKey.get(key)!.host} (${key}) is in use by another drydock run: ${describeHolder(other)}. ` +
          `Wait for that run to finish or stop it; a lock left by a process that is gone from its machine is taken over by itself (lock file: ${path})`,
      },
    );
  }
  return { release };
}

/**
 * Claims a run for the one `drydock resume` that continues it (`<journal>.resume-claim`), or refuses
 * (LockHeldError) naming the resume that already has it.
 */
export function claimResume(claimPath: string, resumedRunId: string, holder: LockHolder, options: LockOptions = {}): HostLocks {
  const attempt = takeLockFile(claimPath, holder, options);
  if (!attempt.taken) {
    const other = attempt.holder;
    throw new LockHeldError(
      other ? `${other.user}@${other.machine}/${other.pid}/${other.runId}` : 'unknown',
      other?.started ?? 'unknown',
      other?.command ?? 'unknown',
      { message: `run ${resumedRunId} is already being resumed by ${describeHolder(other)} (claim file: ${claimPath})` },
    );
  }
  return { release: () => releaseLockFile(claimPath, holder) };
}
