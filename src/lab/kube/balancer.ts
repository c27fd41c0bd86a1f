/**
 * The lab's control-plane endpoint for a real cluster: a TCP load balancer on the bridge address (what
 * kubeadm's `controlPlaneEndpoint` names, as haproxy or kube-vip would in front of real control planes),
 * passing each connection to the next control plane's kube-apiserver that accepts, in turn. While no
 * kube-apiserver answers (a single control plane restarting its API server during `kubeadm upgrade apply`),
 * connections are refused: the API is really gone for those seconds.
 */
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

export async function startBalancer(listen: Backend, backends: () => Backend[], connectTimeoutMs = 2000): Promise<Balancer> {
  let next = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    const list = backends();
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
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
