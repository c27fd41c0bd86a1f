/**
 * Dialling a host again after a reboot. A rebooting host refuses, drops or ignores connections for minutes
 * before sshd is back, so the pool keeps trying until a deadline; a host key or authentication failure will
 * not heal by waiting and ends the attempt at once.
 */
import { HostKeyError, HostUnreachableError } from '../errors.js';
import { asDrydockError, innerReason } from './pool-failures.js';
import type { ConnectionSpec } from './types.js';

/** How long a reconnect keeps trying by default: Ansible's reboot module waits 600 s too. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 600_000;
/** Wait before reconnect attempt n (the last value repeats). */
export const DEFAULT_RECONNECT_DELAYS_MS: readonly number[] = [1000, 2000];

/** Phases a host coming back from a reboot goes through; host key, auth and bastion failures will not heal. */
const RECONNECT_RETRY_PHASES: ReadonlySet<string> = new Set(['dns', 'tcp', 'kex', 'lost']);

export interface ReconnectTiming {
  timeoutMs: number;
  /** Milliseconds clock for the deadline. */
  now: () => number;
  delaysMs: readonly number[];
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Once aborted, the last failure is final. */
  signal?: AbortSignal;
}

export function isReconnectRetryable(err: unknown): boolean {
  return err instanceof HostUnreachableError && !(err instanceof HostKeyError) && RECONNECT_RETRY_PHASES.has(err.phase);
}

/**
 * Runs `attempt` (one handshake) until it succeeds, fails for good, or the next try would start after the
 * deadline; then the error names the wait, the attempts and the last reason.
 */
export async function dialUntilBack<T>(spec: ConnectionSpec, attempt: () => Promise<T>, timing: ReconnectTiming): Promise<T> {
  const deadline = timing.now() + timing.timeoutMs;
  for (let tries = 0; ; tries++) {
    let err: unknown;
    try {
      return await attempt();
    } catch (raw) {
      err = asDrydockError(spec, raw);
    }
    if (!isReconnectRetryable(err) || timing.signal?.aborted) throw err;
    const delay = timing.delaysMs[Math.min(tries, timing.delaysMs.length - 1)] ?? 1000;
    if (timing.now() + delay >= deadline) {
      const failure = err as HostUnreachableError;
      throw new HostUnreachableError(
        spec.name,
        failure.phase,
        `did not come back within ${Math.round(timing.timeoutMs / 1000)} s (${tries + 1} attempts); last error: ${innerReason(failure)}`,
        failure,
      );
    }
    await timing.sleep(delay, timing.signal);
  }
}
