/** Writing a run's HTML report (src/report) from its journal chain: `drydock report` and `--html` share this. */
import { resolve } from 'node:path';
import { readJournalChain } from '../journal/chain.js';
import { defaultStateDir } from '../journal/journal.js';
import { renderRunReport } from '../report/html.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { TextOutput } from '../events/tty.js';

/** The report's file when none is named: in the current folder, named after the run. */
export function defaultReportFile(runId: string): string {
  return `drydock-report-${runId}.html`;
}

/** Renders the run's report (joined with the runs it resumes) into `file` (0600: it holds host output); returns the path written. */
export async function writeRunReport(runId: string, file: string = defaultReportFile(runId), stateDir: string = defaultStateDir()): Promise<string> {
  const html = renderRunReport(readJournalChain(runId, stateDir));
  const path = resolve(file);
  await writeFileAtomic(path, html, 0o600);
  return path;
}

/** --html: the report once the run's journal is closed. A report that cannot be written is a warning: the run's outcome stands. */
export async function writeReportAfterRun(runId: string, file: string, out: TextOutput, err: TextOutput, stateDir?: string): Promise<void> {
  try {
    out.write(`run report: ${await writeRunReport(runId, file, stateDir)}\n`);
  } catch (e) {
    err.write(`drydock: warning: the run report ${file} could not be written (drydock report ${runId} -o FILE tries again): ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
