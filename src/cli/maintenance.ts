/**
 * What makes a playbook run a maintenance: asked for before it starts, alone on the cluster while it runs,
 * and stopped from starting new work when it must (Ctrl-C, the maintenance window closing, the cluster lock
 * lost). The changing commands (upgrade, reboot, certs renew) pass these hooks to runPlayPlan; plain
 * `drydock play` takes the lock when its playbook cordons or drains nodes.
 */
import { setMaxListeners } from 'node:events';
import type { RunEvent } from '../events/events.js';
import type { KubePort } from '../kube/port.js';
import { LockHeldError } from '../errors.js';
import { lockHeldByDeadChainRun, type ResumeState } from '../journal/resume-state.js';
import { acquireClusterLock, describeTakeover, type ClusterLock } from '../lock/cluster-lock.js';
import { acquireKuredLock, type KuredDaemonSet, type KuredLock } from '../lock/kured-lock.js';
import { KURED_LOCK_ANNOTATION } from '../lock/kured-lock-value.js';
import type { Playbook } from '../playbook/model.js';
import { CLUSTER_CHANGING_MODULES } from '../modules/catalogue.js';
import { usesAnyModule, walkTasks } from '../playbook/walk.js';
import { confirm } from './confirm.js';

/**
 * The playbook-only flags a maintenance command leaves at their plain value: it runs its own playbook whole,
 * with Ansible-compatible stop rules, and never writes a retry file.
 */
export const MAINTENANCE_PLAY_DEFAULTS = {
  check: false,
  diff: false,
  tags: [] as string[],
  skipTags: [] as string[],
  listHosts: false,
  listTasks: false,
  syntaxCheck: false,
  retryFiles: false,
  countUnreachableInMaxFail: true,
  continueOnFailedBatch: false,
} as const;

export interface MaintenanceHooks {
  /** Take the cluster lock (Lease kube-system/drydock-maintenance) before the first host is contacted. */
  lock?: { breakLock: boolean };
  /** Show this plan text and confirm (TTY question; --yes skips; no TTY and no --yes refuses). */
  confirm?: { summary: string; yes: boolean };
  /**
   * Kured's DaemonSet: refuse while Kured holds its reboot lock, else hold it (taken after the cluster lock,
   * given back at the end, also after a failure or Ctrl-C) so Kured reboots nothing during the run.
   */
  kured?: KuredDaemonSet;
  /** Stop starting new tasks and batches at this epoch ms, as the first Ctrl-C does, warning with `message`. */
  stopAt?: { at: number; message: string };
}


/** Whether any play (tasks, pre/post tasks, handlers) cordons, drains or uncordons nodes. */
export function playbookChangesCluster(playbook: Playbook): boolean {
  return playbook.plays.some((play) => [play.preTasks, play.tasks, play.postTasks, play.handlers].some((items) => usesAnyModule(items, CLUSTER_CHANGING_MODULES)));
}

/** Whether any task reads or changes the cluster through its API (kube_* modules, skew_check): the run's cluster access is in use. */
export function playbookUsesCluster(playbook: Playbook): boolean {
  let found = false;
  for (const play of playbook.plays) {
    for (const items of [play.preTasks, play.tasks, play.postTasks, play.handlers]) walkTasks(items, (task) => (found ||= task.module.startsWith('kube_') || task.module === 'skew_check'));
  }
  return found;
}

/** The plays of several playbooks as one run (one run id, one lock, one journal), in the order given. */
export function joinPlaybooks(playbooks: readonly Playbook[]): Playbook {
  const [first] = playbooks;
  if (!first) throw new Error('joinPlaybooks needs at least one playbook');
  if (playbooks.length === 1) return first;
  return {
    file: first.file,
    plays: playbooks.flatMap((p) => p.plays),
    files: [...new Set(playbooks.flatMap((p) => p.files))],
  };
}

export interface ConfirmStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: { write(text: string): unknown; isTTY?: boolean };
}

/** True to go ahead. A run without a confirm hook goes ahead; no TTY and no --yes throws UsageError. */
export async function confirmMaintenance(hooks: MaintenanceHooks, streams: ConfirmStreams): Promise<boolean> {
  if (!hooks.confirm) return true;
  return confirm({
    summary: hooks.confirm.summary,
    yes: hooks.confirm.yes,
    input: streams.input,
    output: streams.output,
    isTTY: streams.input.isTTY === true && streams.output.isTTY === true,
  });
}

export interface LockRequest {
  runId: string;
  /** The redacted command line, shown to whoever finds the cluster locked. */
  command: string;
  breakLock: boolean;
  /** The run this one resumes: a lock its killed controller left may be taken over at once. */
  resumes?: { runId: string; chain: ResumeState['chain'] };
  emit(event: RunEvent): void;
  /** Called when the lease is lost mid-run: stop starting new work. */
  onLost(reason: string): void;
}

