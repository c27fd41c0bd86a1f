/**
 * A live SSH connection to one host, on ssh2 (the one module that imports it).
 *
 * Connecting is split into phases the admin can act on (dns, tcp, kex, hostkey, auth, proxy); a connection
 * that drops afterwards is 'lost'. Host keys are checked against known_hosts before authentication, per the
 * spec's policy. Commands share the connection, one channel each, through a small per-connection queue,
 * because sshd caps sessions per connection (MaxSessions, 10 by default, SFTP included).
 */
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { connect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import PQueue from 'p-queue';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client as SshClient, ClientChannel, ParsedKey, SFTPWrapper } from 'ssh2';
import { HostKeyError, HostUnreachableError } from '../errors.js';
import type { ConnectPhase } from '../errors.js';
import { runCommand } from './exec.js';
import type { ExecChannel, ExecHost } from './exec.js';
import { SftpChannel } from './sftp.js';
import type { SftpSession } from './sftp.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './types.js';
import { keyTypeOf, sha256Fingerprint } from './fingerprint.js';
import { changedHostMessage, revokedHostMessage, unknownHostMessage } from './host-key-messages.js';

const { Client, utils } = ssh2;

export const DEFAULT_CHANNEL_CONCURRENCY = 4;
/** How long "Channel open failure" (sshd at MaxSessions) is treated as back-pressure before giving up. */
const CHANNEL_OPEN_PATIENCE_MS = 30_000;

export interface SshDeps {
  knownHosts: KnownHostsStoreLike;
  /** An already-open stream to the host (a direct-tcpip channel through a bastion). */
  sock?: Duplex;
  signal?: AbortSignal;
  /** Write accepted keys hashed (HashKnownHosts yes). */
  hashKnownHosts?: boolean;
  /** Concurrent command channels on this connection. Default 4. */
  channelConcurrency?: number;
  /** Between TERM and KILL when a command times out. Default 2 s. */
  killGraceMs?: number;
  /** ssh2's protocol trace, for handshake triage. Never carries secrets. */
  debug?: (line: string) => void;
}

interface Identity {
  file: string;
  key?: ParsedKey;
  /** Why the file is not used. */
  problem?: string;
}

const identityCache = new Map<string, Promise<Identity>>();

/** Reads and decrypts an identity file once per run (ssh2's bcrypt KDF in JavaScript takes ~1 s at default rounds). */
async function loadIdentity(file: string, passphrase: string | undefined): Promise<Identity> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return { file, problem: 'not found' };
  }
  const secret = createHash('sha256').update(passphrase ?? '\0none').digest('hex');
  const cacheKey = `${file}\0${info.mtimeMs}\0${info.size}\0${secret}`;
  let loaded = identityCache.get(cacheKey);
  if (!loaded) {
    loaded = parseIdentity(file, passphrase);
    identityCache.set(cacheKey, loaded);
  }
  return loaded;
}

async function parseIdentity(file: string, passphrase: string | undefined): Promise<Identity> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    return { file, problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) return { file, problem: 'is encrypted and no passphrase was given' };
    if (passphrase !== undefined && /passphrase|decrypt|integrity/i.test(parsed.message)) {
      return { file, problem: 'could not be decrypted: wrong passphrase' };
    }
    return { file, problem: `is not a usable private key (${parsed.message})` };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) return { file, problem: 'holds no private key' };
  return { file, key };
}

function identityReport(identities: Identity[]): string {
  return identities.map((id) => (id.problem ? `${id.file} (${id.problem})` : id.file)).join(', ') || 'none';
}

/** A connected, authenticated host. Commands, file transfers and forwarded channels share it. */
export class SshConnection implements Connection, ExecHost {
  readonly name: string;
  readonly hostKeyFingerprint: string;
  /** Resolves when the connection ends: undefined after close(), the error when it was lost. */
  readonly whenClosed: Promise<HostUnreachableError | undefined>;
  private readonly queue: PQueue;
  private readonly files: SftpChannel;
  private lost: HostUnreachableError | undefined;
  private closing: Promise<void> | undefined;
  private readonly hops: SshConnection[] = [];
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
  adoptHops(hops: SshConnection[]): void {
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
  if (!deps.sock && spec.proxyJump.length > 0) return openThroughJumps(spec, deps);
  const identities = await Promise.all(spec.identityFiles.map((file) => loadIdentity(file, spec.passphrase)));
  const useAgent = !spec.identitiesOnly && !!spec.agentSocket;
  const usable = identities.filter((id) => id.key);
  if (usable.length === 0 && !useAgent) {
    throw new HostUnreachableError(
      spec.name,
      'auth',
      `no usable SSH identity for ${spec.user}@${spec.hostname}: ${identityReport(identities)}; no ssh-agent in use`,
    );
  }
  const lookupName = spec.hostKeyAlias ?? spec.hostname;
  const knownTypes = await deps.knownHosts.knownKeyTypes(lookupName, spec.port);
  const sock = deps.sock ?? (await dial(spec, deps.signal));
  return handshake(spec, deps, sock, identities, useAgent, knownTypes);
}

function handshake(
  spec: ConnectionSpec,
  deps: SshDeps,
  sock: Duplex,
  identities: Identity[],
  useAgent: boolean,
  knownTypes: string[],
): Promise<SshConnection> {
  const client = new Client();
  const lookupName = spec.hostKeyAlias ?? spec.hostname;
  const attempts: AnyAuthMethod[] = identities
    .filter((id): id is Identity & { key: ParsedKey } => !!id.key)
    .map((id) => ({ type: 'publickey', username: spec.user, key: id.key }));
  if (useAgent) attempts.push({ type: 'agent', username: spec.user, agent: spec.agentSocket! });
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
    client.on('error', (err: Error & { level?: string }) => {
      if (refusal) return fail(refusal);
      // ssh2 reports an unusable agent or a key that cannot sign, then goes on to the next method.
      if (err.level === 'agent' || (err.level === 'client-authentication' && !/All configured/i.test(err.message))) {
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
      algorithms: { serverHostKey: hostKeyAlgorithms(knownTypes) as never },
      authHandler: (_methodsLeft, _partial, next) => next((attempts.shift() ?? false) as AnyAuthMethod),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        decideHostKey(spec, lookupName, key, deps).then(
          (decision) => {
            fingerprint = decision.fingerprint;
            refusal = decision.refusal;
            verify(!refusal);
          },
          (err: unknown) => {
            refusal = new HostUnreachableError(spec.name, 'hostkey', `cannot check the host key: ${describeHostKeyCheck(err)}`, err);
            verify(false);
          },
        );
      },
      ...(deps.debug ? { debug: deps.debug } : {}),
    });
  });
}

