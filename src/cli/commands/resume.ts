/**
 * `drydock resume RUN_ID [-e key=value ...] [--yes]`: continues a failed or interrupted run. The run's
 * journal (and those of the runs that already resumed it) say what was done; the recorded command runs
 * again, in this process, with `--resume RUN_ID`, so hosts that finished are left out and a host that stopped
 * restarts at the task it stopped in. The new run gets its own run id and journal, which names RUN_ID.
 *
 * Secrets were masked when the command was recorded: a recorded `-e` value that was masked must be given
 * again here (`-e db_password=...`), or resume refuses and names the key.
 *
 * A task that started but whose end no journal recorded (the controller died, or the journal could not be
 * written) may have run in full: resuming runs it again, so resume names each one and asks first (`--yes`
 * answers; without a terminal and without `--yes` it refuses).
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { REDACTED } from '../../events/json-log.js';
import type { TextOutput } from '../../events/tty.js';
import type { Vars } from '../../inventory/types.js';
import { defaultStateDir } from '../../journal/journal.js';
import { describeResume, unknownTasks } from '../../journal/resume-describe.js';
import { loadResumeState, type ResumeState } from '../../journal/resume-state.js';
import { confirm } from '../confirm.js';
import { parseExtraVars } from '../options.js';
import { EXIT, type Invocation } from '../exit.js';

export interface ResumeOptions {
  /** `-e` values as typed, passed on to the resumed command verbatim. */
  extraVars: string[];
  yes: boolean;
  /** Passed on: take the cluster lock even from a run that still holds it. */
  breakLock?: boolean;
  /** `--notify` URLs for the resumed run (the journal keeps only scheme://host/… of the recorded ones). */
  notify?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function register(program: Command, { exit }: Invocation): void {
  program
    .command('resume')
    .description('continue a failed or interrupted run where it stopped (see drydock runs): finished hosts are left out, a stopped host restarts at its task')
    .argument('<runId>', 'the run to continue (drydock runs lists them)')
    .addOption(new Option('-e, --extra-vars <vars>', 'give again a secret the journal masked, or override a variable (key=value, JSON or @file; repeatable)').argParser(collect).default([]))
    .addOption(new Option('-y, --yes', 'do not ask for confirmation (passed on to the resumed command)').default(false))
    .addOption(new Option('--break-lock', 'passed on: take the cluster lock even from a run that still holds it').default(false))
    .addOption(new Option('--notify <url>', "post the resumed run's start, failures and end to this URL (the recorded --notify URLs are not kept; repeatable)").argParser(collect).default([]))
    .action(async (runId: string, options: ResumeOptions) => {
      exit(await resumeCommand(runId, options));
    });
}

const EXTRA_VARS_FLAGS = new Set(['-e', '--extra-vars']);
const RESUME_FLAG = '--resume';
const NOTIFY_FLAG = '--notify';
const YES_FLAGS = new Set(['-y', '--yes']);

function containsRedacted(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(containsRedacted);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsRedacted);
  return false;
}

/** Top-level keys of one recorded `-e` value that hold a masked secret. */
function maskedKeys(value: string): string[] {
  if (!value.includes(REDACTED)) return [];
  let vars: Vars;
  try {
    vars = parseExtraVars(value);
  } catch {
    throw new UsageError(`a recorded -e value has a masked secret and cannot be read back (${value}); run the command again instead of resuming`);
  }
  return Object.entries(vars).filter(([, v]) => containsRedacted(v)).map(([k]) => k);
}

export interface ResumePlan {
  /** The arguments after `drydock` to run: the recorded ones, the new -e values, --yes, then --resume RUN_ID. */
  argv: string[];
  /** Keys whose masked values the new -e values give again. */
  resupplied: string[];
}

