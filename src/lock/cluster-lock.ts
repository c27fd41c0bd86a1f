/**
 * One maintenance at a time: a coordination.k8s.io/v1 Lease `kube-system/drydock-maintenance` names who is
 * working on the cluster. It is renewed every duration/3 while the run lasts, so a holder that died (kill -9,
 * lost laptop) frees the cluster once renewTime + duration has passed; a live holder is never overtaken except
 * by an explicit break. Every takeover is an optimistic replace with the resourceVersion that was read, so of
 * two concurrent takers exactly one wins.
 */
import { hostname } from 'node:os';
import { localUserName } from '../util/local-user.js';
import { KubeApiError, LockHeldError } from '../errors.js';
import { systemClock, type Clock, type KubeLease, type KubePort } from '../kube/port.js';

export const LOCK_NAMESPACE = 'kube-system';
export const LOCK_NAME = 'drydock-maintenance';
export const COMMAND_ANNOTATION = 'drydock.io/command';
export const STARTED_ANNOTATION = 'drydock.io/started';
export const DEFAULT_LEASE_SECONDS = 60;

/** Repeating timers, injected so renewal is testable without waiting. */
export interface LockTimers {
  every(ms: number, tick: () => void): () => void;
}

export const systemLockTimers: LockTimers = {
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    // The lock must never keep a finished process alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface ClusterLockOptions {
  runId: string;
  /** The command line, shown to whoever finds the cluster locked. */
  command: string;
  /** Default `<user>@<host>/<pid>/<runId>`. */
  identity?: string;
  leaseDurationSeconds?: number;
  /** Take the lock even from a live holder (the result names whose lock was broken). */
  breakLock?: boolean;
  /** Called once when renewal shows the lease now belongs to someone else or has expired unrenewed. */
  onLost?: (reason: string) => void;
  /** The API stopped answering a renewal (once per outage), and answers again (with how long it was away). */
  onApiOutage?: (change: { state: 'down'; message: string } | { state: 'up'; downMs: number }) => void;
  clock?: Clock;
  timers?: LockTimers;
  namespace?: string;
  name?: string;
  /** How long release() keeps trying while the API is away (default 60 s). */
  releaseRetryMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Who held the lock before us, when we took it over. */
export interface PreviousHolder {
  holder: string;
  command: string;
  since: string;
  /** `expired`: its holder stopped renewing; `broken`: taken with breakLock from a holder that still renewed. */
  reason: 'expired' | 'broken';
}

export interface ClusterLock {
  identity: string;
  previous?: PreviousHolder;
  /** Aborted when the lock is lost; start no new work once it is. */
  readonly signal: AbortSignal;
  /**
   * Lengthens the lease to `seconds` for a step that takes the API away (kubeadm restarting kube-apiserver and
   * etcd), so renewals missed meanwhile cannot let it lapse; the returned function goes back to the base
   * length. Rejects (KubeApiError) when the longer lease cannot be written: do not start the step then.
   */
  hold(seconds: number): Promise<() => Promise<void>>;
  /** Stops renewal and frees the lease if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

const RELEASE_RETRY_STEP_MS = 2000;
const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function defaultLockIdentity(runId: string): string {
  // No passwd entry (containers): "unknown" rather than fail the run.
  return `${localUserName() ?? 'unknown'}@${hostname()}/${process.pid}/${runId}`;
}

function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

function holderOf(lease: KubeLease): Omit<PreviousHolder, 'reason'> {
  const spec = lease.spec;
  const annotations = lease.metadata.annotations ?? {};
  return {
    holder: spec.holderIdentity ?? '',
    command: annotations[COMMAND_ANNOTATION] ?? 'unknown command',
    since: annotations[STARTED_ANNOTATION] ?? spec.acquireTime ?? 'an unknown time',
  };
}

/** A lease is expired when renewTime (or acquireTime) + duration is not in the future; no time at all counts as expired. */
export function leaseExpired(lease: KubeLease, now: number): boolean {
  const last = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
  if (Number.isNaN(last)) return true;
  const duration = (lease.spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  return last + duration <= now;
}

function heldError(lease: KubeLease): LockHeldError {
  const held = holderOf(lease);
  const last = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
  const expires = Number.isNaN(last) ? undefined : new Date(last + (lease.spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000).toISOString();
  return new LockHeldError(held.holder || 'an unknown holder', held.since, held.command, { ...(expires ? { expires } : {}) });
}

export async function acquireClusterLock(port: KubePort, options: ClusterLockOptions): Promise<ClusterLock> {
  const clock = options.clock ?? systemClock;
  const namespace = options.namespace ?? LOCK_NAMESPACE;
  const name = options.name ?? LOCK_NAME;
  const identity = options.identity ?? defaultLockIdentity(options.runId);
  const duration = options.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS;
  const nowIso = (): string => new Date(clock.now()).toISOString();
  const releaseRetryMs = options.releaseRetryMs ?? 60_000;

  const ours = (base: KubeLease | undefined): KubeLease => {
    const started = nowIso();
    return {
      metadata: {
        name,
        namespace,
        ...(base?.metadata.resourceVersion !== undefined ? { resourceVersion: base.metadata.resourceVersion } : {}),
        annotations: { ...(base?.metadata.annotations ?? {}), [COMMAND_ANNOTATION]: options.command, [STARTED_ANNOTATION]: started },
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: duration,
        acquireTime: started,
        renewTime: started,
        leaseTransitions: base ? (base.spec.leaseTransitions ?? 0) + 1 : 0,
      },
    };
  };

  let current: KubeLease | undefined;
  let previous: PreviousHolder | undefined;
  // A lease deleted between our create and our read sends us round again; twice is plenty.
  for (let attempt = 0; attempt < 3 && !current; attempt++) {
    try {
      current = await port.createLease(ours(undefined));
      break;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const existing = await port.getLease(namespace, name);
    if (!existing) continue;
    const held = holderOf(existing);
    const free = held.holder === '' || held.holder === identity;
    const expired = !free && leaseExpired(existing, clock.now());
    if (!free && !expired && !options.breakLock) throw heldError(existing);
    try {
      current = await port.replaceLease(ours(existing));
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Someone else took it between our read and our write.
      const winner = await port.getLease(namespace, name);
      throw winner ? heldError(winner) : new LockHeldError('another drydock run', nowIso(), 'unknown command');
    }
    if (!free) previous = { holder: held.holder, command: held.command, since: held.since, reason: expired ? 'expired' : 'broken' };
  }
  if (!current) throw new KubeApiError(`could not acquire the lease ${namespace}/${name}: it kept disappearing while being taken`);

  const lost = new AbortController();
  let released = false;
  let renewing = false;
  let lastRenewed = clock.now();
  const loseLock = (reason: string): void => {
    if (lost.signal.aborted) return;
    stopTimer();
    lost.abort(new Error(reason));
    options.onLost?.(reason);
  };

  // The lease's length: the base one, or a longer one while a step holds the lock through an API outage.
  let wanted = duration;
  /** Writes renewTime (and the wanted length); throws when the API cannot be reached or the lease is gone. */
  const renewOnce = async (): Promise<void> => {
    const next: KubeLease = structuredClone(current!);
    next.spec.renewTime = nowIso();
    next.spec.leaseDurationSeconds = wanted;
    try {
      current = await port.replaceLease(next);
      lastRenewed = clock.now();
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const fresh = await port.getLease(namespace, name);
    if (!fresh) return loseLock(`the lease ${namespace}/${name} was deleted by someone else`);
    if (fresh.spec.holderIdentity !== identity) {
      const held = holderOf(fresh);
      return loseLock(`the cluster lock was taken by ${held.holder || 'nobody'} (running "${held.command}")`);
    }
    // Still ours, only changed underneath (an annotation edit): renew on the fresh version.
    fresh.spec.renewTime = nowIso();
    fresh.spec.leaseDurationSeconds = wanted;
    current = await port.replaceLease(fresh);
    lastRenewed = clock.now();
  };

  let downSince: number | undefined;
  const renew = async (): Promise<void> => {
    if (renewing || released || lost.signal.aborted) return;
    renewing = true;
    try {
      await renewOnce();
      if (downSince !== undefined) options.onApiOutage?.({ state: 'up', downMs: clock.now() - downSince });
      downSince = undefined;
    } catch (err) {
      if (downSince === undefined) {
        downSince = clock.now();
        options.onApiOutage?.({ state: 'down', message: `the cluster lock could not be renewed: ${err instanceof Error ? err.message : String(err)}` });
      }
      // An API away (kube-apiserver restarting) is retried at the next tick. The lock is given up only once the
      // lease as last written has run out: from then on another run may take it.
      const written = current?.spec.leaseDurationSeconds ?? duration;
      if (clock.now() - lastRenewed >= written * 1000) {
        loseLock(`the cluster lock could not be renewed for ${written}s (${err instanceof Error ? err.message : String(err)})`);
      }
    } finally {
      renewing = false;
    }
  };

  const hold = async (seconds: number): Promise<() => Promise<void>> => {
    if (released || lost.signal.aborted) throw new KubeApiError('the cluster lock is no longer held');
    while (renewing) await new Promise((r) => setTimeout(r, 50));
    wanted = Math.max(duration, Math.ceil(seconds));
    renewing = true;
    try {
      await renewOnce();
    } catch (err) {
      wanted = duration;
      throw new KubeApiError(`could not lengthen the cluster lock to ${seconds}s before a step that restarts the API server: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      renewing = false;
    }
    if (lost.signal.aborted) throw new KubeApiError('the cluster lock was lost');
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      wanted = duration;
      // Written now when the API answers, else at the next tick; the long lease stays valid meanwhile.
      await renew();
    };
  };
  const stopTimer = (options.timers ?? systemLockTimers).every((duration * 1000) / 3, () => void renew());

  return {
    identity,
    ...(previous ? { previous } : {}),
    signal: lost.signal,
    hold,
    async release() {
      if (released) return;
      released = true;
      stopTimer();
      if (lost.signal.aborted) return;
      // Clearing the holder with the resourceVersion we hold never frees a lock someone else has taken since.
      // A run that ends while the API server restarts (kubeadm left running) retries until it answers again.
      for (let attempt = 1; ; attempt++) {
        try {
          const fresh = await port.getLease(namespace, name);
          if (!fresh || fresh.spec.holderIdentity !== identity) return;
          const cleared = structuredClone(fresh);
          delete cleared.spec.holderIdentity;
          delete cleared.spec.renewTime;
          await port.replaceLease(cleared);
          return;
        } catch (err) {
          if (attempt * RELEASE_RETRY_STEP_MS >= releaseRetryMs) throw err;
          if (!isConflict(err)) await (options.sleep ?? defaultSleep)(RELEASE_RETRY_STEP_MS);
        }
      }
    },
  };
}

/** The log line for a takeover, or undefined when the lease was free. */
export function describeTakeover(previous: PreviousHolder | undefined): string | undefined {
  if (!previous) return undefined;
  const what = previous.reason === 'broken' ? 'broke the cluster lock held by' : 'took over the expired cluster lock of';
  return `${what} ${previous.holder} (running "${previous.command}" since ${previous.since})`;
}
