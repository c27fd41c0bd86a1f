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
 *   deadline (`reconnect.ts`): a rebooting host refuses, drops or ignores connections for minutes.
 */
import type { Duplex } from 'node:stream';
import { PQueue } from '../util/queue.js';
import { HostUnreachableError } from '../errors.js';
import type { Connection, ConnectionPool, ConnectionSpec } from './types.js';
import { abortableSleep } from './abortable-sleep.js';
import { asDrydockError, describeFailure, innerReason, isTransientConnectError } from './pool-failures.js';
import { DEFAULT_RECONNECT_DELAYS_MS, DEFAULT_RECONNECT_TIMEOUT_MS, dialUntilBack } from './reconnect.js';

export { isTransientConnectError } from './pool-failures.js';
export { DEFAULT_RECONNECT_TIMEOUT_MS } from './reconnect.js';

/** A connection that can also open direct-tcpip channels: what a bastion must offer (every Connection does). */
export type TunnelingConnection = Connection;

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

  private reopen(spec: ConnectionSpec, timeoutMs: number): Promise<TunnelingConnection> {
    const attempt = async (): Promise<TunnelingConnection> => {
      if (spec.proxyJump.length === 0) return this.queued(this.handshakeQueue, spec);
      const bastion = await this.reachBastion(spec);
      return this.queuedVia(bastion, spec);
    };
    return dialUntilBack(spec, attempt, {
      timeoutMs,
      now: this.options.now ?? Date.now,
      delaysMs: this.options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS,
      sleep: this.sleep,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
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

async function closeQuietly(pending: Promise<Connection>): Promise<void> {
  try {
    const connection = await pending;
    await connection.close();
  } catch {
    // A host that never connected has nothing to close; a close error changes no result.
  }
}
