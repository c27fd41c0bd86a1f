/**
 * `drydock play PLAYBOOK -i INVENTORY [options]`: runs an Ansible-style playbook.
 *
 * The playbook, the inventory and every host's connection settings are checked before any host is
 * contacted (exit 1 with every problem listed). Output is ansible-playbook's layout on stdout (on stderr
 * with --json, where stdout carries only the JSON report). Exit codes: 0 ok, 2 failed hosts (also when a
 * play stopped between batches), 4 unreachable hosts, 130 interrupted (first Ctrl-C: no new task or batch
 * starts, running ones finish, the recap is printed; a second Ctrl-C ends running commands).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EventBus } from '../../events/events.js';
import { redactSecrets } from '../../events/json-log.js';
import type { TextOutput } from '../../events/tty.js';
import { startRunJournal } from '../../journal/journal.js';
import { builtinTaskModules, extraTaskModuleSpecs } from '../../modules/index.js';
import { kubeModuleSpecs, kubeTaskModules } from '../../modules/kube/index.js';
import { etcdModuleSpecs, etcdTaskModules } from '../../modules/etcd/index.js';
import { createRunKube } from '../cluster-access.js';
import type { ControllerFiles, TaskModule } from '../../modules/types.js';
import { builtinModuleRegistry } from '../../playbook/builtin-modules.js';
import { loadPlaybook } from '../../playbook/load.js';
import { localExec } from '../../engine/local-exec.js';
import { PlayRenderer } from '../../engine/output.js';
import { formatHostList, formatTaskList, planPlaybook } from '../../engine/plan.js';
import { defaultRetryPath, retryFileText } from '../../engine/report.js';
import { runPlaybook } from '../../engine/run-playbook.js';
import type { EngineClock } from '../../engine/types.js';
import type { RunPlanPorts } from '../../run/plan.js';
import { abortableSleep } from '../../transport/abortable-sleep.js';
import { FD_BASE_MARGIN, FDS_PER_HOST, fdsNeeded, readOpenFileLimit } from '../../transport/fd-budget.js';
import type { ConnectionPool } from '../../transport/types.js';
import { watchInterrupts } from '../interrupt.js';
import { addConnectionOptions, addTargetOptions, logFileOption, type SharedOptions } from '../options.js';
import { closeRunLog, hostPlanRequest, livePlanPorts, livePool, openRunLog, statusIntervalMs, wantsColor } from '../run-setup.js';

export interface PlayOptions extends SharedOptions {
  check: boolean;
  diff: boolean;
  tags: string[];
  skipTags: string[];
  startAtTask?: string;
  listHosts: boolean;
  listTasks: boolean;
  syntaxCheck: boolean;
  yes: boolean;
  retryFile?: string;
  retryFiles: boolean;
  report?: string;
  countUnreachableInMaxFail: boolean;
  continueOnFailedBatch?: boolean;
  shuffleSeed?: string;
  kubeconfig?: string;
  context?: string;
}

const splitTags = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((t) => t.trim()).filter(Boolean)];

export function register(program: Command): void {
  const command = program
    .command('play')
    .description('run a playbook (plays, serial batches, handlers) against the inventory')
    .argument('<playbook>', 'playbook file (YAML, Ansible syntax)');
  addTargetOptions(command);
  addConnectionOptions(command);
  command
    .addOption(new Option('--json', 'print the JSON report (every host × task result, timings, recap) on stdout; progress goes to stderr').default(false))
    .addOption(logFileOption())
    .addOption(new Option('-C, --check', 'change nothing: modules that support it report what would change, others are skipped').default(false))
    .addOption(new Option('-D, --diff', 'show before/after for file changes').default(false))
    .addOption(new Option('-t, --tags <tags>', 'only tasks with these tags (comma-separated, repeatable)').argParser(splitTags).default([], 'all'))
    .addOption(new Option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated, repeatable)').argParser(splitTags).default([], 'none'))
    .addOption(new Option('--start-at-task <name>', 'start at the first task with this name (glob allowed)'))
    .addOption(new Option('--list-hosts', "print each play's host batches and exit; contacts no host").default(false))
    .addOption(new Option('--list-tasks', 'print the tasks that would run and exit').default(false))
    .addOption(new Option('--syntax-check', 'check the playbook and exit').default(false))
    .addOption(new Option('-y, --yes', 'answer yes to prompts (pause without seconds is skipped)').default(false))
    .addOption(new Option('--retry-file <file>', 'write failed and unreachable hosts to this file'))
    .addOption(new Option('--retry-files', 'write failed and unreachable hosts to <playbook>.retry').default(false))
    .addOption(new Option('--report <file>', 'write every host × task result with timings as JSON to this file'))
    .addOption(new Option('--count-unreachable-in-max-fail', 'unreachable hosts count towards max_fail_percentage (default: a node that stops answering during maintenance is as alarming as one that fails)').default(true))
    .addOption(new Option('--no-count-unreachable-in-max-fail', 'count only failed hosts towards max_fail_percentage, as Ansible does'))
    .addOption(new Option('--continue-on-failed-batch', 'start the next batch even when every host of a batch failed (Ansible stops the run)').default(false))
    .addOption(new Option('--shuffle-seed <seed>', 'seed for order: shuffle, to repeat a run\'s host order'))
    .addOption(new Option('--kubeconfig <file>', 'cluster access for kube_* tasks (default: KUBECONFIG, ~/.kube/config, then admin.conf from the first control plane)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use'));
  command.action(async (playbook: string, options: PlayOptions) => {
    process.exitCode = await playCommand(playbook, options);
  });
}

export interface PlayStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

const nodeControllerFiles: ControllerFiles = {
  readFile: (path) => readFile(path),
  async writeFile(path, data, mode) {
    await writeFile(path, data, mode !== undefined ? { mode } : {});
  },
  async exists(path) {
    return stat(path).then(
      () => true,
      () => false,
    );
  },
  async mkdirp(path) {
    await mkdir(path, { recursive: true });
  },
};

export const systemEngineClock: EngineClock = {
  now: () => Date.now(),
  sleep: abortableSleep,
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Every task module drydock ships: the built-in ones and the kube_* ones. */
export function allTaskModules(): Map<string, TaskModule> {
  return new Map([...builtinTaskModules(), ...kubeTaskModules(), ...etcdTaskModules()]);
}

