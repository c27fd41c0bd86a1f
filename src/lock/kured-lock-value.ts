/**
 * Kured's reboot lock, read and written as Kured does (kubereboot/kured pkg/daemonsetlock): the annotation
 * `weave.works/kured-node-lock` on Kured's DaemonSet holds JSON, either one holder
 * `{"nodeID","metadata":{"unschedulable"},"created","TTL"}` or, when Kured runs with --concurrency > 1,
 * `{"maxOwners","locks":[<holder>...]}`. `created` is RFC 3339, `TTL` a Go duration in nanoseconds; a holder
 * whose TTL (when not 0) has passed since `created` no longer holds the lock. Pure: no I/O.
 */

export const KURED_LOCK_ANNOTATION = 'weave.works/kured-node-lock';
/** drydock's holders are named `drydock/<run id>`: never a node name (node names have no slash). */
export const DRYDOCK_HOLDER_PREFIX = 'drydock/';

export interface KuredLockHolder {
  nodeID: string;
  created?: string;
  /** 0: no TTL, held until released. */
  ttlMs: number;
}

export interface KuredLockValue {
  format: 'single' | 'multi';
  holders: KuredLockHolder[];
  maxOwners?: number;
}

function holderOf(raw: unknown, where: string): KuredLockHolder {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} is not an object`);
  const entry = raw as Record<string, unknown>;
  const nodeID = entry.nodeID ?? '';
  if (typeof nodeID !== 'string') throw new Error(`${where}.nodeID is not a string`);
  const ttl = entry.TTL ?? 0;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl)) throw new Error(`${where}.TTL is not a number of nanoseconds`);
  const created = typeof entry.created === 'string' ? entry.created : undefined;
  return { nodeID, ttlMs: Math.max(0, ttl / 1e6), ...(created !== undefined ? { created } : {}) };
}

/** Parses the annotation's value; throws an Error saying what is wrong with it. */
export function parseKuredLock(text: string): KuredLockValue {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('not a JSON object');
  const value = raw as Record<string, unknown>;
  if ('locks' in value || 'maxOwners' in value) {
    const locks = value.locks ?? [];
    if (!Array.isArray(locks)) throw new Error('"locks" is not a list');
    const maxOwners = typeof value.maxOwners === 'number' ? value.maxOwners : undefined;
    return { format: 'multi', holders: locks.map((l, i) => holderOf(l, `locks[${i}]`)), ...(maxOwners !== undefined ? { maxOwners } : {}) };
  }
  return { format: 'single', holders: [holderOf(value, 'the lock')] };
}

/** When a holder's lock runs out (epoch ms), or undefined when it never does (TTL 0). */
export function holderExpiresAt(holder: KuredLockHolder): number | undefined {
  if (holder.ttlMs <= 0) return undefined;
  const created = Date.parse(holder.created ?? '');
  // A holder without a readable `created` is Go's zero time to Kured: long expired once a TTL is set.
  return (Number.isNaN(created) ? -Infinity : created) + holder.ttlMs;
}

export function holderActive(holder: KuredLockHolder, now: number): boolean {
  const expires = holderExpiresAt(holder);
  return expires === undefined || now < expires;
}

export function drydockRunOf(holder: KuredLockHolder): string | undefined {
  return holder.nodeID.startsWith(DRYDOCK_HOLDER_PREFIX) ? holder.nodeID.slice(DRYDOCK_HOLDER_PREFIX.length) : undefined;
}

export type KuredLockVerdict =
  /** No annotation, or every holder's TTL has run out. */
  | { kind: 'free' }
  /** Kured (a node) holds it: do not reboot. */
  | { kind: 'held'; holder: KuredLockHolder }
  /** Only drydock runs hold it: `runId` is ours, or one that died holding it (we already hold the cluster lock). */
  | { kind: 'drydock'; runId: string };

export function kuredLockVerdict(value: KuredLockValue | undefined, now: number): KuredLockVerdict {
  const active = (value?.holders ?? []).filter((h) => holderActive(h, now));
  const other = active.find((h) => drydockRunOf(h) === undefined);
  if (other) return { kind: 'held', holder: other };
  const ours = active.map(drydockRunOf).find((run) => run !== undefined);
  return ours !== undefined ? { kind: 'drydock', runId: ours } : { kind: 'free' };
}

/**
 * What drydock writes: read by a single-lock Kured as one holder, and by a multi-lock Kured as `maxOwners`
 * holders (as many as the lock had room for, at least 1), so that neither finds room to reboot a node.
 */
export function drydockLockValue(runId: string, nowMs: number, ttlMs: number, maxOwners: number): string {
  const holder = { nodeID: `${DRYDOCK_HOLDER_PREFIX}${runId}`, metadata: { unschedulable: false }, created: new Date(nowMs).toISOString(), TTL: ttlMs * 1e6 };
  const owners = Math.max(1, Math.floor(maxOwners));
  return JSON.stringify({ ...holder, maxOwners: owners, locks: Array.from({ length: owners }, () => holder) });
}
