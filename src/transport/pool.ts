/**
 * One SSH connection per host per run, opened on first use and shared by every command on that host.
 *
 * - Concurrent `connect()` calls for a host share one promise; a failed connect is remembered, so a dead host
 *   costs one attempt (plus bounded retries), not one per task.
 * - Handshakes are paced: one queue bounds concurrent handshakes overall (CPU, ssh-agent, sshd MaxStartups);
 *   each bastion has its own smaller queue so a burst of targets behind it stays under MaxStartups 10.
 * - Jump hosts: one authenticated connection per bastion (per chain prefix) carries a direct-tcpip channel
 *   for every host behind it. If the bastion fails, every host behind it fails with phase 'proxy' and a
 *   message naming the bastion: one root cause, not N mysteries.
 * - Only transient connect errors are retried (refused/reset TCP, a connection lost during key exchange);
 *   host key and authentication failures never are, and the pool never runs a command itself.
 * - `reconnect` (after a reboot) forgets the host's connection and failure and keeps dialling until a
 *   deadline: a rebooting host refuses, drops or ignores connections for minutes before sshd is back.
 */
import type { Duplex } from 'node:stream';
import { PQueue } from '../util/queue.js';
import { DrydockError, HostKeyError, HostUnreachableError } from '../errors.js';
import type { Connection, ConnectionPool, ConnectionSpec } from './types.js';
import { abortableSleep } from './abortable-sleep.js';

/** A connection that can also open direct-tcpip channels: what a bastion must offer. */
export interface TunnelingConnection extends Connection {
  forwardOut(host: string, port: number): Promise<Duplex>;
}

/** Performs one SSH handshake; `sock` is a channel through a bastion when the host sits behind one. */
export type SshOpener = (
  spec: ConnectionSpec,
  options: { sock?: Duplex; signal?: AbortSignal },
) => Promise<TunnelingConnection>;

export interface PoolOptions {
  /** The handshake itself (ssh.ts in production, a fake in unit tests). */
  open: SshOpener;
  /** Concurrent handshakes overall. Default 32 (pdsh/pssh/Mitogen all sit at 32). */
  maxConcurrentHandshakes?: number;
  /** Concurrent handshakes through one bastion. Default 8, below OpenSSH's MaxStartups 10. */
  maxHandshakesPerBastion?: number;
  /** Retries after the first attempt, for transient errors only. Default 2. */
  retries?: number;
  /** Wait before retry n (the last value repeats). Default 1 s, 2 s. */
  retryDelaysMs?: number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds clock for the reconnect deadline. Default Date.now. */
  now?: () => number;
  /** Wait before reconnect attempt n (the last value repeats). Default 1 s, then 2 s. */
  reconnectDelaysMs?: number[];
  /** Aborting stops new handshakes (queued ones reject as unreachable) and cuts retry waits short. */
  signal?: AbortSignal;
}

interface Bastion {
  label: string;
  connection: Promise<TunnelingConnection>;
  handshakeQueue: PQueue;
}

export const DEFAULT_MAX_HANDSHAKES = 32;
export const DEFAULT_MAX_HANDSHAKES_PER_BASTION = 8;
/** How long `reconnect` keeps trying by default: Ansible's reboot module waits 600 s too. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 600_000;

/** Phases a host coming back from a reboot goes through; host key, auth and bastion failures will not heal. */
const RECONNECT_RETRY_PHASES: ReadonlySet<string> = new Set(['dns', 'tcp', 'kex', 'lost']);

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

/** How a bastion is named in messages and keyed in the pool: user@host:port. */
export function endpointLabel(spec: ConnectionSpec): string {
  return `${spec.user}@${spec.hostname}:${spec.port}`;
}

export class SshConnectionPool implements ConnectionPool {
  private readonly targets = new Map<string, Promise<TunnelingConnection>>();
  private readonly bastions = new Map<string, Bastion>();
  private readonly handshakeQueue: PQueue;
  private readonly perBastion: number;
  private readonly retries: number;
  private readonly retryDelaysMs: number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private handshakeCount = 0;

