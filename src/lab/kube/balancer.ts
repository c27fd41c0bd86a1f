/**
 * The lab's control-plane endpoint for a real cluster: a TCP load balancer on the bridge address (what
 * kubeadm's `controlPlaneEndpoint` names, as haproxy or kube-vip would in front of real control planes),
 * passing each connection to the next control plane's kube-apiserver that accepts, in turn. Like haproxy's
 * `option httpchk GET /readyz` in kubeadm's HA guide, a health check (`healthy`, every second) keeps
 * connections away from a kube-apiserver that is not ready: one just restarted answers 403 until its RBAC
 * caches are filled, and one stopping refuses. While no kube-apiserver is ready (a single control plane
 * restarting its API server during `kubeadm upgrade apply`), every backend is tried, and connections are
 * refused when none accepts: the API is really gone for those seconds.
 */
import { request } from 'node:https';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface Balancer {
  address: string;
  port: number;
  stop(): Promise<void>;
}

function connectFirst(backends: Backend[], start: number, timeoutMs: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const attempt = (i: number) => {
      if (i >= backends.length) return resolve(null);
      const backend = backends[(start + i) % backends.length]!;
      const socket = createConnection({ host: backend.host, port: backend.port });
      const fail = () => {
        socket.destroy();
        attempt(i + 1);
      };
      socket.setTimeout(timeoutMs, fail);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.removeListener('error', fail);
        resolve(socket);
      });
    };
    attempt(0);
  });
}

/** kube-apiserver's /readyz answers 200 (anonymous access to it is kubeadm's default): the haproxy check. */
export function apiserverReady(backend: Backend, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    // A health probe reads only the status code; the serving certificate is checked by every real client.
    const req = request({ host: backend.host, port: backend.port, path: '/readyz', method: 'GET', rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface BalancerOptions {
  connectTimeoutMs?: number;
  /** The health check; without one every backend is used. */
  healthy?: (backend: Backend) => Promise<boolean>;
  checkIntervalMs?: number;
}

export async function startBalancer(listen: Backend, backends: () => Backend[], options: BalancerOptions = {}): Promise<Balancer> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  let next = 0;
  const open = new Set<Socket>();
  const unhealthy = new Set<string>();
  const key = (b: Backend) => `${b.host}:${b.port}`;
  let checking = false;
  const check = async () => {
    if (checking || !options.healthy) return;
    checking = true;
    try {
      await Promise.all(backends().map(async (b) => ((await options.healthy!(b)) ? unhealthy.delete(key(b)) : unhealthy.add(key(b)))));
    } finally {
      checking = false;
    }
  };
  const timer = options.healthy ? setInterval(() => void check(), options.checkIntervalMs ?? 1000) : undefined;
  timer?.unref();
  await check();
  /** The ready backends, or all of them while none is. */
  const usable = (): Backend[] => {
    const all = backends();
    const ready = all.filter((b) => !unhealthy.has(key(b)));
    return ready.length > 0 ? ready : all;
  };
  const server: Server = createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    const list = usable();
    void connectFirst(list, next++ % Math.max(1, list.length), connectTimeoutMs).then((upstream) => {
      if (!upstream) return void client.destroy();
      if (client.destroyed) return void upstream.destroy();
      open.add(upstream);
      upstream.on('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    address: listen.host,
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (timer) clearInterval(timer);
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
