/**
 * A live SSH connection to one host, on ssh2 (the one module that imports it): the client handshake, command
 * and SFTP channels, and direct-tcpip channels for jump hosts.
 *
 * Connecting is split into phases the admin can act on (dns, tcp, kex, hostkey, auth, proxy); a connection
 * that drops afterwards is 'lost'. Host keys are checked against known_hosts before authentication, per the
 * spec's policy. Commands share the connection, one channel each, through a small per-connection queue,
 * because sshd caps sessions per connection (MaxSessions, 10 by default, SFTP included).
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { PQueue } from '../util/queue.js';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client as SshClient, ClientChannel, ParsedKey, SFTPWrapper } from 'ssh2';
import { HostUnreachableError } from '../errors.js';
import type { ConnectPhase } from '../errors.js';
import { connectError, isRecoverableAuthError, noUsableIdentityError } from './connect-errors.js';
import type { SshClientError } from './connect-errors.js';
import { dial } from './dial.js';
import { runCommand } from './exec.js';
import type { ExecChannel, ExecHost } from './exec.js';
import { decideHostKey, hostKeyAlgorithmsFor, hostKeyCheckFailure } from './host-key-check.js';
import type { KnownHostsStoreLike } from './host-key-check.js';
import { createIdentityLoader } from './identity-files.js';
import type { Identity } from './identity-files.js';
import { openThroughJumps } from './jump-chain.js';
import type { JumpableConnection } from './jump-chain.js';
import { SftpChannel } from './sftp.js';
import type { SftpSession } from './sftp.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './types.js';

export { hostKeyAlgorithms } from './host-key-check.js';
export type { HostKeyCheckLike, KnownHostsStoreLike } from './host-key-check.js';

const { Client, utils } = ssh2;

export const DEFAULT_CHANNEL_CONCURRENCY = 4;
/** How long "Channel open failure" (sshd at MaxSessions) is treated as back-pressure before giving up. */
const CHANNEL_OPEN_PATIENCE_MS = 30_000;

export interface SshDeps {
  knownHosts: KnownHostsStoreLike;
  /** An already-open stream to the host (a direct-tcpip channel through a bastion). */
  sock?: Duplex;
  signal?: AbortSignal;
  /** Write accepted keys hashed (HashKnownHosts yes); overrides `spec.hashKnownHosts`. */
  hashKnownHosts?: boolean;
  /** Concurrent command channels on this connection. Default 4. */
  channelConcurrency?: number;
  /** Between TERM and KILL when a command times out. Default 2 s. */
  killGraceMs?: number;
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

/** A connected, authenticated host. Commands, file transfers and forwarded channels share it. */
export class SshConnection implements Connection, ExecHost, JumpableConnection {
  readonly name: string;
  readonly hostKeyFingerprint: string;
  /** Resolves when the connection ends: undefined after close(), the error when it was lost. */
  readonly whenClosed: Promise<HostUnreachableError | undefined>;
  private readonly queue: PQueue;
  private readonly files: SftpChannel;
  private lost: HostUnreachableError | undefined;
  private closing: Promise<void> | undefined;
  private readonly hops: JumpableConnection[] = [];
  // ES-private: the spec holds the become password, which util.inspect or JSON.stringify must never show.
  readonly #spec: ConnectionSpec;
  readonly #killGraceMs: number | undefined;

  constructor(
    private readonly client: SshClient,
    spec: ConnectionSpec,
    fingerprint: string,
    deps: SshDeps,
  ) {
    this.#spec = spec;
    this.#killGraceMs = deps.killGraceMs;
    this.name = spec.name;
    this.hostKeyFingerprint = fingerprint;
    this.queue = new PQueue({ concurrency: deps.channelConcurrency ?? DEFAULT_CHANNEL_CONCURRENCY });
    this.files = new SftpChannel(spec.name, () =>
      this.openChannel<SftpSession>('sftp session', (cb) => this.client.sftp((err, sftp: SFTPWrapper) => cb(err, sftp))),
    );
    let lastError: Error | undefined;
    client.on('error', (err: Error) => {
      lastError = err;
    });
    this.whenClosed = new Promise((resolve) => {
      client.once('close', () => {
        if (!this.closing) {
          const why = lastError ? lastError.message : 'the server closed the connection';
          this.lost = new HostUnreachableError(this.name, 'lost', `connection lost: ${why}`, lastError);
        }
        resolve(this.lost);
      });
    });
  }

