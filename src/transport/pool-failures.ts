/**
 * How the connection pool judges and words a failed handshake: whether trying again can help, and messages
 * that read as one sentence when a bastion's failure becomes its targets' failure.
 */
import { DrydockError, HostKeyError, HostUnreachableError } from '../errors.js';
import type { ConnectionSpec } from './types.js';

const TIMEOUT_PATTERN = /timed? ?out|timeout|ETIMEDOUT/i;
const LOST_PATTERN = /lost|reset|closed|ECONNRESET|EPIPE|ECONNREFUSED/i;

/**
 * Whether trying the same connect again a second later can help. Refused or reset TCP, and a connection
 * dropped during key exchange (sshd's MaxStartups does exactly that) are transient; timeouts already cost
 * the whole timeout, and DNS, host key, auth and bastion failures will fail the same way again.
 */
export function isTransientConnectError(err: unknown): boolean {
  if (!(err instanceof HostUnreachableError) || err instanceof HostKeyError) return false;
  const detail = `${err.message} ${describeCause(err.cause)}`;
  if (err.phase === 'tcp') return !TIMEOUT_PATTERN.test(detail);
  if (err.phase === 'kex' || err.phase === 'lost') return LOST_PATTERN.test(detail) && !TIMEOUT_PATTERN.test(detail);
  return false;
}

function describeCause(cause: unknown): string {
  if (!cause || typeof cause !== 'object') return '';
  const { code, message } = cause as { code?: unknown; message?: unknown };
  return `${typeof code === 'string' ? code : ''} ${typeof message === 'string' ? message : ''}`;
}

/** The reason inside an error, without the "host: unreachable (phase): " prefix ours carry. */
export function innerReason(err: unknown): string {
  if (err instanceof HostUnreachableError) {
    const prefix = `${err.host}: unreachable (${err.phase}): `;
    return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** "(phase) reason" for a bastion's own failure, so the target's message reads as one sentence. */
export function describeFailure(err: unknown): string {
  return err instanceof HostUnreachableError ? `(${err.phase}) ${innerReason(err)}` : innerReason(err);
}

/** Anything the opener throws that is not one of ours is a transport failure of this host. */
export function asDrydockError(spec: ConnectionSpec, err: unknown): unknown {
  if (err instanceof DrydockError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new HostUnreachableError(spec.name, 'lost', reason, err);
}
