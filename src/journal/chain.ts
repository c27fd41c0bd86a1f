/**
 * A run's journal lines as written (each event with its time), and the chain of journals a resumed run
 * continues: the run, the run it resumed, and so on back to the first, oldest first. The run report
 * (src/report) reads these; resume-state.ts reads the same files for what to skip.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { defaultStateDir, runsDir, type JournalLine } from './journal.js';

export const RUN_ID = /^[A-Za-z0-9][\w.-]*$/;

/** Complete lines only: a line cut off by a crash (no newline, or not JSON) is left out; the rest stands. */
export function parseJournalLines(text: string): JournalLine[] {
  const lines = text.split('\n');
  lines.pop();
  const parsed: JournalLine[] = [];
  for (const line of lines) {
    try {
      parsed.push(JSON.parse(line) as JournalLine);
    } catch {
      // A torn write; everything before it stands.
    }
  }
  return parsed;
}

/** The journal of one run, its lines in order; UsageError when there is none or it is not a journal. */
export function readJournalLines(runId: string, stateDir: string = defaultStateDir(), readText: (path: string) => string = (p) => nodeFs.readFileSync(p, 'utf8')): JournalLine[] {
  if (!RUN_ID.test(runId)) throw new UsageError(`"${runId}" is not a run id (see drydock runs)`);
  const dir = runsDir(stateDir);
  const path = join(dir, `${runId}.jsonl`);
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no journal for run ${runId} in ${dir} (see drydock runs; DRYDOCK_STATE_DIR sets the folder)`);
    throw err;
  }
  const lines = parseJournalLines(text);
  if (lines[0]?.kind !== 'header') throw new UsageError(`${path} is not a drydock run journal (no header line)`);
  return lines;
}

/** The run's journal and those of the runs it resumes (following each header's `resumes`), oldest first. */
export function readJournalChain(runId: string, stateDir: string = defaultStateDir(), readText?: (path: string) => string): JournalLine[][] {
  const chain = [readJournalLines(runId, stateDir, readText)];
  const seen = new Set([runId]);
  for (let previous = resumesOf(chain[0]!); previous !== undefined; previous = resumesOf(chain[0]!)) {
    if (seen.has(previous) || !RUN_ID.test(previous)) throw new UsageError(`the journals of run ${runId} resume each other in a loop (${previous})`);
    seen.add(previous);
    chain.unshift(readJournalLines(previous, stateDir, readText));
  }
  return chain;
}

function resumesOf(lines: readonly JournalLine[]): string | undefined {
  const header = lines[0];
  return header?.kind === 'header' ? header.resumes : undefined;
}
