/**
 * How lab commands talk to a lab's supervisor: one JSON request and one JSON reply per connection over a
 * Unix socket in the state folder (root-only, like everything else the lab makes).
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmod, rm } from 'node:fs/promises';

export type ControlRequest =
  | { op: 'ping' }
  | { op: 'stop' }
  | { op: 'host-down'; host: string }
  | { op: 'host-up'; host: string };

export type ControlReply = { ok: true; detail?: string } | { ok: false; error: string };

export async function serveControl(
  socketPath: string,
  handle: (request: ControlRequest) => Promise<ControlReply>,
): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      buffer = '';
      let request: ControlRequest;
      try {
        request = JSON.parse(line) as ControlRequest;
      } catch {
        socket.end(`${JSON.stringify({ ok: false, error: 'malformed request' })}\n`);
        return;
      }
      handle(request)
        .catch((err: unknown): ControlReply => ({ ok: false, error: (err as Error).message }))
        .then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return server;
}

/** Sends one request; rejects when nobody listens (the supervisor is gone). */
export function sendControl(socketPath: string, request: ControlRequest, timeoutMs = 60000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the lab supervisor did not answer "${request.op}" within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (buffer += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.trim()) as ControlReply);
      } catch {
        reject(new Error('the lab supervisor sent no reply'));
      }
    });
  });
}