  constructor(private readonly options: PoolOptions) {
    this.handshakeQueue = new PQueue({ concurrency: options.maxConcurrentHandshakes ?? DEFAULT_MAX_HANDSHAKES });
    this.perBastion = options.maxHandshakesPerBastion ?? DEFAULT_MAX_HANDSHAKES_PER_BASTION;
    this.retries = options.retries ?? 2;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** Handshakes attempted so far, bastions and retries included. */
  get handshakes(): number {
    return this.handshakeCount;
  }

  connect(spec: ConnectionSpec): Promise<Connection> {
    let pending = this.targets.get(spec.name);
    if (!pending) {
      pending = this.openTarget(spec);
      // Remembered as is, rejection included; callers handle it, this only avoids an unhandled rejection.
      pending.catch(() => undefined);
      this.targets.set(spec.name, pending);
    }
    return pending;
  }

  /**
   * Forgets the host's connection (dead after a reboot, or still alive) and its remembered failure, then dials
   * until a handshake succeeds or `timeoutMs` (default 600 s) has passed. Connect-phase failures (refused,
   * reset, dropped during key exchange, timed out) are retried after a short pause; a host key or
   * authentication failure is final at once. Every attempt counts as a handshake.
   */
  reconnect(spec: ConnectionSpec, options: { timeoutMs?: number } = {}): Promise<Connection> {
    const previous = this.targets.get(spec.name);
    this.targets.delete(spec.name);
    // Not awaited: closing a connection whose peer vanished can wait for a TCP timeout, and nothing depends on it.
    if (previous) void closeQuietly(previous);
    const pending = this.reopen(spec, options.timeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS);
    pending.catch(() => undefined);
    this.targets.set(spec.name, pending);
    return pending;
  }

  /** Closes one host's connection (a fan-out that is done with a host frees its socket early). */
  async release(name: string): Promise<void> {
    const pending = this.targets.get(name);
    if (!pending) return;
    this.targets.delete(name);
    await closeQuietly(pending);
  }

  /** Closes every host, then the bastions from the innermost hop out. */
  async closeAll(): Promise<void> {
    const targets = [...this.targets.values()];
    this.targets.clear();
    await Promise.all(targets.map(closeQuietly));
    const bastions = [...this.bastions.values()].reverse();
    this.bastions.clear();
    for (const bastion of bastions) await closeQuietly(bastion.connection);
  }

  private async openTarget(spec: ConnectionSpec): Promise<TunnelingConnection> {
    if (spec.proxyJump.length === 0) return this.withRetries(spec, () => this.queued(this.handshakeQueue, spec));
    const bastion = await this.reachBastion(spec);
    return this.withRetries(spec, () => this.queuedVia(bastion, spec));
  }

  /** The bastion in front of `spec`, connected; its failure is the target's, phase 'proxy'. */
  private async reachBastion(spec: ConnectionSpec): Promise<Bastion> {
    try {
      const bastion = this.bastionFor(spec.proxyJump);
      await bastion.connection;
      return bastion;
    } catch (err) {
      const last = spec.proxyJump[spec.proxyJump.length - 1]!;
      throw new HostUnreachableError(spec.name, 'proxy', `via bastion ${endpointLabel(last)}: ${describeFailure(err)}`, err);
    }
  }

  private async reopen(spec: ConnectionSpec, timeoutMs: number): Promise<TunnelingConnection> {
    const now = this.options.now ?? Date.now;
    const delays = this.options.reconnectDelaysMs ?? [1000, 2000];
    const deadline = now() + timeoutMs;
    for (let tries = 0; ; tries++) {
      let err: unknown;
      try {
        if (spec.proxyJump.length === 0) return await this.queued(this.handshakeQueue, spec);
        const bastion = await this.reachBastion(spec);
        return await this.queuedVia(bastion, spec);
      } catch (raw) {
        err = asDrydockError(spec, raw);
      }
      if (!isReconnectRetryable(err) || this.options.signal?.aborted) throw err;
      const delay = delays[Math.min(tries, delays.length - 1)] ?? 1000;
      if (now() + delay >= deadline) {
        const failure = err as HostUnreachableError;
        throw new HostUnreachableError(
          spec.name,
          failure.phase,
          `did not come back within ${Math.round(timeoutMs / 1000)} s (${tries + 1} attempts); last error: ${innerReason(failure)}`,
          failure,
        );
      }
      await this.sleep(delay, this.options.signal);
    }
  }

  /** The shared connection for a jump chain (outermost first); each prefix of the chain is itself shared. */
  private bastionFor(chain: ConnectionSpec[]): Bastion {
    const key = chain.map(endpointLabel).join(' > ');
    const existing = this.bastions.get(key);
    if (existing) return existing;
    const hop = chain[chain.length - 1]!;
    const label = endpointLabel(hop);
    const hopSpec: ConnectionSpec = { ...hop, name: label, proxyJump: [] };
    let connection: Promise<TunnelingConnection>;
    if (chain.length === 1) {
      connection = this.withRetries(hopSpec, () => this.queued(this.handshakeQueue, hopSpec));
    } else {
      const parent = this.bastionFor(chain.slice(0, -1));
      connection = parent.connection.then(
        () => this.withRetries(hopSpec, () => this.queuedVia(parent, hopSpec)),
        (err: unknown) => {
          throw new HostUnreachableError(label, 'proxy', `via bastion ${parent.label}: ${describeFailure(err)}`, err);
        },
      );
    }
    connection.catch(() => undefined);
    const bastion: Bastion = { label, connection, handshakeQueue: new PQueue({ concurrency: this.perBastion }) };
    this.bastions.set(key, bastion);
    return bastion;
  }

  private queued(queue: PQueue, spec: ConnectionSpec, sock?: () => Promise<Duplex>): Promise<TunnelingConnection> {
    return queue.add(
      async () => {
        this.throwIfAborted(spec);
        const channel = sock ? await sock() : undefined;
        this.handshakeCount += 1;
        return this.options.open(spec, { sock: channel, signal: this.options.signal });
      }
    );
  }

  /** A handshake through a bastion: paced by the bastion's queue first, then by the global one. */
  private queuedVia(bastion: Bastion, spec: ConnectionSpec): Promise<TunnelingConnection> {
    return bastion.handshakeQueue.add(
      () =>
        this.queued(this.handshakeQueue, spec, async () => {
          const via = await bastion.connection;
          try {
            return await via.forwardOut(spec.hostname, spec.port);
          } catch (err) {
            throw new HostUnreachableError(
              spec.name,
              'tcp',
              `bastion ${bastion.label} could not open a channel to ${spec.hostname}:${spec.port}: ${innerReason(err)}`,
              err,
            );
          }
        })
    );
  }

  private async withRetries(spec: ConnectionSpec, attempt: () => Promise<TunnelingConnection>): Promise<TunnelingConnection> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (raw) {
        const err = asDrydockError(spec, raw);
        if (tries >= this.retries || !isTransientConnectError(err) || this.options.signal?.aborted) throw err;
        const delay = this.retryDelaysMs[Math.min(tries, this.retryDelaysMs.length - 1)] ?? 1000;
        await this.sleep(delay, this.options.signal);
      }
    }
  }

  private throwIfAborted(spec: ConnectionSpec): void {
    if (this.options.signal?.aborted) throw new HostUnreachableError(spec.name, 'tcp', 'not connected: the run was interrupted');
  }
}

function isReconnectRetryable(err: unknown): boolean {
  return err instanceof HostUnreachableError && !(err instanceof HostKeyError) && RECONNECT_RETRY_PHASES.has(err.phase);
}

/** The reason inside an error, without the "host: unreachable (phase): " prefix ours carry. */
function innerReason(err: unknown): string {
  if (err instanceof HostUnreachableError) {
    const prefix = `${err.host}: unreachable (${err.phase}): `;
    return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** "(phase) reason" for a bastion's own failure, so the target's message reads as one sentence. */
function describeFailure(err: unknown): string {
  return err instanceof HostUnreachableError ? `(${err.phase}) ${innerReason(err)}` : innerReason(err);
}

/** Anything the opener throws that is not one of ours is a transport failure of this host. */
function asDrydockError(spec: ConnectionSpec, err: unknown): unknown {
  if (err instanceof DrydockError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new HostUnreachableError(spec.name, 'lost', reason, err);
}

async function closeQuietly(pending: Promise<Connection>): Promise<void> {
  try {
    const connection = await pending;
    await connection.close();
  } catch {
    // A host that never connected has nothing to close; a close error changes no result.
  }
}