/** Pure: the command line that continues `state`'s run, or a UsageError saying what is missing. */
export function planResume(state: ResumeState, options: ResumeOptions): ResumePlan {
  const recorded = state.argv;
  if (!recorded || recorded.length === 0) {
    throw new UsageError(`run ${state.runId} was recorded without its arguments (an older drydock wrote its journal); run the command again: ${state.command}`);
  }
  const given = new Set<string>();
  for (const value of options.extraVars) for (const key of Object.keys(parseExtraVars(value))) given.add(key);
  const kept: string[] = [];
  const masked: string[] = [];
  for (let i = 0; i < recorded.length; i++) {
    const arg = recorded[i]!;
    if (arg === RESUME_FLAG) {
      i++; // the run this one resumed; the new --resume goes at the end
      continue;
    }
    if (arg.startsWith(`${RESUME_FLAG}=`)) continue;
    // Recorded as scheme://host/… only (the path may be the webhook's token): resume --notify gives them again.
    if (arg === NOTIFY_FLAG) {
      i++;
      continue;
    }
    if (arg.startsWith(`${NOTIFY_FLAG}=`)) continue;
    let value: string | undefined;
    if (EXTRA_VARS_FLAGS.has(arg) && i + 1 < recorded.length) {
      value = recorded[i + 1]!;
      kept.push(arg, value);
      i++;
    } else if (arg.startsWith('--extra-vars=') || (arg.startsWith('-e') && arg.length > 2 && !arg.startsWith('--'))) {
      value = arg.startsWith('--') ? arg.slice('--extra-vars='.length) : arg.slice(2);
      kept.push(arg);
    } else {
      if (arg.includes(REDACTED)) {
        throw new UsageError(`the recorded argument "${arg}" has a secret masked, and drydock resume can only take masked values back through -e; run the command again instead`);
      }
      kept.push(arg);
    }
    if (value !== undefined) masked.push(...maskedKeys(value));
  }
  const missing = [...new Set(masked)].filter((k) => !given.has(k));
  if (missing.length > 0) {
    const list = missing.map((k) => `-e ${k}=...`).join(' ');
    throw new UsageError(`run ${state.runId} was started with ${missing.join(', ')} in -e, which the journal masks; give ${missing.length > 1 ? 'them' : 'it'} again: drydock resume ${state.runId} ${list}`);
  }
  const yes = options.yes && !kept.some((a) => YES_FLAGS.has(a)) ? ['--yes'] : [];
  const breakLock = options.breakLock && !kept.includes('--break-lock') ? ['--break-lock'] : [];
  return {
    argv: [...kept, ...options.extraVars.flatMap((v) => ['-e', v]), ...(options.notify ?? []).flatMap((url) => [NOTIFY_FLAG, url]), ...yes, ...breakLock, RESUME_FLAG, state.runId],
    resupplied: [...new Set(masked)],
  };
}

export interface ResumeDeps {
  stateDir?: string;
  out?: TextOutput;
  /** Runs a drydock command line and returns its exit code (default: in this process, runInProcess). */
  run?: (argv: string[]) => Promise<number>;
  chdir?: (dir: string) => void;
  cwd?: () => string;
  /** Where the question about tasks whose end was not recorded is answered (default: stdin). */
  input?: NodeJS.ReadableStream;
  isTTY?: boolean;
}


export async function resumeCommand(runId: string, options: ResumeOptions, deps: ResumeDeps = {}): Promise<number> {
  const out = deps.out ?? process.stdout;
  const state = loadResumeState(runId, deps.stateDir ?? defaultStateDir());
  const plan = planResume(state, options);
  out.write(`resuming run ${state.runId}${state.chain.length > 1 ? ` (which continued ${state.chain.slice(0, -1).join(' → ')})` : ''}: ${state.command}\n`);
  for (const line of describeResume(state)) out.write(`  ${line}\n`);
  const unknown = unknownTasks(state);
  if (unknown.length > 0) {
    const input = deps.input ?? process.stdin;
    const summary = [
      `${unknown.length} task(s) started but their end was not recorded; they may have run in full, and resuming runs them again:`,
      ...unknown.map((u) => `  ${u.host}: task "${u.task}" (${u.taskId}) in run ${u.runId}`),
      'check them on the hosts first.',
    ].join('\n');
    const isTTY = deps.isTTY ?? (input as { isTTY?: boolean }).isTTY === true;
    if (!(await confirm({ summary, yes: options.yes, input, output: out, isTTY }))) {
      out.write('not confirmed: nothing was run again\n');
      return EXIT.ERROR;
    }
  }
  const cwd = deps.cwd ?? (() => process.cwd());
  if (state.cwd && state.cwd !== cwd()) {
    out.write(`  in ${state.cwd}, where the run was started\n`);
    (deps.chdir ?? process.chdir)(state.cwd);
  }
  return (deps.run ?? runInProcess)(plan.argv);
}

/**
 * The resumed command, in this process: the program is built again for the recorded command line and that
 * command plans its run anew from the inventory, the playbooks and the journal (`--resume RUN_ID`), as it
 * would have in the first place. Its journal and lock record the resumed command line, not `drydock resume`.
 */
async function runInProcess(argv: string[]): Promise<number> {
  const { buildProgram } = await import('../program.js');
  const line = ['node', 'drydock', ...argv];
  let code: number | undefined;
  const program = await buildProgram(line, {
    exit: (c) => {
      code = c;
    },
    commandLine: argv,
  });
  program.exitOverride();
  await program.parseAsync(line);
  return code ?? 0;
}
