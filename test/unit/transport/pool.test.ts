import { expect } from 'chai';
import { PassThrough, type Duplex } from 'node:stream';
import { HostKeyError, HostUnreachableError } from '../../../src/errors.js';
import { SshConnectionPool, isTransientConnectError, type SshOpener, type TunnelingConnection } from '../../../src/transport/pool.js';
import type { ConnectionSpec, ExecResult } from '../../../src/transport/types.js';
import { spec } from './helpers.js';

interface OpenCall {
  spec: ConnectionSpec;
  via?: string;
}

/** A fake handshake: records calls and concurrency, fails hosts on demand, tunnels through `forwardOut`. */
class FakeNetwork {
  calls: OpenCall[] = [];
  active = 0;
  maxActive = 0;
  activeVia = new Map<string, number>();
  maxActiveVia = new Map<string, number>();
  closed: string[] = [];
  /** name → errors to throw on successive attempts. */
  failures = new Map<string, unknown[]>();
  delayMs = 5;

  readonly open: SshOpener = async (s, { sock }) => {
    const via = (sock as (Duplex & { via?: string }) | undefined)?.via;
    this.calls.push({ spec: s, via });
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (via) {
      const n = (this.activeVia.get(via) ?? 0) + 1;
      this.activeVia.set(via, n);
      this.maxActiveVia.set(via, Math.max(this.maxActiveVia.get(via) ?? 0, n));
    }
    try {
      await new Promise((r) => setTimeout(r, this.delayMs));
      const queued = this.failures.get(s.name);
      const failure = queued?.shift();
      if (failure) throw failure;
      return this.connection(s.name);
    } finally {
      this.active -= 1;
      if (via) this.activeVia.set(via, (this.activeVia.get(via) ?? 1) - 1);
    }
  };

  connection(name: string): TunnelingConnection {
    const net = this;
    return {
      name,
      async exec(): Promise<ExecResult> {
        return { code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 };
      },
      async put() {},
      async get() {
        return Buffer.alloc(0);
      },
      async close() {
        net.closed.push(name);
      },
      async forwardOut(host: string) {
        const failure = net.failures.get(`forward:${host}`)?.shift();
        if (failure) throw failure;
        return Object.assign(new PassThrough(), { via: name });
      },
    };
  }
}

const noSleep = async (): Promise<void> => {};
const refused = (host: string): HostUnreachableError =>
  new HostUnreachableError(host, 'tcp', 'connect ECONNREFUSED 127.0.0.1:22', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));

