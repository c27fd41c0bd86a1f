/**
 * `drydock run PATTERN -i INVENTORY [options] -- COMMAND...`: one shell command on every matching host.
 *
 * Output: on stdout, one block per host as it finishes (Ansible's ad hoc layout), a status line naming the
 * hosts still running, and the PLAY RECAP. With --json, stdout carries only one JSON object per host and the
 * status line and recap go to stderr. Exit codes follow Ansible: 0 all ok, 2 some failed, 4 some unreachable
 * (wins over failed), 130 interrupted (129 SIGHUP, 143 SIGTERM, treated as Ctrl-C); bad input is 1 before any host is contacted. An empty match warns (as Ansible:
 * "No hosts matched, nothing to do") and exits 0.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { type RunEvent } from '../../events/events.js';
import { formatHostResultJson } from '../../events/json-log.js';
import { HumanRenderer, type TextOutput } from '../../events/tty.js';
import { startRunJournal } from '../../journal/journal.js';
import { runFanout, systemClock } from '../../run/fanout.js';
import { planRun, type RunPlan, type RunPlanPorts } from '../../run/plan.js';
import { watchInterrupts } from '../interrupt.js';
import { addConnectionOptions, addOutputOptions, addTargetOptions, htmlOption, type SharedOptions } from '../options.js';
import { writeReportAfterRun } from '../report-file.js';
import { closeRunLog, hostPlanRequest, livePlanPorts, openRunLog, statusIntervalMs, wantsColor } from '../run-setup.js';
import type { Invocation } from '../exit.js';
import { withSession, type RunSession } from '../session.js';

export function register(program: Command, { exit, commandLine }: Invocation): void {
  const command = program
    .command('run')
    .description('run one shell command on every host matching PATTERN (put the command after --)')
    .argument('<pattern>', 'host pattern, as Ansible: all, group, host, web*, a:b:&c:!d')
    // The words are joined with spaces and run by the remote shell, as ssh does with its arguments.
    .argument('<command...>', 'the command line to run, after --');
  addTargetOptions(command);
  addConnectionOptions(command);
  addOutputOptions(command);
  command.addOption(htmlOption());
  command.action(async (pattern: string, words: string[], options: SharedOptions) => {
    exit(await runCommand(pattern, words.join(' '), { ...options, commandLine }));
  });
}

export interface RunStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

/** The whole command; returns the exit code. Throws ConfigError/UsageError before any host is contacted. */
export async function runCommand(
  pattern: string,
  commandLine: string,
  options: SharedOptions,
  streams: RunStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
): Promise<number> {
  const plan = await planRun({ pattern, ...hostPlanRequest(options) }, planPorts);
  return withSession(streams, (session) => runPlanned(session, plan, commandLine, options));
}

async function runPlanned(session: RunSession, plan: RunPlan, commandLine: string, options: SharedOptions): Promise<number> {
  const { streams, bus } = session;
  const human = options.json ? streams.stderr : streams.stdout;
  const color = wantsColor(human);
  const renderer = new HumanRenderer({ out: human, color, hostBlocks: !options.json });
  session.renderedBy((event) => renderer.handle(event));
  if (options.json) bus.on((event) => event.type === 'host.result' && streams.stdout.write(formatHostResultJson(event.result)));
  const runId = randomUUID();
  const log = await openRunLog(bus, options.logFile, runId);

  for (const message of plan.warnings) bus.emit({ type: 'warning', message });
  if (plan.targets.length === 0) {
    await closeRunLog(log, streams.stderr);
    return 0;
  }
  // Ad hoc commands change hosts too (a restart, a file removed): `drydock runs` must show them.
  const journal = startRunJournal(bus, runId, {
    warn: (message) => streams.stderr.write(`drydock: warning: ${message}\n`),
    ...(options.commandLine !== undefined ? { argv: options.commandLine } : {}),
  });
  let exitCode = 1;

  const interrupts = watchInterrupts((message) => bus.emit({ type: 'warning', message }), {
    stopping: 'no new hosts will start; running ones finish (Ctrl-C or the signal again aborts them)',
    ending: 'aborting the commands still running',
  });
  interrupts.abort.addEventListener('abort', () => session.abort.abort(), { once: true });
  const { pool } = session;
  try {
    const outcome = await runFanout(
      {
        runId,
        command: commandLine,
        targets: plan.targets,
        forks: options.forks,
        timeoutMs: options.timeout ? options.timeout * 1000 : undefined,
        become: options.become,
        statusIntervalMs: statusIntervalMs(human),
        streamOutput: Boolean(log),
      },
      {
        connect: (spec) => pool.connect(spec),
        release: (name) => pool.release(name),
        emit: (event: RunEvent) => bus.emit(event),
        clock: systemClock,
      },
      { stop: interrupts.stop, abort: interrupts.abort },
    );
    exitCode = interrupts.exitCode(outcome.exitCode);
    return exitCode;
  } finally {
    interrupts.dispose();
    const journalFailure = journal?.close({ exitCode, interrupted: interrupts.stop.aborted });
    if (journalFailure) streams.stderr.write(`drydock: warning: the run journal could not be written completely: ${journalFailure.message}\n`);
    await closeRunLog(log, streams.stderr);
    if (journal && options.html !== undefined) await writeReportAfterRun(runId, options.html, options.json ? streams.stderr : streams.stdout, streams.stderr);
  }
}
