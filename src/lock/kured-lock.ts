/**
 * Rebooting beside Kured: Kured reboots a node only while it holds the lock annotation on its own DaemonSet
 * (kured-lock-value.ts). `drydock reboot` refuses while Kured holds it and otherwise takes it itself for the
 * whole run, so Kured reboots nothing meanwhile; it gives it back at the end, whatever the outcome. Every
 * write is a merge patch carrying the resourceVersion that was read (a 409 Conflict means read again), as
 * Kured's own update is, so of Kured and drydock racing for it exactly one wins.
 */
import { KubeApiError, KuredLockHeldError } from '../errors.js';
import { systemClock, type Clock, type KubePort } from '../kube/port.js';
import {
  drydockLockValue,
  drydockRunOf,
  holderExpiresAt,
  KURED_LOCK_ANNOTATION,
  kuredLockVerdict,
  parseKuredLock,
  type KuredLockValue,
} from './kured-lock-value.js';

export const KURED_DEFAULT_DAEMONSET = { namespace: 'kube-system', name: 'kured' } as const;
/**
 * The TTL drydock's lock carries: Kured treats it as free after this long even if drydock never gave it
 * back (a controller that died), and respects it until then, whatever its own --lock-ttl.
 */
export const DRYDOCK_KURED_TTL_MS = 12 * 60 * 60 * 1000;
const ATTEMPTS = 5;

export interface KuredDaemonSet {
  namespace: string;
  name: string;
}

export interface KuredLockOptions extends KuredDaemonSet {
  runId: string;
  clock?: Clock;
  ttlMs?: number;
}

export interface KuredLock {
  daemonSet: string;
  /** A drydock run whose lock this one took over (it died holding it), if any. */
  tookOverFrom?: string;
  /** Removes the annotation if it is still ours; says what it found otherwise. Safe to call twice. */
  release(): Promise<'released' | 'not-ours' | 'gone'>;
}

function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

function readValue(ref: string, text: string | undefined): KuredLockValue | undefined {
  if (text === undefined) return undefined;
  try {
    return parseKuredLock(text);
  } catch (err) {
    throw new KubeApiError(`cannot read Kured's lock (annotation ${KURED_LOCK_ANNOTATION} on DaemonSet ${ref}): ${(err as Error).message}; drydock does not reboot beside a lock it cannot read`);
  }
}

/** Takes Kured's lock for this run; undefined when there is no such DaemonSet (no Kured to coordinate with). */
export async function acquireKuredLock(port: KubePort, options: KuredLockOptions): Promise<KuredLock | undefined> {
  const clock = options.clock ?? systemClock;
  const { namespace, name, runId } = options;
  const ref = `${namespace}/${name}`;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const ds = await port.getDaemonSet(namespace, name);
    if (!ds) return undefined;
    const value = readValue(ref, ds.metadata.annotations?.[KURED_LOCK_ANNOTATION]);
    const now = clock.now();
    const verdict = kuredLockVerdict(value, now);
    if (verdict.kind === 'held') {
      const expires = holderExpiresAt(verdict.holder);
      throw new KuredLockHeldError(ref, verdict.holder.nodeID || 'an unnamed holder', verdict.holder.created ?? 'an unknown time', expires !== undefined ? new Date(expires).toISOString() : undefined);
    }
    const text = drydockLockValue(runId, now, options.ttlMs ?? DRYDOCK_KURED_TTL_MS, value?.maxOwners ?? 1);
    try {
      await port.patchDaemonSetAnnotations(namespace, name, { [KURED_LOCK_ANNOTATION]: text }, ds.metadata.resourceVersion ?? '');
    } catch (err) {
      if (isConflict(err)) continue;
      throw err;
    }
    const tookOverFrom = verdict.kind === 'drydock' && verdict.runId !== runId ? verdict.runId : undefined;
    return { daemonSet: ref, ...(tookOverFrom !== undefined ? { tookOverFrom } : {}), release: releaser(port, options) };
  }
  throw new KubeApiError(`could not take Kured's lock on DaemonSet ${ref}: it changed under every one of ${ATTEMPTS} attempts`);
}

function releaser(port: KubePort, options: KuredLockOptions): KuredLock['release'] {
  const { namespace, name, runId } = options;
  let done: 'released' | 'not-ours' | 'gone' | undefined;
  return async () => {
    if (done) return done;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const ds = await port.getDaemonSet(namespace, name);
      if (!ds) return (done = 'gone');
      const text = ds.metadata.annotations?.[KURED_LOCK_ANNOTATION];
      let ours = false;
      try {
        ours = text !== undefined && parseKuredLock(text).holders.some((h) => drydockRunOf(h) === runId);
      } catch {
        ours = false;
      }
      if (!ours) return (done = 'not-ours');
      try {
        await port.patchDaemonSetAnnotations(namespace, name, { [KURED_LOCK_ANNOTATION]: null }, ds.metadata.resourceVersion ?? '');
        return (done = 'released');
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    throw new KubeApiError(`could not give back Kured's lock on DaemonSet ${namespace}/${name}: it changed under every one of ${ATTEMPTS} attempts`);
  };
}

/** `namespace/name` as given to --kured. */
export function parseKuredDaemonSet(text: string): KuredDaemonSet | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text.trim());
  return match ? { namespace: match[1]!, name: match[3]! } : undefined;
}
