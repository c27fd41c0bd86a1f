/**
 * Reading journals back: `drydock runs` lists recent runs from each journal's header and last line only, so
 * listing stays fast however much output the runs recorded.
 */
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JournalEnd, JournalHeader, JournalLine } from './journal.js';
import { inFlightOf, type InFlight } from './in-flight.js';
import type { RunEvent } from '../events/events.js';
import { runsDir } from './journal.js';
import { EXIT } from '../util/exit-codes.js';
import { processAlive } from '../util/process-alive.js';

/** `journal-incomplete`: the journal could not be written to the end (its last line says why); see JournalEnd. */
export type RunOutcome = 'ok' | 'failed' | 'unreachable' | 'interrupted' | 'running' | 'journal-incomplete';

export interface RunSummary {
  id: string;
  started: string | null;
  command: string;
  outcome: RunOutcome;
  exitCode: number | null;
  ended: string | null;
  hostsDone: number | null;
  hostsFailed: number | null;
  journal: string;
  /** The run this one resumed (drydock resume), and the later run that resumed this one. */
  resumes: string | null;
  resumedBy: string | null;
  /** Why the journal stops early (ENOSPC...), when it does. */
  journalError: string | null;
  /** A run whose controller died (no end line, process gone): the tasks it had in flight, which may have completed. */
  inFlight: InFlight[] | null;
}

export interface RunsFs {
  readdirSync(path: string): string[];
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number; mtimeMs: number };
  closeSync(fd: number): void;
}

export interface ListRunsOptions {
  stateDir: string;
  limit?: number;
  fs?: RunsFs;
  /** Whether the process that wrote a journal without an end line still runs (same machine only). */
  isAlive?: (pid: number) => boolean;
}

const CHUNK = 64 * 1024;

export function outcomeOf(end: Pick<JournalEnd, 'exitCode' | 'interrupted' | 'journalError'>): RunOutcome {
  if (end.journalError !== undefined || end.exitCode === EXIT.JOURNAL) return 'journal-incomplete';
  if (end.interrupted || end.exitCode === EXIT.INTERRUPTED || end.exitCode === EXIT.TERMINATED || end.exitCode === EXIT.HANGUP) return 'interrupted';
  if (end.exitCode === 0) return 'ok';
  if (end.exitCode === EXIT.UNREACHABLE_HOSTS) return 'unreachable';
  return 'failed';
}

function parseLine<T>(line: string | undefined): T | undefined {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/** The first and the last complete line of a file, reading at most two chunks. */
export function readFirstAndLastLine(fs: RunsFs, path: string): { first?: string; last?: string; mtimeMs: number } {
  const fd = fs.openSync(path, 'r');
  try {
    const { size, mtimeMs } = fs.fstatSync(fd);
    const head = Buffer.alloc(Math.min(size, CHUNK));
    fs.readSync(fd, head, 0, head.length, 0);
    const headText = head.toString('utf8');
    const firstEnd = headText.indexOf('\n');
    const first = firstEnd >= 0 ? headText.slice(0, firstEnd) : undefined;
    const tailStart = Math.max(0, size - CHUNK);
    const tail = Buffer.alloc(size - tailStart);
    fs.readSync(fd, tail, 0, tail.length, tailStart);
    // A line cut off by a crash has no newline: it is not a complete line.
    const lines = tail.toString('utf8').split('\n');
    lines.pop();
    const last = lines.length > 0 ? lines[lines.length - 1] : undefined;
    return { ...(first !== undefined ? { first } : {}), ...(last !== undefined ? { last } : {}), mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** Every complete event line of a journal (a died run's, to find what it had in flight). */
function readEvents(fs: RunsFs, path: string): RunEvent[] {
  const fd = fs.openSync(path, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(fs.fstatSync(fd).size);
    fs.readSync(fd, buffer, 0, buffer.length, 0);
    text = buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  const lines = text.split('\n');
  lines.pop();
  return lines.flatMap((line) => {
    const parsed = parseLine<JournalLine>(line);
    return parsed?.kind === 'event' ? [parsed.event] : [];
  });
}

export function summarizeJournal(path: string, fs: RunsFs, isAlive: (pid: number) => boolean): RunSummary & { sortKey: number } {
  const { first, last, mtimeMs } = readFirstAndLastLine(fs, path);
  const header = parseLine<JournalHeader>(first);
  const end = parseLine<JournalEnd>(last);
  const id = header?.runId ?? path.replace(/^.*\//, '').replace(/\.jsonl$/, '');
  const finished = end?.kind === 'end' ? end : undefined;
  const stillRunning = !finished && header !== undefined && header.host === hostname() && isAlive(header.pid);
  const started = header?.started ?? null;
  return {
    id,
    started,
    command: header?.command ?? '',
    outcome: finished ? outcomeOf(finished) : stillRunning ? 'running' : 'interrupted',
    exitCode: finished?.exitCode ?? null,
    ended: finished?.ended ?? null,
    hostsDone: finished?.hosts?.done ?? null,
    hostsFailed: finished?.hosts?.failed ?? null,
    journal: path,
    resumes: header?.resumes ?? null,
    resumedBy: null,
    journalError: finished?.journalError ?? null,
    inFlight: !finished && !stillRunning && header !== undefined ? inFlightOf(readEvents(fs, path)) : null,
    sortKey: started ? Date.parse(started) : mtimeMs,
  };
}

/** Recent runs, newest first. A missing runs folder means no runs yet. */
export function listRuns(options: ListRunsOptions): RunSummary[] {
  const fs = options.fs ?? (nodeFs as unknown as RunsFs);
  const dir = runsDir(options.stateDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const summaries = names.map((name) => summarizeJournal(join(dir, name), fs, options.isAlive ?? processAlive));
  const byId = new Map(summaries.map((s) => [s.id, s]));
  for (const s of summaries) {
    const resumed = s.resumes !== null ? byId.get(s.resumes) : undefined;
    if (resumed) resumed.resumedBy = s.id;
  }
  summaries.sort((a, b) => b.sortKey - a.sortKey || b.id.localeCompare(a.id));
  return summaries.slice(0, options.limit ?? summaries.length).map(({ sortKey: _sortKey, ...summary }) => summary);
}
