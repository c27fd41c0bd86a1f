/** `drydock runs [--json] [--limit N]`: recent runs from their journals, newest first. */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { TextOutput } from '../../events/tty.js';
import { defaultStateDir } from '../../journal/journal.js';
import { listRuns, type RunSummary } from '../../journal/runs.js';
import { describeInFlight } from '../../journal/in-flight.js';
import type { Invocation } from '../exit.js';

const DEFAULT_LIMIT = 20;

export interface RunsOptions {
  json: boolean;
  limit: number;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit must be a positive whole number, not "${value}"`);
  return n;
}

export function register(program: Command, { exit }: Invocation): void {
  program
    .command('runs')
    .description(`list recent runs from their journals (${defaultStateDir()}/runs; DRYDOCK_STATE_DIR overrides)`)
    .addOption(new Option('--json', 'print the list as JSON').default(false))
    .addOption(new Option('--limit <n>', 'show at most this many runs').argParser(parseLimit).default(DEFAULT_LIMIT))
    .action((options: RunsOptions) => {
      exit(runsCommand(options));
    });
}

export function runsCommand(options: RunsOptions, out: TextOutput = process.stdout, stateDir: string = defaultStateDir()): number {
  const runs = listRuns({ stateDir, limit: options.limit });
  if (options.json) {
    out.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    out.write(`no runs recorded in ${stateDir}/runs\n`);
    return 0;
  }
  out.write(formatRunsTable(runs));
  for (const run of runs) for (const line of describeInFlight(run.id, run.inFlight ?? [])) out.write(`${line}\n`);
  return 0;
}

function hostsCell(run: RunSummary): string {
  if (run.hostsDone === null || run.hostsFailed === null) return '-';
  return `${run.hostsDone} ok, ${run.hostsFailed} failed`;
}

/** The outcome, with the resume links: "interrupted, resumed by B" and "ok, resumes A". */
function outcomeCell(run: RunSummary): string {
  const links = [...(run.resumes ? [`resumes ${run.resumes}`] : []), ...(run.resumedBy ? [`resumed by ${run.resumedBy}`] : [])];
  return [run.outcome, ...links].join(', ');
}

export function formatRunsTable(runs: readonly RunSummary[]): string {
  const rows = [['RUN ID', 'STARTED', 'OUTCOME', 'HOSTS', 'COMMAND'], ...runs.map((r) => [r.id, r.started ?? '?', outcomeCell(r), hostsCell(r), r.command])];
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col < 4 ? cell.padEnd(widths[col]!) : cell)).join('  ').trimEnd()).join('\n') + '\n';
}
