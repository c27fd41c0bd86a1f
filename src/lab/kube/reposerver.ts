/**
 * A small read-only HTTP server for the lab's apt repositories: GET and HEAD of files under the repository
 * folder, with the path checked to stay inside it. apt asks for InRelease, Release, Packages and the debs.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize, sep } from 'node:path';

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

export async function startRepoServer(root: string, host: string, port: number, log: (line: string) => void = () => undefined): Promise<RepoServer> {
  const server: Server = createServer((req, res) => {
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
  });
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
