/**
 * Opening an SSH connection to one host, on ssh2 (the one module that imports it): identity files, the
 * socket (direct, or a channel through jump hosts), the client handshake and authentication. The open
 * connection itself is `SshConnection` (`ssh-connection.ts`).
 *
 * Connecting is split into phases the admin can act on (dns, tcp, kex, hostkey, auth, proxy); a connection
 * that drops afterwards is 'lost'. Host keys are checked against known_hosts before authentication, per the
 * spec's policy.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { HostUnreachableError } from '../errors.js';
import type { ConnectPhase } from '../errors.js';
import { connectError, isRecoverableAuthError, noUsableIdentityError } from './connect-errors.js';
import type { SshClientError } from './connect-errors.js';
import { dial } from './dial.js';
import { decideHostKey, hostKeyAlgorithmsFor, hostKeyCheckFailure } from './host-key-check.js';
import type { KnownHostsStoreLike } from './host-key-check.js';
import { createIdentityLoader } from './identity-files.js';
import type { Identity } from './identity-files.js';
import { openThroughJumps } from './jump-chain.js';
import { SshConnection } from './ssh-connection.js';
import type { SshConnectionOptions } from './ssh-connection.js';
import type { ConnectionSpec } from './types.js';

export { DEFAULT_CHANNEL_CONCURRENCY, SshConnection } from './ssh-connection.js';
export { hostKeyAlgorithms } from './host-key-check.js';
export type { HostKeyCheckLike, KnownHostsStoreLike } from './host-key-check.js';

const { Client, utils } = ssh2;

export interface SshDeps extends SshConnectionOptions {
  knownHosts: KnownHostsStoreLike;
  /** An already-open stream to the host (a direct-tcpip channel through a bastion). */
  sock?: Duplex;
  signal?: AbortSignal;
  /** Write accepted keys hashed (HashKnownHosts yes); overrides `spec.hashKnownHosts`. */
  hashKnownHosts?: boolean;
  /** Host-key warnings of a connection that goes on (a changed key with checking off), prefixed with the host. */
  onWarning?: (message: string) => void;
  /** ssh2's protocol trace, for handshake triage. Never carries secrets. */
  debug?: (line: string) => void;
}

/** Identity files are decrypted once per run, whichever connections use them. */
const loadIdentity = createIdentityLoader<ParsedKey>((data, passphrase) => {
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key?.isPrivateKey() ? key : undefined;
});

/**
 * Connects, verifies the host key and authenticates. With `deps.sock` the given stream is used (the pool's
 * shared bastion); without it, `spec.proxyJump` hops are connected here, one private chain per call.
 */
export async function openSshConnection(spec: ConnectionSpec, deps: SshDeps): Promise<SshConnection> {
  if (!deps.sock && spec.proxyJump.length > 0) {
    const hopDeps = { knownHosts: deps.knownHosts, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.onWarning ? { onWarning: deps.onWarning } : {}) };
    return openThroughJumps(spec, {
      hop: (hopSpec, sock) => openSshConnection(hopSpec, { ...hopDeps, ...(sock ? { sock } : {}) }),
      target: (targetSpec, sock) => openSshConnection(targetSpec, { ...deps, sock }),
    });
  }
  const identities = await Promise.all(spec.identityFiles.map((file) => loadIdentity(file, spec.passphrase)));
  const useAgent = !spec.identitiesOnly && !!spec.agentSocket;
  if (!identities.some((id) => id.key) && !useAgent) throw noUsableIdentityError(spec, identities);
  const algorithms = await hostKeyAlgorithmsFor(spec, deps.knownHosts);
  const sock = deps.sock ?? (await dial(spec, deps.signal));
  return handshake(spec, deps, sock, identities, useAgent, algorithms);
}

function handshake(
  spec: ConnectionSpec,
  deps: SshDeps,
  sock: Duplex,
  identities: Identity<ParsedKey>[],
  useAgent: boolean,
  hostKeyAlgorithms: string[],
): Promise<SshConnection> {
  const client = new Client();
  const attempts: AnyAuthMethod[] = identities
    .filter((id): id is Identity<ParsedKey> & { key: ParsedKey } => !!id.key)
    .map((id) => ({ type: 'publickey', username: spec.user, key: id.key }));
  if (useAgent) attempts.push({ type: 'agent', username: spec.user, agent: spec.agentSocket! });
  const hostKeyOptions = deps.hashKnownHosts !== undefined ? { hashKnownHosts: deps.hashKnownHosts } : {};
  let phase: ConnectPhase = 'kex';
  let fingerprint = '';
  const authProblems: string[] = [];
  let refusal: HostUnreachableError | undefined;

  return new Promise<SshConnection>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      deps.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(deps.signal!.reason);
    deps.signal?.addEventListener('abort', onAbort, { once: true });

    client.on('handshake', () => {
      phase = 'auth';
    });
    client.on('error', (err: SshClientError) => {
      if (refusal) return fail(refusal);
      if (isRecoverableAuthError(err)) {
        authProblems.push(err.message);
        return;
      }
      fail(connectError(spec, phase, err, identities, useAgent, authProblems));
    });
    client.on('close', () => fail(refusal ?? new HostUnreachableError(spec.name, phase, 'the server closed the connection')));
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      deps.signal?.removeEventListener('abort', onAbort);
      resolve(new SshConnection(client, spec, fingerprint, deps));
    });

    client.connect({
      sock,
      username: spec.user,
      readyTimeout: spec.connectTimeoutMs,
      keepaliveInterval: spec.keepaliveIntervalMs,
      keepaliveCountMax: spec.keepaliveCountMax,
      algorithms: { serverHostKey: hostKeyAlgorithms as never },
      authHandler: (_methodsLeft, _partial, next) => next((attempts.shift() ?? false) as AnyAuthMethod),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        decideHostKey(spec, key, deps.knownHosts, hostKeyOptions).then(
          (decision) => {
            fingerprint = decision.fingerprint;
            refusal = decision.refusal;
            if (decision.warning) deps.onWarning?.(`${spec.name}: ${decision.warning}`);
            verify(!refusal);
          },
          (err: unknown) => {
            refusal = hostKeyCheckFailure(spec, err);
            verify(false);
          },
        );
      },
      ...(deps.debug ? { debug: deps.debug } : {}),
    });
  });
}
