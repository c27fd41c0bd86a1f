/**
 * `drydock report RUN_ID [-o FILE.html]`: the run's HTML report (one self-contained file: summary, plan,
 * timeline, failures, node states, host × task table), from its journal and those of the runs it resumes.
 */
import { Option, type Command } from 'commander';
import type { TextOutput } from '../../events/tty.js';
import { defaultStateDir } from '../../journal/journal.js';
import { listRuns } from '../../journal/runs.js';
import { EXIT } from '../exit.js';
import type { Invocation } from '../exit.js';
import { defaultReportFile, writeRunReport } from '../report-file.js';

export interface ReportOptions {
  output?: string;
}

export function register(program: Command, { exit }: Invocation): void {
  program
    .command('report')
    .description('write a run\'s report as one self-contained HTML file (a resumed run includes the runs it continues)')
    .argument('<runId>', 'the run (see drydock runs)')
    .addOption(new Option('-o, --output <file>', 'the HTML file to write (default drydock-report-RUN_ID.html here)'))
    .action(async (runId: string, options: ReportOptions) => {
      exit(await reportCommand(runId, options));
    });
}

export async function reportCommand(runId: string, options: ReportOptions, out: TextOutput = process.stdout, stateDir: string = defaultStateDir()): Promise<number> {
  const path = await writeRunReport(runId, options.output ?? defaultReportFile(runId), stateDir);
  out.write(`report of run ${runId}: ${path}\n`);
  // A report follows the runs a run resumes, not the later ones: say which run holds the whole story.
  const later = listRuns({ stateDir }).find((r) => r.resumes === runId);
  if (later) out.write(`run ${runId} was resumed by run ${later.id}: drydock report ${later.id} shows both\n`);
  return EXIT.OK;
}
