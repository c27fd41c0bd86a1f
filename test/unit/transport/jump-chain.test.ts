import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import { openThroughJumps } from '../../../src/transport/jump-chain.js';
import type { JumpableConnection } from '../../../src/transport/jump-chain.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';

function spec(name: string, proxyJump: ConnectionSpec[] = []): ConnectionSpec {
  return {
    name,
    hostname: `${name}.lan`,
    port: 22,
    user: 'ops',
    identityFiles: [],
    identitiesOnly: true,
    proxyJump,
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 0,
    keepaliveCountMax: 3,
    become: { enabled: false, user: 'root', method: 'sudo' },
  };
}

class FakeConnection implements JumpableConnection {
  adopted: string[] = [];
  constructor(
    readonly name: string,
    private readonly log: string[],
    private readonly refuseForward = false,
  ) {}
  async forwardOut(host: string, port: number): Promise<Duplex> {
    this.log.push(`${this.name} forwards to ${host}:${port}`);
    if (this.refuseForward) throw new HostUnreachableError(this.name, 'proxy', 'administratively prohibited');
    return new PassThrough();
  }
  async close(): Promise<void> {
    this.log.push(`close ${this.name}`);
  }
  adoptHops(hops: JumpableConnection[]): void {
    this.adopted = hops.map((hop) => (hop as FakeConnection).name);
  }
}

describe('transport/jump-chain', () => {
  it('connects each hop through the previous one, then the target, which adopts the hops innermost first', async () => {
    const log: string[] = [];
    const target = await openThroughJumps(spec('node1', [spec('a'), spec('b')]), {
      hop: async (hop, sock) => {
        log.push(`open ${hop.name} ${sock ? 'via channel' : 'direct'} jumps=${hop.proxyJump.length}`);
        return new FakeConnection(hop.name, log);
      },
      target: async (t, sock) => {
        log.push(`open ${t.name} ${sock ? 'via channel' : 'direct'} jumps=${t.proxyJump.length}`);
        return new FakeConnection(t.name, log);
      },
    });
    expect(log).to.deep.equal([
      'open a direct jumps=0',
      'a forwards to b.lan:22',
      'open b via channel jumps=0',
      'b forwards to node1.lan:22',
      'open node1 via channel jumps=0',
    ]);
    expect(target.adopted).to.deep.equal(['b', 'a']);
  });

  it('closes the hops already open and fails in the proxy phase when a hop fails', async () => {
    const log: string[] = [];
    const failing = openThroughJumps(spec('node1', [spec('a'), spec('b')]), {
      hop: async (hop) => new FakeConnection(hop.name, log, hop.name === 'b'),
      target: async (t) => new FakeConnection(t.name, log),
    });
    const err = await failing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'proxy', host: 'node1' });
    expect((err as Error).message).to.include('jump host failed').and.include('administratively prohibited');
    expect(log).to.deep.equal(['a forwards to b.lan:22', 'b forwards to node1.lan:22', 'close b', 'close a']);
  });

  it('closes the hops when the target itself fails, passing its error on unchanged', async () => {
    const log: string[] = [];
    const refusal = new HostUnreachableError('node1', 'auth', 'authentication failed');
    const err = await openThroughJumps(spec('node1', [spec('a')]), {
      hop: async (hop) => new FakeConnection(hop.name, log),
      target: async () => {
        throw refusal;
      },
    }).catch((e: unknown) => e);
    expect(err).to.equal(refusal);
    expect(log).to.deep.equal(['a forwards to node1.lan:22', 'close a']);
  });
});