describe('SshConnectionPool', () => {
  it('shares one handshake between concurrent connects to the same host', async () => {
    const net = new FakeNetwork();
    const pool = new SshConnectionPool({ open: net.open });
    const [a, b, c] = await Promise.all([pool.connect(spec('web1')), pool.connect(spec('web1')), pool.connect(spec('web1'))]);
    expect(a).to.equal(b).and.to.equal(c);
    expect(pool.handshakes).to.equal(1);
    await pool.connect(spec('web1'));
    expect(pool.handshakes).to.equal(1);
  });

  it('remembers a failed connect instead of trying again for every task', async () => {
    const net = new FakeNetwork();
    net.failures.set('db1', [new HostUnreachableError('db1', 'auth', 'All configured authentication methods failed')]);
    const pool = new SshConnectionPool({ open: net.open, sleep: noSleep });
    const first = await pool.connect(spec('db1')).catch((e: unknown) => e);
    const second = await pool.connect(spec('db1')).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(HostUnreachableError);
    expect(second).to.equal(first);
    expect(pool.handshakes).to.equal(1);
  });

  it('bounds concurrent handshakes by maxConcurrentHandshakes', async () => {
    const net = new FakeNetwork();
    const pool = new SshConnectionPool({ open: net.open, maxConcurrentHandshakes: 4 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => pool.connect(spec(`h${i}`))));
    expect(net.maxActive).to.equal(4);
    expect(pool.handshakes).to.equal(20);
  });

  it('retries transient tcp errors with backoff, then succeeds', async () => {
    const net = new FakeNetwork();
    net.failures.set('web1', [refused('web1'), refused('web1')]);
    const waits: number[] = [];
    const pool = new SshConnectionPool({ open: net.open, sleep: async (ms) => void waits.push(ms) });
    const conn = await pool.connect(spec('web1'));
    expect(conn.name).to.equal('web1');
    expect(waits).to.deep.equal([1000, 2000]);
    expect(pool.handshakes).to.equal(3);
  });

  it('gives up after the configured retries', async () => {
    const net = new FakeNetwork();
    net.failures.set('web1', [refused('web1'), refused('web1'), refused('web1'), refused('web1')]);
    const pool = new SshConnectionPool({ open: net.open, sleep: noSleep, retries: 2 });
    const err = await pool.connect(spec('web1')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(pool.handshakes).to.equal(3);
  });

  it('never retries host key or authentication failures', async () => {
    const net = new FakeNetwork();
    net.failures.set('k', [new HostKeyError('k', 'changed', 'SHA256:x', 'ssh-ed25519', 'key changed')]);
    net.failures.set('a', [new HostUnreachableError('a', 'auth', 'All configured authentication methods failed')]);
    const pool = new SshConnectionPool({ open: net.open, sleep: noSleep });
    await pool.connect(spec('k')).catch(() => undefined);
    await pool.connect(spec('a')).catch(() => undefined);
    expect(pool.handshakes).to.equal(2);
  });

  it('classifies transient errors: refused/reset/lost yes; timeout, dns, auth, host key, proxy no', () => {
    expect(isTransientConnectError(refused('h'))).to.equal(true);
    expect(isTransientConnectError(new HostUnreachableError('h', 'kex', 'Connection lost before handshake'))).to.equal(true);
    expect(isTransientConnectError(new HostUnreachableError('h', 'tcp', 'Timed out while waiting for handshake'))).to.equal(false);
    expect(isTransientConnectError(new HostUnreachableError('h', 'kex', 'no matching key exchange algorithm'))).to.equal(false);
    expect(isTransientConnectError(new HostUnreachableError('h', 'dns', 'getaddrinfo ENOTFOUND h'))).to.equal(false);
    expect(isTransientConnectError(new HostUnreachableError('h', 'auth', 'All configured authentication methods failed'))).to.equal(false);
    expect(isTransientConnectError(new HostUnreachableError('h', 'proxy', 'via bastion x: lost'))).to.equal(false);
    expect(isTransientConnectError(new HostKeyError('h', 'unknown', 'SHA256:x', 'ssh-ed25519', 'unknown'))).to.equal(false);
    expect(isTransientConnectError(new Error('ECONNREFUSED'))).to.equal(false);
  });

  it('opens one bastion connection for every host behind it, paced to 8 concurrent handshakes', async () => {
    const net = new FakeNetwork();
    const pool = new SshConnectionPool({ open: net.open, maxConcurrentHandshakes: 32 });
    const bastion = spec('jump', { hostname: 'jump.example' });
    const targets = Array.from({ length: 30 }, (_, i) => spec(`node${i}`, { proxyJump: [bastion] }));
    await Promise.all(targets.map((t) => pool.connect(t)));
    expect(pool.handshakes).to.equal(31);
    const bastionCalls = net.calls.filter((c) => c.spec.hostname === 'jump.example');
    expect(bastionCalls).to.have.length(1);
    expect(bastionCalls[0]!.via).to.equal(undefined);
    const label = 'admin@jump.example:22';
    expect(net.calls.filter((c) => c.via === label)).to.have.length(30);
    expect(net.maxActiveVia.get(label)).to.equal(8);
  });

  it('composes multi-hop chains, sharing each hop', async () => {
    const net = new FakeNetwork();
    const pool = new SshConnectionPool({ open: net.open });
    const outer = spec('outer');
    const inner = spec('inner');
    await Promise.all([
      pool.connect(spec('a', { proxyJump: [outer, inner] })),
      pool.connect(spec('b', { proxyJump: [outer, inner] })),
      pool.connect(spec('c', { proxyJump: [outer] })),
    ]);
    expect(pool.handshakes).to.equal(5);
    const innerCall = net.calls.find((c) => c.spec.hostname === 'inner.example');
    expect(innerCall?.via).to.equal('admin@outer.example:22');
    expect(net.calls.find((c) => c.spec.name === 'a')?.via).to.equal('admin@inner.example:22');
    expect(net.calls.find((c) => c.spec.name === 'c')?.via).to.equal('admin@outer.example:22');
  });

  it('reports every host behind a dead bastion as unreachable (proxy) naming the bastion, with one attempt', async () => {
    const net = new FakeNetwork();
    net.failures.set('admin@jump.example:22', [new HostUnreachableError('jump', 'auth', 'All configured authentication methods failed')]);
    const pool = new SshConnectionPool({ open: net.open, sleep: noSleep });
    const bastion = spec('jump');
    const errors = await Promise.all(
      ['a', 'b', 'c'].map((n) => pool.connect(spec(n, { proxyJump: [bastion] })).then(() => { throw new Error('connected'); }, (e: unknown) => e as HostUnreachableError)),
    );
    for (const [i, err] of errors.entries()) {
      expect(err).to.be.instanceOf(HostUnreachableError);
      expect(err.phase).to.equal('proxy');
      expect(err.host).to.equal(['a', 'b', 'c'][i]);
      expect(err.message).to.equal(`${err.host}: unreachable (proxy): via bastion admin@jump.example:22: (auth) All configured authentication methods failed`);
    }
    expect(pool.handshakes).to.equal(1);
  });

  it('turns a refused forward into an unreachable target without failing its neighbours', async () => {
    const net = new FakeNetwork();
    net.failures.set('forward:dead.example', [new Error('Connection refused'), new Error('Connection refused'), new Error('Connection refused')]);
    const pool = new SshConnectionPool({ open: net.open, sleep: noSleep });
    const bastion = spec('jump');
    const dead = await pool.connect(spec('dead', { proxyJump: [bastion] })).then(() => { throw new Error('connected'); }, (e: unknown) => e as HostUnreachableError);
    const alive = await pool.connect(spec('alive', { proxyJump: [bastion] }));
    expect(dead).to.be.instanceOf(HostUnreachableError);
    expect(dead.message).to.contain('could not open a channel to dead.example:22');
    expect(alive.name).to.equal('alive');
  });

  it('closes hosts first, then bastions innermost first; release closes one host', async () => {
    const net = new FakeNetwork();
    const pool = new SshConnectionPool({ open: net.open });
    await pool.connect(spec('a', { proxyJump: [spec('outer'), spec('inner')] }));
    await pool.connect(spec('b'));
    await pool.release('b');
    expect(net.closed).to.deep.equal(['b']);
    await pool.closeAll();
    expect(net.closed).to.deep.equal(['b', 'a', 'admin@inner.example:22', 'admin@outer.example:22']);
  });

  it('stops starting handshakes once aborted', async () => {
    const net = new FakeNetwork();
    const controller = new AbortController();
    controller.abort();
    const pool = new SshConnectionPool({ open: net.open, signal: controller.signal });
    const err = await pool.connect(spec('web1')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(pool.handshakes).to.equal(0);
  });
});
