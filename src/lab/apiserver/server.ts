/**
 * The simulator as a process: HTTPS with its own CA, bearer-token or client-certificate authentication,
 * discovery and resource endpoints, a control-loop timer, and a kubeconfig that real kubectl accepts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import { handleResource } from './handlers.js';
import { readBody, sendError, sendJson } from './http.js';
import { writeKubeconfig } from './kubeconfig.js';
import { route } from './router.js';
import { servedVersion } from './served-version.js';
import { SIMULATED_KUBERNETES_VERSION } from './defaults.js';
import { applySeed, parseSeed } from './seed.js';
import { Simulation } from './simulation.js';
import { ApiError, statusBody } from './status.js';
import { ObjectStore } from './store.js';
import { ensurePki } from './tls.js';
import { systemClock } from './types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { SimulationOptions } from './simulation.js';
import type { Clock, KubeObject } from './types.js';

export interface ApiServerOptions extends SimulationOptions {
  /** `host:port`; port 0 picks a free one. Default `127.0.0.1:0`. */
  listen?: string;
  /** Path of a multi-document YAML seed. */
  seed?: string;
  /** Where to write the kubeconfig; default `<stateDir or a temporary dir>/kubeconfig`. */
  kubeconfigPath?: string;
  /** Keeps the PKI, token and objects across restarts. Without it everything lives in a temporary dir. */
  stateDir?: string;
  /**
   * Report in /version the release of the kube-apiserver mirror pods (the oldest), as a lab whose kubelets
   * mirror real static pod manifests needs; otherwise the simulator's own version. Default false.
   */
  versionFromControlPlane?: boolean;
  /** Control-loop period. Default 100 ms. */
  tickMs?: number;
  clock?: Clock;
}

export interface ApiServer {
  url: string;
  kubeconfigPath: string;
  token: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  store: ObjectStore;
  sim: Simulation;
  stop(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (!match || !(port >= 0 && port <= 65535)) throw new Error(`invalid listen address "${listen}" (expected host:port)`);
  return { host: (match[1] ?? match[2])!, port };
}

const PUBLIC_PATHS = new Set(['version', 'health']);

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:0');
  const scratch = options.stateDir ? undefined : await mkdtemp(join(tmpdir(), 'drydock-apiserver-'));
  try {
    return await serve(options, host, port, scratch);
  } catch (err) {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw err;
  }
}

async function serve(options: ApiServerOptions, host: string, port: number, scratch: string | undefined): Promise<ApiServer> {
  const dir = options.stateDir ?? scratch!;
  const pki = await ensurePki(join(dir, 'pki'), host);
  const tokenFile = join(dir, 'token');
  const token = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : randomBytes(24).toString('hex');
  await writeFile(tokenFile, token, { mode: 0o600 });

  const clock = options.clock ?? systemClock;
  const store = new ObjectStore(clock);
  const sim = new Simulation(store, clock, options);
  const stateFile = join(dir, 'state.json');
  if (options.stateDir && existsSync(stateFile)) {
    store.restore(JSON.parse(await readFile(stateFile, 'utf8')));
  } else {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      sim.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
    }
    if (options.seed) applySeed(sim, parseSeed(await readFile(options.seed, 'utf8'), options.seed), options.seed);
    // The control loops see the seed once before the first request, so budgets have a processed status
    // (the eviction subresource answers "still being processed" until then, as the real one does).
    sim.reconcile();
  }

  const reportedVersion = () => (options.versionFromControlPlane ? servedVersion(store) : SIMULATED_KUBERNETES_VERSION);
  const watchers = new Set<() => void>();
  const expected = Buffer.from(`Bearer ${token}`);
  const authenticated = (req: IncomingMessage): boolean => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized && socket.getPeerCertificate()?.subject) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const target = route(url.pathname);
    if (!PUBLIC_PATHS.has(target.kind) && !authenticated(req)) {
      return sendJson(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
    }
    const body = await readBody(req);
    switch (target.kind) {
      case 'version':
        return sendJson(res, 200, versionInfo(reportedVersion()));
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('ok');
      case 'core-versions':
        return sendJson(res, 200, coreVersions(`${host}:${address.port}`));
      case 'groups':
        return sendJson(res, 200, groupList());
      case 'group': {
        const doc = group(target.group);
        if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        return sendJson(res, 200, doc);
      }
      case 'resource-list': {
        const doc = resourceList(target.group, target.version);
        if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        return sendJson(res, 200, doc);
      }
      case 'openapi':
        return serveOpenApi(req, res, target.version, reportedVersion());
      case 'resource': {
        await handleResource({ sim, req, res, route: target, query: url.searchParams, body, watchers });
        if (req.method !== 'GET') tick();
        return;
      }
      default:
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
  };

  const server = createServer(
    { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
        if (!res.headersSent) sendError(res, apiErr);
        else res.end();
      });
    },
  );
  const tick = () => {
    try {
      sim.reconcile();
    } catch (err) {
      process.stderr.write(`drydock apiserver: control loop error: ${(err as Error).message}\n`);
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  const timer = setInterval(tick, options.tickMs ?? 100);
  let savedRevision = store.currentRevision;
  const persist = async () => {
    if (!options.stateDir || store.currentRevision === savedRevision) return;
    savedRevision = store.currentRevision;
    await writeFile(stateFile, JSON.stringify(store.snapshot()));
  };
  const persistTimer = options.stateDir ? setInterval(() => void persist().catch(() => {}), 2000) : undefined;

  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `https://${urlHost}:${address.port}`;
  const kubeconfigPath = options.kubeconfigPath ?? join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, url, pki.caPem, { token });

  let stopped = false;
  return {
    url,
    kubeconfigPath,
    token,
    caPem: pki.caPem,
    clientCertPem: pki.clientCertPem,
    clientKeyPem: pki.clientKeyPem,
    store,
    sim,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (persistTimer) clearInterval(persistTimer);
      for (const finish of [...watchers]) finish();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await persist();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * No OpenAPI v3 (404 makes kubectl fall back to v2), and an empty v2 document: kubectl then finds no
 * schema for a kind and skips client-side validation, and apply falls back to its built-in patch metadata.
 */
function serveOpenApi(req: IncomingMessage, res: ServerResponse, version: 'v2' | 'v3', gitVersion: string): void {
  if (version === 'v3') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const accept = req.headers.accept ?? '';
  if (accept.includes('protobuf')) {
    // A protobuf message with no fields set is zero bytes long.
    res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': 0 });
    return void res.end();
  }
  sendJson(res, 200, { swagger: '2.0', info: { title: 'Kubernetes', version: gitVersion }, paths: {}, definitions: {} });
}
