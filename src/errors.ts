/**
 * The few error classes drydock raises. Each carries a stable `code`; `cli/exit.ts` is the one place that
 * turns them into messages and exit codes, so modules throw these and never print or exit themselves.
 */

export type ErrorCode =
  | 'CONFIG'
  | 'USAGE'
  | 'UNREACHABLE'
  | 'HOST_KEY'
  | 'REMOTE_COMMAND'
  | 'COMMAND_TIMEOUT'
  | 'KUBE_API'
  | 'LOCK_HELD'
  | 'JOURNAL'
  | 'INTERNAL';

export abstract class DrydockError extends Error {
  abstract readonly code: ErrorCode;
}

/** One problem in user input, positioned where possible (1-based line and column). */
export interface ConfigIssue {
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

export function formatIssue(issue: ConfigIssue): string {
  if (!issue.file) return issue.message;
  const where = issue.line ? `${issue.file}:${issue.line}${issue.col ? `:${issue.col}` : ''}` : issue.file;
  return `${where}: ${issue.message}`;
}

/** Bad input (inventory, playbook, flags). Holds every problem found, so all are reported at once. */
export class ConfigError extends DrydockError {
  readonly code = 'CONFIG' as const;
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[] | ConfigIssue | string) {
    const list: ConfigIssue[] =
      typeof issues === 'string' ? [{ message: issues }] : Array.isArray(issues) ? issues : [issues];
    super(list.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = list;
  }
}

/** Wrong command-line usage (unknown flag combination, missing argument). */
export class UsageError extends DrydockError {
  readonly code = 'USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a connection attempt broke: tells the admin whether to look at DNS, the network, keys or sshd. */
export type ConnectPhase = 'dns' | 'tcp' | 'kex' | 'hostkey' | 'auth' | 'proxy' | 'exec' | 'lost';

/** Only transport problems make a host unreachable; a remote exit status never does. */
export class HostUnreachableError extends DrydockError {
  readonly code: ErrorCode = 'UNREACHABLE';
  constructor(
    readonly host: string,
    readonly phase: ConnectPhase,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`${host}: unreachable (${phase}): ${message}`);
    this.name = 'HostUnreachableError';
  }
}

export type HostKeyProblem = 'unknown' | 'changed' | 'revoked';

/** A host key that strict checking refused. The host counts as unreachable; the message says how to proceed. */
export class HostKeyError extends HostUnreachableError {
  override readonly code = 'HOST_KEY' as const;
  constructor(
    host: string,
    readonly problem: HostKeyProblem,
    readonly fingerprint: string,
    readonly keyType: string,
    detail: string,
  ) {
    super(host, 'hostkey', detail);
    this.name = 'HostKeyError';
  }
}

/** A command ran and failed (non-zero status or killed by a signal). Exit status 255 lands here too. */
export class RemoteCommandError extends DrydockError {
  readonly code = 'REMOTE_COMMAND' as const;
  constructor(
    readonly host: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderrTail: string,
  ) {
    const status = signal ? `killed by ${signal}` : `exit status ${exitCode}`;
    super(`${host}: command failed (${status}): ${command}${stderrTail ? `\n${stderrTail}` : ''}`);
    this.name = 'RemoteCommandError';
  }
}

/** A command that outlived its timeout; the remote process was ended. */
export class CommandTimeoutError extends DrydockError {
  readonly code = 'COMMAND_TIMEOUT' as const;
  constructor(
    readonly host: string,
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`${host}: command timed out after ${timeoutMs / 1000}s: ${command}`);
    this.name = 'CommandTimeoutError';
  }
}

/** The Kubernetes API refused or failed a request; `status` is the HTTP status, `reason` the Status reason. */
export class KubeApiError extends DrydockError {
  readonly code = 'KUBE_API' as const;
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * Another run holds a lock this run needs: the cluster lock (a Lease), a host's local run lock, or the claim
 * on a run being resumed. `message`, when given, replaces the cluster lock's wording.
 */
export class LockHeldError extends DrydockError {
  readonly code = 'LOCK_HELD' as const;
  constructor(
    readonly holder: string,
    readonly since: string,
    readonly command: string,
    /** When the lease runs out unless renewed (ISO time) and/or a message of the lock's own (the local run lock). */
    readonly detail: { expires?: string; message?: string } = {},
  ) {
    super(
      detail.message ??
        `the cluster is locked by ${holder} (running "${command}") since ${since}: wait for that run to finish; ` +
          `if its controller died the lock expires ${detail.expires ? `at ${detail.expires} (its last renewal plus the lease)` : 'a minute after its last renewal'}; ` +
          '--break-lock takes it anyway (logged)',
    );
    this.name = 'LockHeldError';
  }
}

/**
 * The run journal (or the no_log values kept beside it) could not be written: ENOSPC, EIO, EROFS... The
 * journal is what `drydock resume` trusts, so the run started no task after the failure.
 */
export class JournalWriteError extends DrydockError {
  readonly code = 'JOURNAL' as const;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `the run journal ${path} could not be written (${reason}): the run started no task after that; ` +
        'the journal is incomplete, so drydock resume asks before running again a task whose end it did not record',
    );
    this.name = 'JournalWriteError';
  }
}

/** Kured holds its reboot lock (an annotation on its DaemonSet): drydock does not reboot beside it. */
export class KuredLockHeldError extends DrydockError {
  readonly code = 'LOCK_HELD' as const;
  constructor(
    readonly daemonSet: string,
    readonly node: string,
    readonly since: string,
    /** When the lock's TTL runs out; undefined: it has none and stays until Kured releases it. */
    readonly expires: string | undefined,
  ) {
    const until = expires ? `its TTL runs out at ${expires}` : 'it has no TTL and stays until Kured releases it';
    super(
      `Kured holds its reboot lock (DaemonSet ${daemonSet}) for node ${node} since ${since} (${until}): drydock reboot does not reboot ` +
        'while Kured does; run again once that node is back. A lock Kured left behind is removed with ' +
        `kubectl -n ${daemonSet.split('/')[0]} annotate daemonset ${daemonSet.split('/')[1]} weave.works/kured-node-lock-`,
    );
    this.name = 'KuredLockHeldError';
  }
}
