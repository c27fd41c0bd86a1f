/**
 * A connected, authenticated SSH host (opened by `ssh.ts`, the one module that imports ssh2): command and
 * SFTP channels on one connection, direct-tcpip channels for jump hosts, and the difference between a
 * connection drydock closed and one that was lost.
 *
 * Commands share the connection, one channel each, through a small per-connection queue, because sshd caps
 * sessions per connection (MaxSessions, 10 by default, SFTP included).
 */
import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { PQueue } from '../util/queue.js';
import { HostUnreachableError } from '../errors.js';
import { DEFAULT_KILL_GRACE_MS, runCommand } from './exec.js';
import type { ExecChannel, ExecHost } from './exec.js';
import type { JumpableConnection } from './jump-chain.js';
import { SftpChannel } from './sftp.js';
import type { SftpSession } from './sftp.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './types.js';

export const DEFAULT_CHANNEL_CONCURRENCY = 4;
/** How long "Channel open failure" (sshd at MaxSessions) is treated as back-pressure before giving up. */
const CHANNEL_OPEN_PATIENCE_MS = 30_000;
/** Beyond the kill grace period, how long closing waits for commands still being ended. */
const ENDING_PATIENCE_MS = 5_000;

/** What the connection uses of ssh2's Client, so this module needs no ssh2 import. */
export interface SshClientHandle extends EventEmitter {
  exec(command: string, callback: (err: Error | undefined, channel: ExecChannel) => void): unknown;
  sftp(callback: (err: Error | undefined, sftp: SftpSession) => void): unknown;
  forwardOut(srcIP: string, srcPort: number, dstIP: string, dstPort: number, callback: (err: Error | undefined, channel: Duplex) => void): unknown;
  end(): unknown;
  destroy(): unknown;
}

export interface SshConnectionOptions {
  /** Concurrent command channels on this connection. Default 4. */
  channelConcurrency?: number;
  /** Between TERM and KILL when a command times out. Default 2 s. */
  killGraceMs?: number;
}

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
  /** Set once commands being ended have been waited for: from then on no channel opens. */
  private shutDown = false;
  /** Timed-out or aborted commands still being ended on the host (see ExecHost.endingCommand). */
  private readonly endings = new Set<Promise<unknown>>();
  private readonly hops: JumpableConnection[] = [];
  // ES-private: the spec holds the become password, which util.inspect or JSON.stringify must never show.
  readonly #spec: ConnectionSpec;
  readonly #killGraceMs: number | undefined;

  constructor(
    private readonly client: SshClientHandle,
    spec: ConnectionSpec,
    fingerprint: string,
    options: SshConnectionOptions,
  ) {
    this.#spec = spec;
    this.#killGraceMs = options.killGraceMs;
    this.name = spec.name;
    this.hostKeyFingerprint = fingerprint;
    this.queue = new PQueue({ concurrency: options.channelConcurrency ?? DEFAULT_CHANNEL_CONCURRENCY });
    this.files = new SftpChannel(spec.name, () =>
      this.openChannel<SftpSession>('sftp session', (cb) => this.client.sftp(cb)),
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
    try {
      this.assertAccepting();
    } catch (err) {
      return Promise.reject(err);
    }
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

  endingCommand(ended: Promise<unknown>): void {
    const tracked = ended.catch(() => undefined).finally(() => this.endings.delete(tracked));
    this.endings.add(tracked);
  }

  openExecChannel(remoteCommand: string): Promise<ExecChannel> {
    return this.openChannel<ExecChannel>('command channel', (cb) => this.client.exec(remoteCommand, cb));
  }

  async put(remotePath: string, data: Buffer | string, mode?: number): Promise<void> {
    this.assertAccepting();
    return this.files.put(remotePath, data, mode);
  }

  async get(remotePath: string): Promise<Buffer> {
    this.assertAccepting();
    return this.files.get(remotePath);
  }

  /** A direct-tcpip channel to host:port as seen from this host (jump hosts, etcd's client port); not limited by MaxSessions. */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    this.assertAccepting();
    return new Promise((resolve, reject) => {
      try {
        this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
          if (!err) return resolve(channel);
          // A lost connection is the connection's failure; a refused channel leaves the connection usable.
          if (this.lost) return reject(this.lost);
          reject(new HostUnreachableError(this.name, 'proxy', `cannot reach ${host}:${port} through ${this.name}: ${err.message}`, err));
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
    await this.waitForEndings();
    this.shutDown = true;
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

  /**
   * Before closing, lets every timed-out or aborted command finish being ended (its kill, then KILL after the
   * grace period), bounded in case the host stops answering.
   */
  private async waitForEndings(): Promise<void> {
    if (this.endings.size === 0 || this.lost) return;
    const bound = (this.#killGraceMs ?? DEFAULT_KILL_GRACE_MS) + ENDING_PATIENCE_MS;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, bound)));
    while (this.endings.size > 0 && !this.lost) {
      const settled = await Promise.race([Promise.all([...this.endings]).then(() => true), patience.then(() => false)]);
      if (!settled) break;
    }
    clearTimeout(timer);
  }

  /** New work is refused once close() was called; channels for commands being ended still open until shutdown. */
  private assertAccepting(): void {
    if (this.lost) throw this.lost;
    if (this.closing) throw new HostUnreachableError(this.name, 'lost', 'the connection was closed by drydock');
  }

  private assertOpen(): void {
    if (this.lost) throw this.lost;
    if (this.shutDown) throw new HostUnreachableError(this.name, 'lost', 'the connection was closed by drydock');
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
