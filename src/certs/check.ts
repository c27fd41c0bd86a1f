/**
 * `certs check` across the fleet: one command per control plane (with sudo), `forks` hosts at a time, the
 * certificates parsed and judged here. Connections come in through a narrow port so the flow is tested
 * without sockets; a host that cannot be reached or read is recorded, never fatal to the others.
 */
import { HostUnreachableError, RemoteCommandError } from '../errors.js';
import type { FanoutTarget } from '../run/fanout.js';
import type { Connection, ConnectionSpec } from '../transport/types.js';
import { PQueue } from '../util/queue.js';
import { collectScript, parseCollectOutput, type CertificateLocations } from '../pki/remote.js';
import { hostCertificates, sortRows, type CertificateRow } from '../pki/rows.js';

export interface CertsCheckRequest {
  targets: FanoutTarget[];
  forks: number;
  locations: CertificateLocations;
  warnDays: number;
  /** Ends a host's command after this long (default 60 s). */
  timeoutMs?: number;
  now(): Date;
}

export interface CertsCheckPorts {
  connect(spec: ConnectionSpec): Promise<Connection>;
  release(name: string): Promise<void>;
}

export interface HostFailure {
  host: string;
  status: 'unreachable' | 'failed';
  error: string;
}

export interface CertsCheckOutcome {
  /** Sorted by host, then certificate. */
  rows: CertificateRow[];
  failures: HostFailure[];
  /** `host: path: reason` for files that hold no readable certificate. */
  problems: string[];
  /** Hosts that answered but had none of the files (wrong group, or not a kubeadm node). */
  emptyHosts: string[];
}

export const DEFAULT_HOST_TIMEOUT_MS = 60_000;

export async function checkCertificates(request: CertsCheckRequest, ports: CertsCheckPorts): Promise<CertsCheckOutcome> {
  const rows: CertificateRow[] = [];
  const failures: HostFailure[] = [];
  const problems: string[] = [];
  const emptyHosts: string[] = [];
  const script = collectScript(request.locations);
  const queue = new PQueue({ concurrency: Math.max(1, request.forks) });

  const checkHost = async ({ name, spec }: FanoutTarget): Promise<void> => {
    try {
      const connection = await ports.connect(spec);
      const result = await connection.exec(script, {
        become: { enabled: true },
        timeoutMs: request.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024 * 1024,
      });
      if (result.code !== 0) {
        const why = result.stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
        failures.push({ host: name, status: 'failed', error: `reading the certificates failed: ${why}` });
        return;
      }
      const found = hostCertificates(name, parseCollectOutput(result.stdout), request.locations, request.now(), request.warnDays);
      rows.push(...found.rows);
      problems.push(...found.problems.map((p) => `${name}: ${p}`));
      if (found.rows.length === 0 && found.problems.length === 0) emptyHosts.push(name);
    } catch (err) {
      const unreachable = err instanceof HostUnreachableError;
      failures.push({ host: name, status: unreachable ? 'unreachable' : 'failed', error: describeHostError(name, err) });
    } finally {
      await ports.release(name).catch(() => undefined);
    }
  };

  await Promise.all(request.targets.map((target) => queue.add(() => checkHost(target))));
  failures.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  return { rows: sortRows(rows), failures, problems, emptyHosts };
}

/**
 * 4 when a host was unreachable (it wins, as in `drydock run`), 2 when a certificate is expired or under the
 * threshold or a host or file could not be read, else 0.
 */
export function certsExitCode(outcome: Pick<CertsCheckOutcome, 'rows' | 'failures' | 'problems'>): number {
  if (outcome.failures.some((f) => f.status === 'unreachable')) return 4;
  if (outcome.failures.length > 0 || outcome.problems.length > 0) return 2;
  return outcome.rows.some((r) => r.status !== 'ok') ? 2 : 0;
}

/** The error without the host (the output names it) and without our long script (sudo errors quote the command). */
function describeHostError(host: string, err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof RemoteCommandError && err.command) message = message.split(err.command).join('(reading the certificates)');
  return message.startsWith(`${host}: `) ? message.slice(host.length + 2) : message;
}
