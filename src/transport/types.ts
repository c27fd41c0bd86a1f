/**
 * The transport seam. Everything above this file talks to hosts only through `Connection` and
 * `ConnectionPool`; `ssh.ts` is the one module that imports ssh2.
 */

import type { Duplex } from 'node:stream';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Everything needed to reach one host, resolved from inventory vars, ~/.ssh/config and flags. */
export interface ConnectionSpec {
  /** Inventory name (what the user sees in output). */
  name: string;
  /** Address or DNS name to dial. */
  hostname: string;
  port: number;
  user: string;
  /** Private key files to try, in order. */
  identityFiles: string[];
  /** Only use identityFiles (no agent keys), as OpenSSH's IdentitiesOnly. */
  identitiesOnly: boolean;
  /** Passphrase for encrypted identity files. Secret: never logged. */
  passphrase?: string;
  /** ssh-agent socket (SSH_AUTH_SOCK) unless identitiesOnly. */
  agentSocket?: string;
  /** Jump hosts, outermost first (ProxyJump a,b → [a, b]). */
  proxyJump: ConnectionSpec[];
  /** Name used to look the host up in known_hosts (HostKeyAlias, else hostname). */
  hostKeyAlias?: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  hostKeyPolicy: HostKeyPolicy;
  /** Hash host names of keys appended under accept-new (OpenSSH HashKnownHosts). */
  hashKnownHosts?: boolean;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  become: BecomeSpec;
}

export interface BecomeSpec {
  enabled: boolean;
  user: string;
  method: 'sudo';
  /** Secret: fed to sudo on stdin, never on a command line or in logs. */
  password?: string;
}

export interface ExecOptions {
  /** Data written to the command's stdin (then closed). */
  stdin?: string | Buffer;
  /** Ends the remote command (and fails with CommandTimeoutError) after this long. 0 or undefined: none. */
  timeoutMs?: number;
  /** Run through sudo; overrides the spec's become for this command. */
  become?: Partial<BecomeSpec>;
  /** Exported in front of the command (servers reject most env requests). */
  env?: Record<string, string>;
  /** Live output, for progress rendering. Chunks are raw; the result still holds the capped text. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Bytes of each stream kept in memory (the tail is kept). Default 1 MiB. */
  maxOutputBytes?: number;
  /** Aborting ends the remote command like a timeout. */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit status; null when killed by a signal or when the status never arrived. */
  code: number | null;
  /** Signal name without SIG prefix (TERM, KILL), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Total bytes seen, before capping. */
  stdoutBytes: number;
  stderrBytes: number;
  /** True when output exceeded maxOutputBytes and only the tail was kept. */
  truncated: boolean;
  timedOut: boolean;
  ms: number;
}

export interface Connection {
  readonly name: string;
  /**
   * Runs one command on its own channel of the shared connection. A non-zero exit status is a result, not a
   * rejection. Rejects with HostUnreachableError for transport trouble, CommandTimeoutError on timeout or abort
   * (the remote command is ended first), and RemoteCommandError (BecomeError) when sudo refuses: a task failure.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file over SFTP. */
  put(remotePath: string, data: Buffer | string, mode?: number): Promise<void>;
  /** Reads a file over SFTP. */
  get(remotePath: string): Promise<Buffer>;
  /**
   * A TCP stream to host:port as the remote host sees it (a direct-tcpip channel on this same connection,
   * as `ssh -W`): how a jump host reaches the next one, and how the etcd module reaches etcd's client port on
   * the host's 127.0.0.1. Rejects with HostUnreachableError: phase 'proxy' when the host refuses or cannot
   * open it (nothing listens there; the connection stays usable), the connection's own error once it is gone.
   */
  forwardOut(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

export interface ConnectionPool {
  /** The one connection for this host in this run, opened on first use. Rejects with HostUnreachableError. */
  connect(spec: ConnectionSpec): Promise<Connection>;
  /**
   * Drops the host's connection (already dead after a reboot) and opens a new one, retrying until
   * `timeoutMs`. Used by the reboot module; every other caller keeps the one connection of the run.
   */
  reconnect?(spec: ConnectionSpec, options?: { timeoutMs?: number }): Promise<Connection>;
  /** Handshakes performed so far (bastion connections included). */
  readonly handshakes: number;
  closeAll(): Promise<void>;
}
