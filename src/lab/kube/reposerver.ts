/**
 * A small read-only HTTP server for the lab's apt repositories: GET and HEAD of files under the repository
 * folder, with the path checked to stay inside it. apt asks for InRelease, Release, Packages and the debs.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';

/** The `slow-apt` fault's state in a lab's kube folder: one stalled host address per line. */
export function slowAptFile(kubeDir: string): string {
  return join(kubeDir, 'slow-apt');
}

/** The addresses in a slow-apt state file; none when it is missing or unreadable. */
export function readStalledAddresses(file: string): Set<string> {
  try {
    return new Set(readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  } catch {
    return new Set();
  }
}

const STALL_POLL_MS = 500;


/** The file a request path names inside `root`, or null when it would leave it. */
export function resolveRepoPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null;
}

export interface RepoServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * `stallFile` (optional) lists client addresses whose requests are held, unanswered, for as long as they
 * stay listed — the lab's slow-apt fault; it is re-read on every request and while a request is held.
 */
export async function startRepoServer(
  root: string, host: string, port: number, log: (line: string) => void = () => undefined, stallFile?: string,
): Promise<RepoServer> {
  const server: Server = createServer((req, res) => {
    const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (!stallFile || !readStalledAddresses(stallFile).has(client)) return serve(req, res);
    log(`${client} ${req.method} ${req.url} held (slow-apt fault)`);
    const timer = setInterval(() => {
      if (readStalledAddresses(stallFile).has(client)) return;
      clearInterval(timer);
      serve(req, res);
    }, STALL_POLL_MS);
    req.socket.once('close', () => clearInterval(timer));
  });
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    if (res.destroyed) return;
    const path = resolveRepoPath(root, req.url ?? '/');
    const done = (code: number) => log(`${req.socket.remoteAddress} ${req.method} ${req.url} ${code}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return done(405);
    }
    if (!path) {
      res.writeHead(404).end();
      return done(404);
    }
    stat(path).then(
      (info) => {
        if (!info.isFile()) throw new Error('not a file');
        res.writeHead(200, {
          'Content-Length': info.size,
          'Last-Modified': info.mtime.toUTCString(),
          'Content-Type': path.endsWith('.deb') ? 'application/vnd.debian.binary-package' : 'text/plain',
        });
        if (req.method === 'HEAD') return void res.end();
        createReadStream(path).pipe(res);
        done(200);
      },
      () => {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        done(404);
      },
    );
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}`,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
