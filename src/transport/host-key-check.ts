/**
 * The host-key decision for one connection, given the key the server presented, a known_hosts store and the
 * spec's policy: refuse (with the message to show), accept, or record. No ssh2 here: ssh.ts feeds the raw key.
 *
 * The host is looked up, and recorded, under `knownHostsKeyFor(spec)`: with HostKeyAlias that is the alias
 * alone, without `[alias]:port`, as OpenSSH does.
 */
import { HostKeyError, HostUnreachableError } from '../errors.js';
import { keyTypeOf, sha256Fingerprint } from './fingerprint.js';
import { changedHostMessage, revokedHostMessage, unknownHostMessage } from './host-key-messages.js';
import { knownHostsKeyFor } from './known-hosts.js';
import type { ConnectionSpec } from './types.js';

/** What the connection needs of known-hosts.ts's KnownHostsStore (sync or async). */
export interface KnownHostsStoreLike {
  check(host: string, port: number, keyType: string, blob: Buffer): HostKeyCheckLike | Promise<HostKeyCheckLike>;
  append(host: string, port: number, keyType: string, blob: Buffer, options: { hash?: boolean }): Promise<unknown>;
  knownKeyTypes(host: string, port: number): string[] | Promise<string[]>;
  /** Where accepted keys go; named in the "unknown host" advice. */
  readonly writableFile?: string | undefined;
}

export interface HostKeyCheckLike {
  status: 'match' | 'unknown' | 'changed' | 'revoked';
  known: { file: string; line: number; keyType: string; fingerprint: string }[];
}

type HostKeySpec = Pick<
  ConnectionSpec,
  'name' | 'hostname' | 'port' | 'hostKeyAlias' | 'hostKeyPolicy' | 'hashKnownHosts' | 'userKnownHostsFiles'
>;

export interface HostKeyDecision {
  fingerprint: string;
  /** Set when the connection must not go on. */
  refusal?: HostKeyError;
  /** Set when it goes on despite a changed key (policy off): OpenSSH's warning, to show the admin. */
  warning?: string;
}

/** OpenSSH 9 defaults that ssh2 supports (no SHA-1 ssh-rsa, no DSA). */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/**
 * Host-key algorithms with the types already recorded for the host first, as OpenSSH orders them:
 * otherwise the server may present a type that has no entry and the host looks falsely "unknown".
 */
export function hostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const first = knownTypes
    .flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [type]))
    .filter((algorithm) => HOST_KEY_ALGORITHMS.includes(algorithm));
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}

/** The host-key algorithms to offer this host, recorded types first. */
export async function hostKeyAlgorithmsFor(spec: HostKeySpec, store: KnownHostsStoreLike): Promise<string[]> {
  const { host, port } = knownHostsKeyFor(spec);
  return hostKeyAlgorithms(await store.knownKeyTypes(host, port));
}

export interface DecideOptions {
  /** Overrides `spec.hashKnownHosts` for keys recorded under accept-new. */
  hashKnownHosts?: boolean;
}

/** Applies the spec's policy to the presented key blob. Revocation is refused under every policy, even off. */
export async function decideHostKey(
  spec: HostKeySpec,
  blob: Buffer,
  store: KnownHostsStoreLike,
  options: DecideOptions = {},
): Promise<HostKeyDecision> {
  const fingerprint = sha256Fingerprint(blob);
  const keyType = keyTypeOf(blob) ?? 'unknown-key-type';
  const { host, port } = knownHostsKeyFor(spec);
  const check = await store.check(host, port, keyType, blob);
  const refuse = (problem: 'unknown' | 'changed' | 'revoked', detail: string): HostKeyDecision => ({
    fingerprint,
    refusal: new HostKeyError(spec.name, problem, fingerprint, keyType, detail),
  });
  if (check.status === 'revoked') return refuse('revoked', revokedHostMessage(host, port, keyType, fingerprint, check.known));
  if (check.status === 'match') return { fingerprint };
  // Keys of other algorithms recorded for the host: drydock offers those first, so a server presenting another
  // algorithm no longer holds the recorded key. That is a changed host, not a new one to record.
  const changed = check.status === 'changed' || check.known.length > 0;
  if (spec.hostKeyPolicy === 'off') {
    if (!changed) return { fingerprint };
    const message = changedHostMessage(host, port, keyType, fingerprint, check.known);
    // As OpenSSH with StrictHostKeyChecking=no: the connection goes on, the warning is not swallowed.
    return { fingerprint, warning: `${message.replace(/\ndrydock did not connect\.[^]*$/, '')}\nConnecting anyway: host key checking is off for this host.` };
  }
  if (changed) return refuse('changed', changedHostMessage(host, port, keyType, fingerprint, check.known));
  if (spec.hostKeyPolicy === 'accept-new') {
    await store.append(host, port, keyType, blob, { hash: options.hashKnownHosts ?? spec.hashKnownHosts ?? false });
    return { fingerprint };
  }
  const file = store.writableFile ?? spec.userKnownHostsFiles[0] ?? '~/.ssh/known_hosts';
  const dial = spec.hostKeyAlias ? { hostname: spec.hostname, port: spec.port } : undefined;
  return refuse('unknown', unknownHostMessage(host, port, keyType, fingerprint, file, check.known, dial));
}

/** The known_hosts files could not be consulted (or written): the connection stops in the hostkey phase. */
export function hostKeyCheckFailure(spec: Pick<ConnectionSpec, 'name'>, err: unknown): HostUnreachableError {
  const detail = err instanceof Error ? err.message : String(err);
  return new HostUnreachableError(spec.name, 'hostkey', `cannot check the host key: ${detail}`, err);
}