export async function playCommand(
  playbookPath: string,
  options: PlayOptions,
  streams: PlayStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
  modules: ReadonlyMap<string, TaskModule> = allTaskModules(),
): Promise<number> {
  const registry = builtinModuleRegistry();
  for (const spec of [...extraTaskModuleSpecs(), ...kubeModuleSpecs(), ...etcdModuleSpecs()]) registry.register(spec);
  const playbook = await loadPlaybook(playbookPath, { moduleRegistry: registry });
  const tagSelection = { only: options.tags ?? [], skip: options.skipTags ?? [] };
  if (options.syntaxCheck) {
    streams.stdout.write(`\nplaybook: ${playbookPath}\n`);
    return 0;
  }
  if (options.listTasks) {
    streams.stdout.write(formatTaskList(playbook, tagSelection));
    return 0;
  }
  const extraVars = options.extraVars ?? {};
  const plan = await planPlaybook(playbook, modules, hostPlanRequest(options), planPorts);
  if (options.listHosts) {
    streams.stdout.write(formatHostList(playbook, plan.playHosts, extraVars, options.shuffleSeed));
    return 0;
  }

  const human = options.json ? streams.stderr : streams.stdout;
  const color = wantsColor(human);
  const bus = new EventBus();
  const renderer = new PlayRenderer({ out: human, color });
  bus.on((event) => renderer.handle(event));
  const runId = randomUUID();
  const log = await openRunLog(bus, options.logFile, runId);
  const journal = startRunJournal(bus, runId, { warn: (message) => streams.stderr.write(`drydock: warning: ${message}\n`) });
  human.write(`run id: ${runId}${journal ? ` (journal: ${journal.path})` : ''}\n`);
  let journalExit = 1;
  for (const message of plan.warnings) bus.emit({ type: 'warning', message });
  const maxOpenConnections = connectionBudget(plan.specs.size, plan.bastions, (message) => bus.emit({ type: 'warning', message }));

  const interrupts = watchInterrupts((message) => bus.emit({ type: 'warning', message }), {
    stopping: 'interrupted: no new task or batch will start; running ones finish (Ctrl-C again to end them)',
    ending: 'ending the commands still running',
  });
  const pool = livePool(bus, interrupts.abort);
  try {
    const outcome = await runPlaybook(
      {
        playbook,
        playHosts: plan.playHosts,
        registry,
        options: {
          runId,
          check: options.check,
          diff: options.diff,
          yes: options.yes,
          forks: options.forks,
          tags: tagSelection.only,
          skipTags: tagSelection.skip,
          ...(options.startAtTask !== undefined ? { startAtTask: options.startAtTask } : {}),
          extraVars,
          countUnreachableInMaxFail: options.countUnreachableInMaxFail !== false,
          continueOnFailedBatch: options.continueOnFailedBatch === true,
          statusIntervalMs: statusIntervalMs(human),
          ...(options.timeout !== undefined ? { taskTimeout: options.timeout } : {}),
          ...(maxOpenConnections !== undefined ? { maxOpenConnections } : {}),
          ...(options.shuffleSeed !== undefined ? { shuffleSeed: options.shuffleSeed } : {}),
        },
      },
      {
        inventory: plan.inventory,
        modules,
        specFor: plan.resolveSpec,
        connect: (spec) => pool.connect(spec),
        release: (host) => pool.release(host),
        reconnect: (spec, opts) => {
          const pooled: ConnectionPool = pool;
          if (!pooled.reconnect) throw new UsageError('this drydock build cannot reconnect to hosts (the connection pool has no reconnect)');
          return pooled.reconnect(spec, opts);
        },
        localExec: (command, opts) => localExec(command, opts),
        controller: nodeControllerFiles,
        kube: createRunKube({
          ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
          ...(options.context !== undefined ? { context: options.context } : {}),
          inventory: plan.inventory,
          specFor: plan.resolveSpec,
          connect: (spec) => pool.connect(spec),
          emit: (event) => bus.emit(event),
        }),
        clock: systemEngineClock,
        emit: (event) => bus.emit(event),
      },
      { stop: interrupts.stop, abort: interrupts.abort },
    );
    const retryPath = options.retryFile ?? (options.retryFiles ? defaultRetryPath(playbook.file) : undefined);
    const retryText = retryFileText(outcome.failedHosts, outcome.unreachableHosts);
    if (retryPath && retryText) {
      await mkdir(dirname(retryPath), { recursive: true });
      await writeFile(retryPath, retryText);
      human.write(`\tto retry, use: --limit @${retryPath}\n\n`);
    }
    const reportJson = `${JSON.stringify(redactSecrets(outcome.report), null, 2)}\n`;
    if (options.report) await writeFile(options.report, reportJson);
    if (options.json) streams.stdout.write(reportJson);
    journalExit = outcome.exitCode;
    return outcome.exitCode;
  } finally {
    interrupts.dispose();
    await pool.closeAll();
    const journalFailure = journal?.close({ exitCode: journalExit, interrupted: interrupts.stop.aborted });
    if (journalFailure) streams.stderr.write(`drydock: warning: the run journal could not be written completely: ${journalFailure.message}\n`);
    await closeRunLog(log, streams.stderr);
  }
}

/**
 * How many host connections fit in the open-file limit. The engine keeps one per host for the run while
 * they fit; past that it closes idle ones and reconnects when needed, which is slower, so say so.
 */
function connectionBudget(hosts: number, bastions: number, warn: (message: string) => void): number | undefined {
  const limit = readOpenFileLimit();
  if (!limit || limit.soft === null) return undefined;
  const fit = Math.max(1, Math.floor((limit.soft - FD_BASE_MARGIN - bastions) / FDS_PER_HOST));
  if (fit < hosts) {
    warn(`${hosts} hosts but the open-file limit (ulimit -n ${limit.soft}) allows about ${fit} connections at once: idle hosts will reconnect when needed; raise it with \`ulimit -n ${fdsNeeded({ concurrentHosts: hosts, bastions })}\` to keep one connection per host`);
  }
  return fit;
}
