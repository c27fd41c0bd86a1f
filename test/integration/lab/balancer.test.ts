import { expect } from 'chai';
import { createConnection, createServer, type Server } from 'node:net';
import { startBalancer } from '../../../src/lab/kube/balancer.js';

describe('lab kube: control-plane load balancer', () => {
  const servers: Server[] = [];
  afterEach(() => { for (const s of servers.splice(0)) s.close(); });

  async function echo(tag: string): Promise<number> {
    const server = createServer((socket) => socket.end(tag));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  }

  function fetchTag(port: number): Promise<string> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve('refused'));
    });
  }

  it('spreads connections over the backends, skips one that refuses, and refuses when none answers', async () => {
    const a = await echo('a');
    const b = await echo('b');
    let backends = [{ host: '127.0.0.1', port: a }, { host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: b }];
    const lb = await startBalancer({ host: '127.0.0.1', port: 0 }, () => backends);
    try {
      const port = lb.port;
      expect(port).to.not.equal(0);
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await fetchTag(port));
      expect([...seen].sort()).to.deep.equal(['a', 'b']);
      backends = [{ host: '127.0.0.1', port: 1 }];
      expect(await fetchTag(port)).to.equal('');
    } finally {
      await lb.stop();
    }
  });

  it('keeps connections away from a backend its health check calls not ready (haproxy httpchk), and uses all while none is ready', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const backends = [{ host: '127.0.0.1', port: a }, { host: '127.0.0.1', port: b }];
    let ready = new Set([a, b]);
    const lb = await startBalancer({ host: '127.0.0.1', port: 0 }, () => backends, { healthy: async (x) => ready.has(x.port), checkIntervalMs: 50 });
    try {
      const seenWith = async (): Promise<string[]> => {
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add(await fetchTag(lb.port));
        return [...seen].sort();
      };
      expect(await seenWith()).to.deep.equal(['a', 'b']);
      ready = new Set([b]); // a restarted kube-apiserver: accepting, not ready
      await new Promise((r) => setTimeout(r, 200));
      expect(await seenWith()).to.deep.equal(['b']);
      ready = new Set();
      await new Promise((r) => setTimeout(r, 200));
      expect(await seenWith()).to.deep.equal(['a', 'b']);
    } finally {
      await lb.stop();
    }
  });
});