  get loginUser(): string {
    return this.#spec.user;
  }

  /** True until the connection is closed or lost. */
  get alive(): boolean {
    return !this.lost && !this.closing;
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const context = { become: this.#spec.become, ...(this.#killGraceMs ? { killGraceMs: this.#killGraceMs } : {}) };
    const { signal } = options;
    let started = false;
    const task = this.queue.add(() => {
      started = true;
      return runCommand(this, command, options, context);
    });
    if (!signal) return task;
    // Not p-queue's own `signal`: it settles a running task at once, before the remote command is ended.
    return new Promise<ExecResult>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  openExecChannel(remoteCommand: string): Promise<ExecChannel> {
    return this.openChannel<ClientChannel>('command channel', (cb) => this.client.exec(remoteCommand, cb));
  }

  async put(remotePath: string, data: Buffer | string, mode?: number): Promise<void> {
    this.assertOpen();
    return this.files.put(remotePath, data, mode);
  }

  async get(remotePath: string): Promise<Buffer> {
    this.assertOpen();
    return this.files.get(remotePath);
  }

  /** A direct-tcpip channel to host:port as seen from this host (jump hosts); not limited by MaxSessions. */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      try {
        this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
          if (!err) return resolve(channel);
          const why = this.lost ? this.lost.message : err.message;
          reject(new HostUnreachableError(this.name, 'proxy', `cannot reach ${host}:${port} through ${this.name}: ${why}`, err));
        });
      } catch (err) {
        reject(this.lost ?? new HostUnreachableError(this.name, 'proxy', `cannot forward: ${(err as Error).message}`, err));
      }
    });
  }

  /** Ends the SFTP session, the connection, then any jump hosts opened for it. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Jump-host connections opened for this one, innermost first; closed after it, in that order. */
  adoptHops(hops: JumpableConnection[]): void {
    this.hops.push(...hops);
  }

  private async shutdown(): Promise<void> {
    this.queue.clear();
    await this.files.close();
    if (!this.lost) {
      const closed = once(this.client, 'close').catch(() => undefined);
      this.client.end();
      const timer = setTimeout(() => this.client.destroy(), 2000);
      await closed;
      clearTimeout(timer);
    }
    for (const hop of this.hops) await hop.close();
  }

  private assertOpen(): void {
    if (this.lost) throw this.lost;
    if (this.closing) throw new HostUnreachableError(this.name, 'lost', 'the connection was closed by drydock');
  }

  /** Opens a session channel, waiting while sshd refuses for lack of session slots (MaxSessions). */
  private async openChannel<T>(what: string, open: (cb: (err: Error | undefined, channel: T) => void) => void): Promise<T> {
    const giveUpAt = Date.now() + CHANNEL_OPEN_PATIENCE_MS;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      this.assertOpen();
      try {
        return await new Promise<T>((resolve, reject) => open((err, channel) => (err ? reject(err) : resolve(channel))));
      } catch (err) {
        this.assertOpen();
        const message = (err as Error).message;
        if (/Channel open failure/i.test(message) && Date.now() < giveUpAt) {
          await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
          continue;
        }
        throw new HostUnreachableError(this.name, 'exec', `cannot open a ${what}: ${message}`, err);
      }
    }
  }
}

/**
 * Connects, verifies the host key and authenticates. With `deps.sock` the given stream is used (the pool's
 * shared bastion); without it, `spec.proxyJump` hops are connected here, one private chain per call.
 */
export async function openSshConnection(spec: ConnectionSpec, deps: SshDeps): Promise<SshConnection> {
  if (!deps.sock && spec.proxyJump.length > 0) {
    const hopDeps = { knownHosts: deps.knownHosts, ...(deps.signal ? { signal: deps.signal } : {}) };
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
