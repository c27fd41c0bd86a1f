/** SshConnection.forwardOut with a scripted ssh2 client: a refused channel vs a connection that is gone. */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import { HostUnreachableError } from '../../../src/errors.js';
import { SshConnection, type SshClientHandle } from '../../../src/transport/ssh-connection.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';

type Answer = (cb: (err: Error | undefined, channel: Duplex) => void, client: FakeClient) => void;

class FakeClient extends EventEmitter {
  opened: string[] = [];
  constructor(private readonly answer: Answer) {
    super();
  }
  exec(): unknown {
    throw new Error('not used');
  }
  sftp(): unknown {
    throw new Error('not used');
  }
  forwardOut(_srcIP: string, _srcPort: number, dstIP: string, dstPort: number, cb: (err: Error | undefined, channel: Duplex) => void): unknown {
    this.opened.push(`${dstIP}:${dstPort}`);
    this.answer(cb, this);
    return true;
  }
  end(): unknown {
    this.emit('close');
    return true;
  }
  destroy(): unknown {
    return true;
  }
}

const spec = { name: 'cp1', become: { enabled: false, user: 'root', method: 'sudo' } } as unknown as ConnectionSpec;
const connection = (answer: Answer) => {
  const client = new FakeClient(answer);
  return { client, conn: new SshConnection(client as unknown as SshClientHandle, spec, 'SHA256:x', {}) };
};

describe('transport: SshConnection.forwardOut (a TCP stream on the one connection)', () => {
  it('hands back the channel to the address as the host sees it', async () => {
    const stream = new PassThrough();
    const { client, conn } = connection((cb) => cb(undefined, stream));
    expect(await conn.forwardOut('127.0.0.1', 2379)).to.equal(stream);
    expect(client.opened).to.deep.equal(['127.0.0.1:2379']);
  });

  it('rejects a refused channel with phase proxy, and the connection stays usable', async () => {
    let refuse = true;
    const stream = new PassThrough();
    const { conn } = connection((cb) => (refuse ? cb(new Error('(SSH) Channel open failure: Connection refused'), stream) : cb(undefined, stream)));
    const err = await conn.forwardOut('127.0.0.1', 2379).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'proxy' });
    expect((err as Error).message).to.equal('cp1: unreachable (proxy): cannot reach 127.0.0.1:2379 through cp1: (SSH) Channel open failure: Connection refused');
    expect(conn.alive).to.equal(true);
    refuse = false;
    expect(await conn.forwardOut('127.0.0.1', 2379)).to.equal(stream);
  });

  it('rejects with the connection\'s own loss when it went away meanwhile', async () => {
    const { conn } = connection((cb, client) => {
      client.emit('error', new Error('read ECONNRESET'));
      client.emit('close');
      cb(new Error('No response from server'), new PassThrough());
    });
    const err = await conn.forwardOut('127.0.0.1', 2379).catch((e: unknown) => e);
    expect(err).to.include({ phase: 'lost' });
    expect((err as Error).message).to.include('connection lost: read ECONNRESET');
  });
});
