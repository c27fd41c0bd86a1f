/**
 * What a failed SSH connect means to the admin: the phase it stopped in and a message that names the user,
 * the key files tried and the agent, never a passphrase. Takes ssh2's errors as plain `Error & { level }`.
 */
import { HostUnreachableError } from '../errors.js';
import type { ConnectPhase } from '../errors.js';
import type { ConnectionSpec } from './types.js';

/** An identity file as tried: `problem` says why it could not be used. */
export interface IdentityAttempt {
  file: string;
  problem?: string;
}

/** ssh2 marks where an error came from: 'client-authentication', 'client-timeout', 'agent', 'protocol'... */
export type SshClientError = Error & { level?: string };

type ConnectSpec = Pick<ConnectionSpec, 'name' | 'hostname' | 'port' | 'user' | 'agentSocket' | 'connectTimeoutMs'>;

export function identityReport(identities: readonly IdentityAttempt[]): string {
  return identities.map((id) => (id.problem ? `${id.file} (${id.problem})` : id.file)).join(', ') || 'none';
}

/** Before dialling: not one key file is usable and no agent may be asked. */
export function noUsableIdentityError(spec: ConnectSpec, identities: readonly IdentityAttempt[]): HostUnreachableError {
  return new HostUnreachableError(
    spec.name,
    'auth',
    `no usable SSH identity for ${spec.user}@${spec.hostname}: ${identityReport(identities)}; no ssh-agent in use`,
  );
}

/**
 * ssh2 reports an unusable agent, or a key that cannot sign, and then goes on to the next method: such
 * errors are collected for the final authentication message rather than ending the connect.
 */
export function isRecoverableAuthError(err: SshClientError): boolean {
  return err.level === 'agent' || (err.level === 'client-authentication' && !/All configured/i.test(err.message));
}

/** Maps an ssh2 error during connect, in the phase reached, to the error the admin sees. */
export function connectError(
  spec: ConnectSpec,
  phase: ConnectPhase,
  err: SshClientError,
  identities: readonly IdentityAttempt[],
  useAgent: boolean,
  authProblems: readonly string[],
): HostUnreachableError {
  const seconds = spec.connectTimeoutMs / 1000;
  if (err.level === 'client-authentication' || (phase === 'auth' && /authentication/i.test(err.message))) {
    const problems = authProblems.length > 0 ? `; ${[...new Set(authProblems)].join('; ')}` : '';
    const agent = useAgent ? `, ssh-agent at ${spec.agentSocket}${problems}` : problems;
    return new HostUnreachableError(
      spec.name,
      'auth',
      `authentication failed for ${spec.user}@${spec.hostname}:${spec.port} (All configured authentication methods ` +
        `failed; tried identity files: ${identityReport(identities)}${agent})`,
      err,
    );
  }
  if (err.level === 'client-timeout' && /handshake/i.test(err.message)) {
    const during = phase === 'auth' ? 'authentication' : 'the SSH key exchange';
    return new HostUnreachableError(spec.name, phase, `timed out after ${seconds}s during ${during}`, err);
  }
  return new HostUnreachableError(spec.name, phase, err.message, err);
}

/** A hop of a ProxyJump chain failed: the target fails in the proxy phase, naming the hop's trouble. */
export function jumpFailure(spec: Pick<ConnectionSpec, 'name'>, err: unknown): HostUnreachableError {
  const detail = err instanceof Error ? err.message : String(err);
  return new HostUnreachableError(spec.name, 'proxy', `jump host failed: ${detail}`, err);
}