/** Takes the cluster lock; a takeover (expired or broken) is logged as a warning, so the journal keeps it. */
export async function takeClusterLock(kube: () => Promise<KubePort>, request: LockRequest): Promise<ClusterLock> {
  const port = await kube();
  const acquire = (breakLock: boolean): Promise<ClusterLock> =>
    acquireClusterLock(port, { runId: request.runId, command: request.command, breakLock, onLost: request.onLost, onApiOutage: (change) => request.emit({ type: 'api.outage', ...change }) });
  let lock: ClusterLock;
  try {
    lock = await acquire(request.breakLock);
  } catch (err) {
    // A controller killed mid-run leaves its lease for a minute; the resume of that very run may take it
    // at once, but only when that run's process is gone from this machine.
    const resumes = request.resumes;
    if (!(resumes && err instanceof LockHeldError && lockHeldByDeadChainRun(err.holder, resumes.chain))) throw err;
    request.emit({ type: 'warning', message: `the cluster lock is held by run ${resumes.runId}'s dead controller (${err.holder}): this run resumes it and takes the lock over` });
    lock = await acquire(true);
  }
  const takeover = describeTakeover(lock.previous);
  if (takeover) request.emit({ type: 'warning', message: `${takeover}${request.breakLock && lock.previous?.reason === 'broken' ? ' (--break-lock)' : ''}` });
  request.emit({ type: 'warning', message: `cluster lock taken as ${lock.identity}` });
  return lock;
}

/**
 * The engine's way to keep the lock through a step that restarts the API server: lengthen the lease, say so,
 * and go back afterwards (a failed return is only a warning: the next renewal writes the base length).
 */
export function holdFor(lock: ClusterLock, warn: (message: string) => void): (seconds: number, why: string) => Promise<() => Promise<void>> {
  return async (seconds, why) => {
    const restore = await lock.hold(seconds);
    warn(`cluster lock lengthened to ${seconds}s while ${why} runs (the API server restarts meanwhile)`);
    return () => restore().catch((err: unknown) => warn(`the cluster lock could not go back to its usual lease yet: ${(err as Error).message}`));
  };
}

/** Takes Kured's lock for the run (KuredLockHeldError while Kured holds it); undefined when Kured is not there. */
export async function takeKuredLock(kube: () => Promise<KubePort>, daemonSet: KuredDaemonSet, runId: string, emit: (event: RunEvent) => void): Promise<KuredLock | undefined> {
  const ref = `${daemonSet.namespace}/${daemonSet.name}`;
  const lock = await acquireKuredLock(await kube(), { ...daemonSet, runId });
  if (!lock) {
    emit({ type: 'warning', message: `no Kured DaemonSet ${ref}: no Kured lock to respect (--kured NAMESPACE/NAME names another, --no-kured skips the look)` });
    return undefined;
  }
  if (lock.tookOverFrom) emit({ type: 'warning', message: `took over the Kured lock drydock run ${lock.tookOverFrom} left on DaemonSet ${ref}` });
  emit({ type: 'warning', message: `Kured's lock taken on DaemonSet ${ref} (${KURED_LOCK_ANNOTATION}): Kured reboots no node until this run ends` });
  return lock;
}

/** At the end of the run, whatever its outcome; never throws (the run's own result matters more). */
export async function giveBackKuredLock(lock: KuredLock, warn: (message: string) => void): Promise<void> {
  try {
    if ((await lock.release()) === 'not-ours') warn(`Kured's lock on DaemonSet ${lock.daemonSet} was no longer this run's at its end; it was left as found`);
  } catch (err) {
    warn(`Kured's lock on DaemonSet ${lock.daemonSet} could not be given back (${(err as Error).message}); Kured takes it again once its TTL runs out, or remove the annotation ${KURED_LOCK_ANNOTATION} by hand`);
  }
}

export interface StopSwitch {
  /** Start no new task (nor batch): the first Ctrl-C, the cluster lock lost, or the journal failing. */
  signal: AbortSignal;
  /** Start no new batch, let the running one finish: all of the above, and the maintenance window closing. */
  batches: AbortSignal;
  /** Why the run was stopped by something other than Ctrl-C, if it was. */
  reason(): 'window' | 'lock' | 'journal' | undefined;
  stopForLock(message: string): void;
  /** The run journal could not be written: nothing new may start that resume could not account for. */
  stopForJournal(message: string): void;
  dispose(): void;
}

/**
 * The "start nothing new" signals for everything that can ask for it. The window closing stops only new
 * batches: a node half-way through its maintenance (drained, rebooting) is finished, never left cordoned.
 */
export function stopSwitch(
  interrupt: AbortSignal,
  stopAt: MaintenanceHooks['stopAt'],
  warn: (message: string) => void,
  now: () => number = Date.now,
): StopSwitch {
  const tasks = new AbortController();
  const batches = new AbortController();
  setMaxListeners(0, tasks.signal, batches.signal);
  let why: 'window' | 'lock' | 'journal' | undefined;
  const stopAll = (): void => {
    tasks.abort();
    batches.abort();
  };
  if (interrupt.aborted) stopAll();
  else interrupt.addEventListener('abort', stopAll, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (stopAt) {
    const fire = (): void => {
      if (batches.signal.aborted) return;
      why = 'window';
      warn(stopAt.message);
      batches.abort();
    };
    const wait = stopAt.at - now();
    if (wait <= 0) fire();
    else if (wait < 2 ** 31 - 1) {
      // setTimeout holds at most ~24.8 days; a window that long never needs the timer.
      timer = setTimeout(fire, wait);
      timer.unref();
    }
  }
  return {
    signal: tasks.signal,
    batches: batches.signal,
    reason: () => why,
    stopForLock(message) {
      if (tasks.signal.aborted) return;
      why = 'lock';
      warn(message);
      stopAll();
    },
    stopForJournal(message) {
      // Wins over an earlier stop: the journal failing is what the run must end with.
      why = 'journal';
      warn(message);
      stopAll();
    },
    dispose() {
      if (timer) clearTimeout(timer);
      interrupt.removeEventListener('abort', stopAll);
    },
  };
}
