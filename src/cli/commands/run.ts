/**
 * `drydock run PATTERN -i INVENTORY [options] -- COMMAND...`: one shell command on every matching host.
 *
 * Output: on stdout, one block per host as it finishes (Ansible's ad hoc layout), a status line naming the
 * hosts still running, and the PLAY RECAP. With --json, stdout carries only one JSON object per host and the
 * status line and recap go to stderr. Exit codes follow Ansible: 0 all ok, 2 some failed, 4 some unreachable
 * (wins over failed), 130 interrupted; bad input is 1 before any host is contacted. An empty match warns (as Ansible:
 * "No hosts matched, nothing to do") and exits 0.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { EventBus, type RunEvent } from '../../events/events.js';
import { attachEventLog, formatHostResultJson } from '../../events/json-log.js';
import type { JsonLinesLog } from '../../events/logger.js';
import { HumanRenderer, type TextOutput } from '../../events/tty.js';
import { applyLimit, hostVars, loadInventory, resolvePattern } from '../../inventory/index.js';
import { runFanout, systemClock } from '../../run/fanout.js';
import { createLiveOpener } from '../../run/live-opener.js';
import { planRun, type RunPlanPorts } from '../../run/plan.js';
import { readOpenFileLimit } from '../../transport/fd-budget.js';
import { SshConnectionPool } from '../../transport/pool.js';
import { resolveConnectionSpec } from '../../transport/resolve.js';
import { loadSshConfig } from '../../transport/ssh-config.js';
import { addConnectionOptions, addOutputOptions, addTargetOptions, connectionOverrides, requireInventory, type SharedOptions } from '../options.js';

/** Status line cadence: redrawn every second on a terminal, a plain line every 10 s elsewhere. */
const STATUS_INTERVAL_TTY_MS = 1000;
const STATUS_INTERVAL_PLAIN_MS = 10_000;

const livePlanPorts: RunPlanPorts = {
  loadInventory: (sources) => loadInventory(sources),
  resolvePattern,
  applyLimit,
  hostVars: (inv, host, extra) => hostVars(inv, host, extra),
  loadSshConfig: (file) => loadSshConfig(file),
  resolveSpec: resolveConnectionSpec,
  fileExists: existsSync,
  openFileLimit: () => readOpenFileLimit(),
};

export function register(program: Command): void {
  const command = program
    .command('run')
    .description('run one shell command on every host matching PATTERN (put the command after --)')
    .argument('<pattern>', 'host pattern, as Ansible: all, group, host, web*, a:b:&c:!d')
    // The words are joined with spaces and run by the remote shell, as ssh does with its arguments.
    .argument('<command...>', 'the command line to run, after --');
  addTargetOptions(command);
  addConnectionOptions(command);
  addOutputOptions(command);
  command.action(async (pattern: string, words: string[], options: SharedOptions) => {
    process.exitCode = await runCommand(pattern, words.join(' '), options);
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
  const plan = await planRun(
    {
      pattern,
      inventory: requireInventory(options),
      limit: options.limit,
      extraVars: options.extraVars ?? {},
      forks: options.forks,
      sshConfigFile: options.sshConfig,
      cli: connectionOverrides(options),
    },
    planPorts,
  );

  const human = options.json ? streams.stderr : streams.stdout;
  const color = wantsColor(human);
  const bus = new EventBus();
  const renderer = new HumanRenderer({ out: human, color, hostBlocks: !options.json });
  bus.on((event) => renderer.handle(event));
  if (options.json) bus.on((event) => event.type === 'host.result' && streams.stdout.write(formatHostResultJson(event.result)));
  const runId = randomUUID();
  let log: JsonLinesLog | undefined;
  if (options.logFile) {
    // winston costs ~90 ms of startup; load it only when a log is asked for.
    const { openJsonLinesLog } = await import('../../events/logger.js');
    log = openJsonLinesLog(options.logFile, { runId });
    attachEventLog(bus, log);
  }

  for (const message of plan.warnings) bus.emit({ type: 'warning', message });
  if (plan.targets.length === 0) {
    await closeLog(log, streams.stderr);
    return 0;
  }

  const stop = new AbortController();
  const abort = new AbortController();
  // Every running host listens on both signals (its command, its handshake); hundreds at once are expected.
  setMaxListeners(0, stop.signal, abort.signal);
  const onInterrupt = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      bus.emit({ type: 'warning', message: 'interrupted: no new hosts will start; running ones finish (Ctrl-C again to abort them)' });
    } else if (!abort.signal.aborted) {
      abort.abort();
      bus.emit({ type: 'warning', message: 'aborting the commands still running' });
    }
  };
  process.on('SIGINT', onInterrupt);
  const pool = new SshConnectionPool({
    open: createLiveOpener({ onWarning: (message) => bus.emit({ type: 'warning', message }) }),
    signal: abort.signal,
  });
  try {
    const outcome = await runFanout(
      {
        runId,
        command: commandLine,
        targets: plan.targets,
        forks: options.forks,
        timeoutMs: options.timeout ? options.timeout * 1000 : undefined,
        become: options.become,
        statusIntervalMs: human.isTTY ? STATUS_INTERVAL_TTY_MS : STATUS_INTERVAL_PLAIN_MS,
        streamOutput: Boolean(log),
      },
      {
        connect: (spec) => pool.connect(spec),
        release: (name) => pool.release(name),
        emit: (event: RunEvent) => bus.emit(event),
        clock: systemClock,
      },
      { stop: stop.signal, abort: abort.signal },
    );
    return outcome.exitCode;
  } finally {
    process.off('SIGINT', onInterrupt);
    await pool.closeAll();
    await closeLog(log, streams.stderr);
  }
}

function wantsColor(out: TextOutput): boolean {
  if (process.env['NO_COLOR']) return false;
  if (process.env['FORCE_COLOR'] && process.env['FORCE_COLOR'] !== '0') return true;
  return out.isTTY === true;
}

async function closeLog(log: JsonLinesLog | undefined, stderr: TextOutput): Promise<void> {
  if (!log) return;
  const failure = await log.close();
  if (failure) stderr.write(`drydock: warning: the log file could not be written completely: ${failure.message}\n`);
}
