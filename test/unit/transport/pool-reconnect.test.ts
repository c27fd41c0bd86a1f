import { expect } from 'chai';
import { HostKeyError, HostUnreachableError } from '../../../src/errors.js';
import { SshConnectionPool, type SshOpener, type TunnelingConnection } from '../../../src/transport/pool.js';
import type { ExecResult } from '../../../src/transport/types.js';
import { spec } from './helpers.js';

/** A host that can be told to fail its next handshakes; each connection it hands out is numbered. */
class RebootingHost {
  opened = 0;
  closed: number[] = [];
  failures: unknown[] = [];

  readonly open: SshOpener = async (s) => {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.opened += 1;
    return this.connection(s.name, this.opened);
  };

  private connection(name: string, serial: number): TunnelingConnection & { serial: number } {
    const host = this;
    return {
      name,
      serial,
      async exec(): Promise<ExecResult> {
        return { code: 0, signal: null, stdout: String(serial), stderr: '', stdoutBytes: 1, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 };
      },
      async put() {},
      async get() {
        return Buffer.alloc(0);
      },
      async close() {
        host.closed.push(serial);
      },
      async forwardOut() {
        throw new Error('not a bastion');
      },
    };
  }
}

/** A clock that only moves when the pool sleeps, so deadlines are exact and tests instant. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; waits: number[] } {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

const refused = (): HostUnreachableError =>
  new HostUnreachableError('web1', 'tcp', 'connect ECONNREFUSED 10.0.0.1:22', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
const timedOut = (): HostUnreachableError => new HostUnreachableError('web1', 'tcp', 'timed out after 10 s');
const kexLost = (): HostUnreachableError => new HostUnreachableError('web1', 'kex', 'connection closed during key exchange');

const serialOf = async (conn: Promise<unknown>): Promise<string> =>
  (await ((await conn) as { exec(c: string): Promise<ExecResult> }).exec('x')).stdout;

describe('SshConnectionPool.reconnect', () => {
  it('drops the old connection and keeps dialling a rebooting host until it answers', async () => {
    const host = new RebootingHost();
    const time = fakeTime();
    const pool = new SshConnectionPool({ open: host.open, ...time });
    expect(await serialOf(pool.connect(spec('web1')))).to.equal('1');
    host.failures.push(refused(), timedOut(), kexLost(), refused());
    const fresh = await pool.reconnect(spec('web1'), { timeoutMs: 60_000 });
    expect(await serialOf(Promise.resolve(fresh))).to.equal('2');
    expect(host.closed).to.deep.equal([1]);
    expect(time.waits).to.deep.equal([1000, 2000, 2000, 2000]);
    expect(pool.handshakes).to.equal(6);
    // Later connects share the new connection instead of the dead one.
    expect(await pool.connect(spec('web1'))).to.equal(fresh);
  });

  it("forgets a remembered failure, so a host that was down can be reached again", async () => {
    const host = new RebootingHost();
    host.failures.push(new HostUnreachableError('web1', 'auth', 'All configured authentication methods failed'));
    const pool = new SshConnectionPool({ open: host.open, ...fakeTime() });
    await pool.connect(spec('web1')).catch(() => undefined);
    expect(await serialOf(pool.reconnect(spec('web1')))).to.equal('1');
  });

  it('never retries an authentication failure', async () => {
    const host = new RebootingHost();
    const time = fakeTime();
    const pool = new SshConnectionPool({ open: host.open, ...time });
    const denied = new HostUnreachableError('web1', 'auth', 'All configured authentication methods failed');
    host.failures.push(refused(), denied, refused());
    const err = await pool.reconnect(spec('web1')).catch((e: unknown) => e);
    expect(err).to.equal(denied);
    expect(pool.handshakes).to.equal(2);
    expect(time.waits).to.deep.equal([1000]);
  });

  it('never retries a host key mismatch (a reinstalled host is not a rebooted one)', async () => {
    const host = new RebootingHost();
    const pool = new SshConnectionPool({ open: host.open, ...fakeTime() });
    host.failures.push(new HostKeyError('web1', 'changed', 'SHA256:abc', 'ssh-ed25519', 'REMOTE HOST IDENTIFICATION HAS CHANGED'));
    const err = await pool.reconnect(spec('web1')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostKeyError);
    expect(pool.handshakes).to.equal(1);
  });

  it('gives up at the deadline with an unreachable error naming the wait and the last reason', async () => {
    const host = new RebootingHost();
    const time = fakeTime();
    const pool = new SshConnectionPool({ open: host.open, ...time });
    host.failures.push(...Array.from({ length: 100 }, refused));
    const err = (await pool.reconnect(spec('web1'), { timeoutMs: 10_000 }).catch((e: unknown) => e)) as HostUnreachableError;
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err.phase).to.equal('tcp');
    expect(err.message).to.contain('web1: unreachable (tcp): did not come back within 10 s').and.contain('ECONNREFUSED');
    expect(time.now()).to.be.below(10_000);
    expect(pool.handshakes).to.equal(time.waits.length + 1);
    // The failure is remembered like any other until the next reconnect.
    expect(await pool.connect(spec('web1')).catch((e: unknown) => e)).to.equal(err);
  });

  it('defaults to a 600 s deadline', async () => {
    const host = new RebootingHost();
    const time = fakeTime();
    const pool = new SshConnectionPool({ open: host.open, ...time });
    host.failures.push(...Array.from({ length: 1000 }, refused));
    await pool.reconnect(spec('web1')).catch(() => undefined);
    expect(time.now()).to.be.within(598_000, 600_000);
  });

  it('stops retrying once the run is aborted', async () => {
    const host = new RebootingHost();
    const controller = new AbortController();
    const pool = new SshConnectionPool({
      open: host.open,
      now: () => 0,
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    host.failures.push(refused(), refused(), refused());
    const err = await pool.reconnect(spec('web1')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(pool.handshakes).to.equal(1);
  });
});
