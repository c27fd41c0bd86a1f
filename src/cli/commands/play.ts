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
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EventBus } from '../../events/events.js';
import { redactSecrets } from '../../events/json-log.js';
import type { TextOutput } from '../../events/tty.js';
import { redactCommandLine, startRunJournal } from '../../journal/journal.js';
import type { ClusterLock } from '../../lock/cluster-lock.js';
import { extraTaskModuleSpecs } from '../../modules/index.js';
import { kubeModuleSpecs } from '../../modules/kube/index.js';
import { etcdModuleSpecs } from '../../modules/etcd/index.js';
import { certsModuleSpecs } from '../../modules/certs/index.js';
import { createRunKube } from '../cluster-access.js';
import type { TaskModule } from '../../modules/types.js';
import { builtinModuleRegistry } from '../../playbook/builtin-modules.js';
import { loadPlaybook } from '../../playbook/load.js';
import { localExec } from '../../engine/local-exec.js';
import { PlayRenderer } from '../../engine/output.js';
import { nodeStatesSection } from '../../engine/failure-summary.js';
import { formatHostList, formatTaskList, planPlaybook } from '../../engine/plan.js';
import { defaultRetryPath, retryFileText } from '../../engine/report.js';
import { EXIT_INTERRUPTED, runPlaybook } from '../../engine/run-playbook.js';
import type { RunPlanPorts } from '../../run/plan.js';
import type { ConnectionPool } from '../../transport/types.js';
import { EXIT } from '../exit.js';
import { watchInterrupts } from '../interrupt.js';
import { confirmMaintenance, joinPlaybooks, playbookChangesCluster, stopSwitch, takeClusterLock, type ConfirmStreams, type MaintenanceHooks } from '../maintenance.js';
import { loadResumeState } from '../../journal/resume-state.js';
import { addConnectionOptions, addTargetOptions, breakLockOption, logFileOption, resumeOption, type SharedOptions } from '../options.js';
import { allTaskModules, connectionBudget, loadPlaybooks, nodeControllerFiles, systemEngineClock } from '../play-setup.js';
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
  /** Take the cluster lock: undefined = when the playbook cordons, drains or uncordons (and not --check). */
  lock?: boolean;
  breakLock?: boolean;
  /** The run id of a failed or interrupted run this one continues (drydock resume). */
  resume?: string;
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
    .addOption(new Option('--context <name>', 'kubeconfig context to use'))
    .addOption(new Option('--lock', 'take the cluster lock (default: when the playbook cordons, drains or uncordons nodes)'))
    .addOption(new Option('--no-lock', 'do not take the cluster lock'))
    .addOption(breakLockOption())
    .addOption(resumeOption());
  command.action(async (playbook: string, options: PlayOptions) => {
    process.exitCode = await playCommand(playbook, options);
  });
}

/** Kept here for callers that import it from the play command. */
export { allTaskModules, systemEngineClock };

export interface PlayStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

