/**
 * The socket under an SSH connection: DNS then TCP, each failing with its own phase, so "cannot resolve" and
 * "connection refused" read differently and the pool can tell a transient refusal from a wrong name.
 */
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { HostUnreachableError } from '../errors.js';
import type { ConnectionSpec } from './types.js';

type DialSpec = Pick<ConnectionSpec, 'name' | 'hostname' | 'port' | 'connectTimeoutMs'>;

/** Resolves `spec.hostname` (an IP is used as is) and opens a TCP connection, both within connectTimeoutMs. */
export async function dial(spec: DialSpec, signal?: AbortSignal): Promise<Socket> {
  const address = isIP(spec.hostname) ? spec.hostname : await resolveAddress(spec);
  signal?.throwIfAborted();
  return openTcp(spec, address, signal);
}

async function resolveAddress(spec: DialSpec): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), spec.connectTimeoutMs);
    });
    return (await Promise.race([lookup(spec.hostname), timeout])).address;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HostUnreachableError(spec.name, 'dns', `cannot resolve ${spec.hostname} (${code})`, err);
  } finally {
    clearTimeout(timer);
  }
}

function openTcp(spec: DialSpec, address: string, signal: AbortSignal | undefined): Promise<Socket> {
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
