/**
 * etcd's v3 API through its grpc-gateway (JSON over HTTP/1.1 on the client port, TLS with a client
 * certificate), spoken over a stream the caller opens — in the module, a direct-tcpip channel of the host's
 * one SSH connection to etcd's client port on the host's loopback. No etcd tool is needed anywhere.
 *
 * The certificate material is handed in as bytes and used only in memory (node:tls); it is never written
 * to disk, put on a command line or logged.
 */
import { request, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import { SnapshotStreamDecoder, type DecodedSnapshot } from './gateway-stream.js';

export interface EtcdClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface EtcdTarget {
  /** The endpoint's host and port as the remote host sees them (the URL of the `endpoint` argument). */
  host: string;
  port: number;
  tls: EtcdClientTls;
  /** Opens a fresh byte stream to host:port (one per request). */
  open(): Promise<Duplex>;
  signal?: AbortSignal;
}

export class EtcdGatewayError extends Error {
  override name = 'EtcdGatewayError';
}

/** Parses `https://127.0.0.1:2379` into host and port; undefined for anything else. */
export function parseEndpoint(endpoint: string): { host: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : 2379 };
}

function secureStream(target: EtcdTarget, raw: Duplex): TLSSocket {
  return connect({
    socket: raw,
    host: target.host,
    ...(isIP(target.host) ? {} : { servername: target.host }),
    ca: target.tls.ca,
    cert: target.tls.cert,
    key: target.tls.key,
    ALPNProtocols: ['http/1.1'],
  });
}

async function readBody(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of response) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function describeHttpError(status: number | undefined, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; error?: string };
    const message = parsed.message ?? parsed.error;
    if (message) return `HTTP ${status}: ${message}`;
  } catch {
    // not JSON: show the text
  }
  return `HTTP ${status}: ${body.trim().slice(0, 200) || 'no body'}`;
}

/** Certificate checks of etcd's serving certificate that failed on drydock's side (node:tls codes). */
const SERVER_TRUST = /^(UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** One line a user can act on, for TLS and socket errors (OpenSSL's own text names source files). */
export function describeTransportError(err: Error & { code?: string }): string {
  const code = err.code ?? '';
  const alert = /^ERR_SSL_(?:TLSV1|SSLV3)_ALERT_(.+)$/.exec(code)?.[1];
  if (alert) return `etcd refused the TLS handshake (alert: ${alert.toLowerCase().replaceAll('_', ' ')}): cert and key must be a client certificate signed by etcd's CA`;
  if (SERVER_TRUST.test(code)) return `etcd's serving certificate is not trusted with cacert (${err.message.trim()})`;
  return err.message.trim().split('\n')[0]!;
}

/**
 * POSTs `body` to `path` and hands each piece of a 200 answer to `onData`. Rejects with EtcdGatewayError on
 * TLS trouble (a certificate etcd or drydock refuses), an HTTP error status or a broken connection.
 */
export async function etcdPost(target: EtcdTarget, path: string, body: unknown, onData: (chunk: Buffer) => void): Promise<void> {
  const raw = await target.open();
  const socket = secureStream(target, raw);
  const payload = Buffer.from(JSON.stringify(body));
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(err instanceof EtcdGatewayError ? err : new EtcdGatewayError(describeTransportError(err)));
      socket.once('error', fail);
      const req = request(
        {
          createConnection: () => socket,
          method: 'POST',
          path,
          headers: { host: `${target.host}:${target.port}`, 'content-type': 'application/json', 'content-length': payload.length },
          ...(target.signal ? { signal: target.signal } : {}),
        },
        (response) => {
          if (response.statusCode !== 200) {
            readBody(response).then((text) => fail(new EtcdGatewayError(describeHttpError(response.statusCode, text))), fail);
            return;
          }
          response.on('data', (chunk: Buffer) => {
            try {
              onData(chunk);
            } catch (err) {
              response.destroy();
              reject(err);
            }
          });
          response.once('error', fail);
          response.once('aborted', () => fail(new EtcdGatewayError('etcd closed the connection before the answer was complete')));
          response.once('end', () => (response.complete ? resolve() : fail(new EtcdGatewayError('etcd closed the connection before the answer was complete'))));
        },
      );
      req.once('error', fail);
      req.end(payload);
    });
  } finally {
    socket.destroy();
    raw.destroy();
  }
}

/** `POST /v3/maintenance/status`: the member's version, id and current revision. */
export interface EtcdMemberStatus {
  version: string;
  memberId: string;
  revision: number;
  dbSize: number;
}

export async function etcdStatus(target: EtcdTarget): Promise<EtcdMemberStatus> {
  const parts: Buffer[] = [];
  await etcdPost(target, '/v3/maintenance/status', {}, (chunk) => parts.push(chunk));
  const text = Buffer.concat(parts).toString('utf8');
  let raw: { version?: string; dbSize?: string; db_size?: string; header?: { member_id?: string; revision?: string } };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    throw new EtcdGatewayError(`etcd's status is not JSON: ${text.slice(0, 200)}`);
  }
  return {
    version: String(raw.version ?? ''),
    memberId: String(raw.header?.member_id ?? ''),
    revision: Number(raw.header?.revision ?? 0),
    dbSize: Number(raw.dbSize ?? raw.db_size ?? 0),
  };
}

/** `POST /v3/maintenance/snapshot`: the whole snapshot (database and SHA-256), decoded as it streams. */
export async function etcdSnapshot(target: EtcdTarget): Promise<DecodedSnapshot> {
  const decoder = new SnapshotStreamDecoder();
  await etcdPost(target, '/v3/maintenance/snapshot', {}, (chunk) => decoder.push(chunk));
  return decoder.end();
}