export async function playCommand(
  playbookPaths: string | readonly string[],
  options: PlayOptions,
  streams: PlayStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
  modules: ReadonlyMap<string, TaskModule> = allTaskModules(),
  hooks: MaintenanceHooks = {},
  input: ConfirmStreams['input'] = process.stdin,
): Promise<number> {
  const registry = builtinModuleRegistry();
  for (const spec of [...extraTaskModuleSpecs(), ...kubeModuleSpecs(), ...etcdModuleSpecs(), ...certsModuleSpecs()]) registry.register(spec);
  const paths = typeof playbookPaths === 'string' ? [playbookPaths] : playbookPaths;
  const playbook = joinPlaybooks(await loadPlaybooks(paths, (path) => loadPlaybook(path, { moduleRegistry: registry })));
  const tagSelection = { only: options.tags ?? [], skip: options.skipTags ?? [] };
  if (options.syntaxCheck) {
    for (const path of paths) streams.stdout.write(`\nplaybook: ${path}\n`);
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

  // A run that cannot be resumed is refused before anything is asked or changed.
  const resume = options.resume !== undefined ? loadResumeState(options.resume) : undefined;
  const human = options.json ? streams.stderr : streams.stdout;
  if (!(await confirmMaintenance(hooks, { input, output: human }))) {
    human.write('not confirmed: nothing was changed\n');
    return EXIT.ERROR;
  }
  const color = wantsColor(human);
  const bus = new EventBus();
  const renderer = new PlayRenderer({ out: human, color });
  bus.on((event) => renderer.handle(event));
  const runId = randomUUID();
  const log = await openRunLog(bus, options.logFile, runId);
  const journal = startRunJournal(bus, runId, {
    warn: (message) => streams.stderr.write(`drydock: warning: ${message}\n`),
    ...(options.resume !== undefined ? { resumes: options.resume } : {}),
  });
  human.write(`run id: ${runId}${journal ? ` (journal: ${journal.path})` : ''}${options.resume ? ` — resuming run ${options.resume}` : ''}\n`);
  let journalExit = 1;
  let journalError: string | undefined;
  for (const message of plan.warnings) bus.emit({ type: 'warning', message });
  const maxOpenConnections = connectionBudget(plan.specs.size, plan.bastions, (message) => bus.emit({ type: 'warning', message }));

  const warn = (message: string): void => bus.emit({ type: 'warning', message });
  const interrupts = watchInterrupts(warn, {
    stopping: 'interrupted: no new task or batch will start; running ones finish (Ctrl-C again to end them)',
    ending: 'ending the commands still running',
  });
  const stop = stopSwitch(interrupts.stop, hooks.stopAt, warn);
  const pool = livePool(bus, interrupts.abort);
  const kube = createRunKube({
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    inventory: plan.inventory,
    specFor: plan.resolveSpec,
    connect: (spec) => pool.connect(spec),
    emit: (event) => bus.emit(event),
  });
  let lock: ClusterLock | undefined;
  try {
    const wantsLock = !options.check && (hooks.lock !== undefined || (options.lock ?? playbookChangesCluster(playbook)));
    if (wantsLock) {
      lock = await takeClusterLock(kube, {
        runId,
        command: redactCommandLine(['drydock', ...process.argv.slice(2)]),
        breakLock: hooks.lock?.breakLock ?? options.breakLock === true,
        ...(resume ? { resumes: { runId: resume.runId, chain: resume.chain } } : {}),
        emit: (event) => bus.emit(event),
        onLost: (reason) => stop.stopForLock(`the cluster lock was lost (${reason}): no new task or batch will start`),
      });
    }
    const outcome = await runPlaybook(
      {
        playbook,
        playHosts: plan.playHosts,
        registry,
        options: {
          runId,
          ...(resume ? { resume } : {}),
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
        kube,
        clock: systemEngineClock,
        emit: (event) => bus.emit(event),
      },
      { stop: stop.signal, stopBatches: stop.batches, abort: interrupts.abort },
    );
    // After a failed run the admin needs each touched node's state (Ready, cordoned, kubelet) from the API.
    const nodeStates = outcome.exitCode !== 0 && renderer.nodesTouched().size > 0 ? await nodeStatesSection(kube, renderer.cordonNotes(), color) : undefined;
    if (nodeStates) human.write(nodeStates.text);
    const retryPath = options.retryFile ?? (options.retryFiles ? defaultRetryPath(playbook.file) : undefined);
    const retryText = retryFileText(outcome.failedHosts, outcome.unreachableHosts);
    if (retryPath && retryText) {
      await mkdir(dirname(retryPath), { recursive: true });
      await writeFile(retryPath, retryText);
      human.write(`\tto retry, use: --limit @${retryPath}\n\n`);
    }
    const report = nodeStates ? { ...outcome.report, nodes: nodeStates.rows ?? null, ...(nodeStates.error ? { nodesError: nodeStates.error } : {}) } : outcome.report;
    const reportJson = `${JSON.stringify(redactSecrets(report), null, 2)}\n`;
    if (options.report) await writeFile(options.report, reportJson, { mode: 0o600 }); // holds registered values
    if (options.json) streams.stdout.write(reportJson);
    journalExit = stoppedExitCode(outcome.exitCode, interrupts.stop.aborted, stop.reason());
    if (outcome.interrupted) human.write(`to continue this run later: drydock resume ${runId}\n`);
    return journalExit;
  } catch (err) {
    journalError = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    stop.dispose();
    interrupts.dispose();
    await lock?.release().catch((err: unknown) => streams.stderr.write(`drydock: warning: the cluster lock could not be released (it expires on its own): ${(err as Error).message}\n`));
    await pool.closeAll();
    const journalFailure = journal?.close({ exitCode: journalExit, interrupted: stop.batches.aborted, ...(journalError !== undefined ? { error: journalError } : {}) });
    if (journalFailure) streams.stderr.write(`drydock: warning: the run journal could not be written completely: ${journalFailure.message}\n`);
    await closeRunLog(log, streams.stderr);
  }
}

/**
 * A run stopped by something other than Ctrl-C: the window closing is a planned stop (75, EX_TEMPFAIL: the
 * rest waits for the next window), a lost lock is an error (1). Failures found before the stop still win.
 */
export function stoppedExitCode(exitCode: number, interrupted: boolean, reason: 'window' | 'lock' | undefined): number {
  if (exitCode !== EXIT_INTERRUPTED || interrupted || reason === undefined) return exitCode;
  return reason === 'window' ? EXIT.TEMPFAIL : EXIT.ERROR;
}
