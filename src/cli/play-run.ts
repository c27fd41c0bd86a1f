/**
 * Running a planned playbook: what `drydock play` and the changing commands (upgrade, reboot, certs renew) share
 * once they have a plan the user has seen. The resume claim, confirmation, run id, journal, log, stop signals
 * (Ctrl-C, SIGTERM, SIGHUP), the cluster lock, the hosts' local run locks, the engine on the session's
 * connections and cluster access, then node states, retry file and report.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JournalWriteError, UsageError } from '../errors.js';
import { redactSecrets } from '../events/json-log.js';
import type { TextOutput } from '../events/tty.js';
import { defaultStateDir, redactCommandLine, startRunJournal, type Journal } from '../journal/journal.js';
import { forgetSecrets } from '../journal/secrets.js';
import type { ClusterLock } from '../lock/cluster-lock.js';
import { taskModules } from '../modules/catalogue.js';
import type { TaskModule } from '../modules/types.js';
import { localExec } from '../engine/local-exec.js';
import { PlayRenderer } from '../events/play-output.js';
import { readNodeStates, readNodeVersions } from '../engine/node-states.js';
import { type PlaybookPlan } from '../engine/plan.js';
import { defaultRetryPath, retryFileText } from '../engine/report.js';
import { runPlaybook } from '../engine/run-playbook.js';
import type { ConnectionPool } from '../transport/types.js';
import { EXIT, renderError } from './exit.js';
import { notifyRun } from '../notify/notifier.js';
import { secretValues } from '../notify/payload.js';
import { watchInterrupts } from './interrupt.js';
import { confirmMaintenance, giveBackKuredLock, holdFor, playbookChangesCluster, playbookUsesCluster, stopSwitch, takeClusterLock, takeKuredLock, type ConfirmStreams, type MaintenanceHooks } from './maintenance.js';
import type { KuredLock } from '../lock/kured-lock.js';
import { loadResumeState } from '../journal/resume-state.js';
import { type SharedOptions } from './options.js';
import { connectionBudget, nodeControllerFiles, systemEngineClock } from './play-setup.js';
import { closeRunLog, openRunLog, statusIntervalMs, wantsColor } from './run-setup.js';
import { type RunSession } from './session.js';
import { claimResumedRun, lockPlanHosts } from './run-locks.js';
import type { HostLocks } from '../lock/run-lock.js';
import type { Playbook } from '../playbook/model.js';
import { playbookPlanText } from '../report/plan-text.js';
import { writeReportAfterRun } from './report-file.js';

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
  /** --notify: where the run's start, failures and end are posted (checked by addNotifyOption). */
  notify?: URL[];
}

export interface PlayStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

/** A playbook run, planned: the playbook and exactly the hosts of each play (what the user is shown). */
export interface PlayRunPlan {
  playbook: Playbook;
  plan: PlaybookPlan;
}

export interface PlayRunExtras {
  hooks?: MaintenanceHooks;
  input?: ConfirmStreams['input'];
  modules?: ReadonlyMap<string, TaskModule>;
  /** Record each control plane's kube-apiserver version too in the run's `nodes.versions` (upgrade). */
  apiServerVersions?: boolean;
}

/**
 * Runs a planned playbook inside a session (the steps above), then the node states, retry file and report.
 * The changing commands (upgrade, reboot, certs renew) call this with the plan they built and showed.
 */
export async function runPlayPlan(session: RunSession, run: PlayRunPlan, options: PlayOptions, extras: PlayRunExtras = {}): Promise<number> {
  const runId = randomUUID();
  const lockCommand = redactCommandLine(['drydock', ...(options.commandLine ?? process.argv.slice(2))]);
  // One resume per run: the claim is taken before the journals are read, so a second resume waits for none.
  const claim = options.resume !== undefined ? claimResumedRun(options.resume, runId, lockCommand) : undefined;
  try {
    return await runClaimed(session, run, options, extras, runId, lockCommand);
  } finally {
    claim?.release();
  }
}