function connectError(
  spec: ConnectionSpec,
  phase: ConnectPhase,
  err: Error & { level?: string },
  identities: Identity[],
  useAgent: boolean,
  authProblems: string[],
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

/** ProxyJump without a pool: connects each hop through the previous one; the hops close with the target. */
async function openThroughJumps(spec: ConnectionSpec, deps: SshDeps): Promise<SshConnection> {
  const hops: SshConnection[] = [];
  const hopDeps = { knownHosts: deps.knownHosts, ...(deps.signal ? { signal: deps.signal } : {}) };
  const closeHops = async (): Promise<void> => {
    for (const hop of hops) await hop.close();
  };
  let sock: Duplex;
  try {
    let via: SshConnection | undefined;
    for (const hopSpec of spec.proxyJump) {
      const hopSock = via ? await via.forwardOut(hopSpec.hostname, hopSpec.port) : undefined;
      via = await openSshConnection({ ...hopSpec, proxyJump: [] }, { ...hopDeps, ...(hopSock ? { sock: hopSock } : {}) });
      hops.unshift(via);
    }
    sock = await via!.forwardOut(spec.hostname, spec.port);
  } catch (err) {
    await closeHops();
    const detail = err instanceof Error ? err.message : String(err);
    throw new HostUnreachableError(spec.name, 'proxy', `jump host failed: ${detail}`, err);
  }
  try {
    const target = await openSshConnection({ ...spec, proxyJump: [] }, { ...deps, sock });
    target.adoptHops(hops);
    return target;
  } catch (err) {
    await closeHops();
    throw err;
  }
}

/** What ssh.ts needs of known-hosts.ts's KnownHostsStore (sync or async). */
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

interface HostKeyDecision {
  fingerprint: string;
  refusal?: HostKeyError;
}

/** Applies the spec's policy to the presented key: refuse (with the message to show), accept, or record. */
async function decideHostKey(spec: ConnectionSpec, lookupName: string, blob: Buffer, deps: SshDeps): Promise<HostKeyDecision> {
  const fingerprint = sha256Fingerprint(blob);
  const keyType = keyTypeOf(blob) ?? 'unknown-key-type';
  const check = await deps.knownHosts.check(lookupName, spec.port, keyType, blob);
  const refuse = (problem: 'unknown' | 'changed' | 'revoked', detail: string): HostKeyDecision => ({
    fingerprint,
    refusal: new HostKeyError(spec.name, problem, fingerprint, keyType, detail),
  });
  if (check.status === 'revoked') return refuse('revoked', revokedHostMessage(lookupName, spec.port, keyType, fingerprint, check.known));
  if (check.status === 'match' || spec.hostKeyPolicy === 'off') return { fingerprint };
  if (check.status === 'changed') {
    return refuse('changed', changedHostMessage(lookupName, spec.port, keyType, fingerprint, check.known));
  }
  if (spec.hostKeyPolicy === 'accept-new') {
    await deps.knownHosts.append(lookupName, spec.port, keyType, blob, { hash: deps.hashKnownHosts ?? false });
    return { fingerprint };
  }
  const file = deps.knownHosts.writableFile ?? spec.userKnownHostsFiles[0] ?? '~/.ssh/known_hosts';
  return refuse('unknown', unknownHostMessage(lookupName, spec.port, keyType, fingerprint, file, check.known));
}

function describeHostKeyCheck(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** DNS then TCP, each with its own phase, so "cannot resolve" and "connection refused" read differently. */
async function dial(spec: ConnectionSpec, signal: AbortSignal | undefined): Promise<Socket> {
  let address = spec.hostname;
  if (!isIP(address)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), spec.connectTimeoutMs);
      });
      address = (await Promise.race([lookup(spec.hostname), timeout])).address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new HostUnreachableError(spec.name, 'dns', `cannot resolve ${spec.hostname} (${code})`, err);
    } finally {
      clearTimeout(timer);
    }
  }
  signal?.throwIfAborted();
  return new Promise<Socket>((resolve, reject) => {
    const sock = connect({ host: address, port: spec.port });
    const where = `${address}:${spec.port}`;
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.removeAllListeners('connect');
      sock.removeListener('error', onError);
      if (err === undefined) return resolve(sock);
      sock.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      done(new HostUnreachableError(spec.name, 'tcp', `cannot connect to ${where}: ${err.code ?? err.message}`, err));
    const onAbort = (): void => done(signal!.reason);
    const timer = setTimeout(
      () => done(new HostUnreachableError(spec.name, 'tcp', `TCP connect to ${where} timed out after ${spec.connectTimeoutMs / 1000}s`)),
      spec.connectTimeoutMs,
    );
    sock.setNoDelay(true);
    sock.once('connect', () => done());
    sock.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
