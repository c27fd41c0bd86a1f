/**
 * Machine-readable output: the per-host JSON objects `--json` prints on stdout, and the event log that
 * `--log-file` writes. Secrets are kept out of events in the first place; `redactSecrets` is the second
 * line of defence for anything whose key looks like one.
 */
import type { EventBus, HostResult, RunEvent } from './events.js';
import type { JsonLinesLog } from './logger.js';

/** Also Ansible's `ansible_ssh_pass` / `ansible_become_pass` (an add_host result carries them as host vars). */
export const SECRET_KEY = /password|passphrase|token|secret|_pass\b/i;
export const REDACTED = '[REDACTED]';

/**
 * A deep copy with every value under a secret-looking key replaced. Cycles are cut, not followed; a value that
 * merely appears twice (the same `groups` list in every host's result) is copied each time. `ancestors` holds
 * the objects on the path from the root, not every object seen.
 */
export function redactSecrets<T>(value: T, ancestors = new WeakSet<object>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]' as T;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]` as T;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactSecrets(v, ancestors)) as T;
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      copy[key] = SECRET_KEY.test(key) && v !== undefined && v !== null ? REDACTED : redactSecrets(v, ancestors);
    }
    return copy as T;
  } finally {
    ancestors.delete(value);
  }
}

/** The `--json` object for one host: stable keys, nulls instead of missing values. */
export function hostResultRecord(result: HostResult): Record<string, unknown> {
  return redactSecrets({
    host: result.host,
    status: result.status,
    rc: result.rc ?? null,
    signal: result.signal ?? null,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ms: result.ms ?? null,
    msg: result.msg ?? null,
    phase: result.phase ?? null,
    timedOut: result.timedOut ?? false,
    truncated: result.truncated ?? false,
  });
}

export function formatHostResultJson(result: HostResult): string {
  return `${JSON.stringify(hostResultRecord(result))}\n`;
}

/** Sends every event, redacted, to the JSON-lines log. Returns the unsubscribe function. */
export function attachEventLog(bus: EventBus, log: JsonLinesLog): () => void {
  return bus.on((event: RunEvent) => log.write(event.type, { event: redactSecrets(event) }));
}