async function runClaimed(session: RunSession, run: PlayRunPlan, options: PlayOptions, extras: PlayRunExtras, runId: string, lockCommand: string): Promise<number> {
  const { playbook, plan } = run;
  const { streams } = session;
  const hooks = extras.hooks ?? {};
  const modules = extras.modules ?? taskModules();
  const extraVars = options.extraVars ?? {};
  const tagSelection = { only: options.tags ?? [], skip: options.skipTags ?? [] };
  // A run that cannot be resumed is refused before anything is asked or changed.
  const resume = options.resume !== undefined ? loadResumeState(options.resume) : undefined;
  const human = options.json ? streams.stderr : streams.stdout;
  if (!(await confirmMaintenance(hooks, { input: extras.input ?? process.stdin, output: human }))) {
    human.write('not confirmed: nothing was changed\n');
    return EXIT.ERROR;
  }
  const color = wantsColor(human);
  const { bus } = session;
  const renderer = new PlayRenderer({ out: human, color });
  session.renderedBy((event) => renderer.handle(event));
  const log = await openRunLog(bus, options.logFile, runId);
  let journal: Journal;
  try {
    // Required: a run resume could not account for is refused before its first task.
    journal = startRunJournal(bus, runId, {
      warn: (message) => streams.stderr.write(`drydock: warning: ${message}\n`),
      ...(options.commandLine !== undefined ? { argv: options.commandLine } : {}),
      ...(options.resume !== undefined ? { resumes: options.resume } : {}),
      required: true,
    })!;
  } catch (err) {
    await closeRunLog(log, streams.stderr);
    throw err;
  }
  human.write(`run id: ${runId} (journal: ${journal.path})${options.resume ? ` — resuming run ${options.resume}` : ''}\n`);
  let journalExit = 1;
  let journalError: string | undefined;
  for (const message of plan.warnings) bus.emit({ type: 'warning', message });
  // The plan next to what happened, in the journal and so in the run report.
  bus.emit({ type: 'run.plan', text: hooks.confirm?.summary ?? playbookPlanText(playbook, plan) });
  const maxOpenConnections = connectionBudget(plan.specs.size, plan.bastions, (message) => bus.emit({ type: 'warning', message }));

  const warn = (message: string): void => bus.emit({ type: 'warning', message });
  const interrupts = watchInterrupts(warn, {
    stopping: 'no new task or batch will start; running ones finish (Ctrl-C or the signal again ends them)',
    ending: 'ending the commands still running',
  });
  interrupts.abort.addEventListener('abort', () => session.abort.abort(), { once: true });
  const stop = stopSwitch(interrupts.stop, hooks.stopAt, warn);
  journal.onFailure((failure) =>
    stop.stopForJournal(`the run journal ${journal.path} could not be written (${failure.message}): no new task will start; running ones finish`),
  );
  const { pool } = session;
  const kube = session.kube({
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    inventory: plan.inventory,
    specFor: plan.resolveSpec,
  });
  let lock: ClusterLock | undefined;
  let hostLocks: HostLocks | undefined;
  let kuredLock: KuredLock | undefined;
  let thrownExit: number = EXIT.ERROR;
  const notifier = notifyRun(bus, {
    urls: options.notify ?? [],
    runId,
    command: lockCommand,
    hosts: [...new Set(plan.playHosts.flat())],
    secrets: [...secretValues(extraVars), ...(options.becomePassword !== undefined ? [options.becomePassword] : [])],
    warn,
  });
  // Every node's versions before the engine and after it, when the run uses the cluster (the report's Nodes table).
  let versionsAfter = false;
  const readVersions = async (phase: 'before' | 'after'): Promise<void> => bus.emit(await readNodeVersions(kube, phase, { apiServers: extras.apiServerVersions === true }));
  try {
    const wantsLock = !options.check && (hooks.lock !== undefined || (options.lock ?? playbookChangesCluster(playbook)));
    if (wantsLock) {
      lock = await takeClusterLock(kube, {
        runId,
        command: lockCommand,
        breakLock: hooks.lock?.breakLock ?? options.breakLock === true,
        ...(resume ? { resumes: { runId: resume.runId, chain: resume.chain } } : {}),
        emit: (event) => bus.emit(event),
        onLost: (reason) => stop.stopForLock(`the cluster lock was lost (${reason}): no new task or batch will start`),
      });
    }
    // Two runs from this machine never work on one host at once; --check changes nothing and needs no lock.
    if (!options.check) hostLocks = lockPlanHosts(plan, runId, lockCommand);
    if (hooks.kured && !options.check) kuredLock = await takeKuredLock(kube, hooks.kured, runId, (event) => bus.emit(event));
    if (wantsLock || hooks.kured || playbookUsesCluster(playbook)) {
      await readVersions('before');
      versionsAfter = true;
    }
    const outcome = await runPlaybook(
      {
        playbook,
        playHosts: plan.playHosts,
        hostsFor: plan.hostsFor,
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
        ...(lock ? { holdClusterLock: holdFor(lock, warn) } : {}),
        keepSecret: (secret) => journal.keepSecret(secret),
      },
      { stop: stop.signal, stopBatches: stop.batches, abort: interrupts.abort },
    );
    // After a failed run the admin needs each touched node's state (Ready, cordoned, kubelet) from the API.
    const nodeStates = outcome.exitCode !== 0 && renderer.nodesTouched().size > 0 ? await readNodeStates(kube, renderer.cordonNotes()) : undefined;
    if (nodeStates) bus.emit(nodeStates);
    const retryPath = options.retryFile ?? (options.retryFiles ? defaultRetryPath(playbook.file) : undefined);
    const retryText = retryFileText(outcome.failedHosts, outcome.unreachableHosts);
    if (retryPath && retryText) {
      await mkdir(dirname(retryPath), { recursive: true });
      await writeFile(retryPath, retryText);
      human.write(`\tto retry, use: --limit @${retryPath}\n\n`);
    }
    const journalFailed = journal.failed ? { journalIncomplete: { path: journal.path, error: journal.failed.message } } : {};
    const report = { ...outcome.report, ...(nodeStates ? { nodes: nodeStates.rows ?? null, ...(nodeStates.error ? { nodesError: nodeStates.error } : {}) } : {}), ...journalFailed };
    const reportJson = `${JSON.stringify(redactSecrets(report), null, 2)}\n`;
    if (options.report) await writeFile(options.report, reportJson, { mode: 0o600 }); // holds registered values
    if (options.json) streams.stdout.write(reportJson);
    journalExit = journal.failed ? EXIT.JOURNAL : interrupts.exitCode(stoppedExitCode(outcome.exitCode, interrupts.stop.aborted, stop.reason()));
    if (outcome.interrupted) human.write(`to continue this run later: drydock resume ${runId}\n`);
    return journalExit;
  } catch (err) {
    journalError = err instanceof Error ? err.message : String(err);
    thrownExit = renderError(err).exitCode;
    throw err;
  } finally {
    if (versionsAfter) await readVersions('after');
    stop.dispose();
    // The signal watch stays until the locks are given back and the journal is closed: a Ctrl-C now must not
    // end the process (Node's default) with the cluster's Lease or Kured's lock still held; it only says so.
    hostLocks?.release();
    try {
      if (kuredLock) await giveBackKuredLock(kuredLock, (message) => streams.stderr.write(`drydock: warning: ${message}\n`));
      await lock?.release().catch((err: unknown) => streams.stderr.write(`drydock: warning: the cluster lock could not be released (it expires on its own): ${(err as Error).message}\n`));
    } catch (err) {
      interrupts.dispose();
      throw err;
    }
    const journalFailure = journal.close({ exitCode: journalExit, interrupted: stop.batches.aborted, ...(journalError !== undefined ? { error: journalError } : {}) });
    interrupts.dispose();
    // A run that succeeded is never resumed, nor are the runs it finished: their kept no_log values go.
    if (!journalFailure && journalExit === EXIT.OK) forgetSecrets(defaultStateDir(), [runId, ...(resume?.chain ?? [])]);
    // After the journal (its code is the run's), before the log closes (a failed post is a warning there too).
    const exitCode = journalFailure ? EXIT.JOURNAL : journalError !== undefined ? thrownExit : journalExit;
    await notifier?.finish({ exitCode, ...(journalError !== undefined ? { error: journalError } : {}) });
    await closeRunLog(log, streams.stderr);
    if (options.html !== undefined) await writeReportAfterRun(runId, options.html, human, streams.stderr);
    // The journal failing is the run's outcome, whatever else happened (an error thrown above is lost: the
    // journal's failure is the one to act on first).
    if (journalFailure) throw new JournalWriteError(journal.path, journalFailure.message);
  }
}

/**
 * A run stopped by something other than Ctrl-C: the window closing is a planned stop (75, EX_TEMPFAIL: the
 * rest waits for the next window), a lost lock is an error (1). Failures found before the stop still win.
 */
export function stoppedExitCode(exitCode: number, interrupted: boolean, reason: 'window' | 'lock' | 'journal' | undefined): number {
  if (exitCode !== EXIT.INTERRUPTED || interrupted || reason === undefined) return exitCode;
  return reason === 'window' ? EXIT.TEMPFAIL : EXIT.ERROR;
}
