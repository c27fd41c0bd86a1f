/**
 * ProxyJump without a pool: each hop is connected through a direct-tcpip channel of the previous one, one
 * private chain per target, and the hops close after the target. (The pool shares bastions instead.)
 */
import type { Duplex } from 'node:stream';
import { jumpFailure } from './connect-errors.js';
import type { ConnectionSpec } from './types.js';

/** What a hop must offer: channels onwards, and closing. */
export interface JumpableConnection {
  forwardOut(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
  /** Takes ownership of the hops it was reached through (innermost first), closing them after itself. */
  adoptHops(hops: JumpableConnection[]): void;
}

export interface JumpOpeners<C extends JumpableConnection> {
  /** Connects one hop; `sock` is absent for the outermost hop, which is dialled directly. */
  hop(spec: ConnectionSpec, sock: Duplex | undefined): Promise<C>;
  /** Connects the target over the channel from the innermost hop. */
  target(spec: ConnectionSpec, sock: Duplex): Promise<C>;
}

/** Connects `spec.proxyJump` hop by hop, then the target; any failure closes the hops opened so far. */
export async function openThroughJumps<C extends JumpableConnection>(spec: ConnectionSpec, open: JumpOpeners<C>): Promise<C> {
  const hops: C[] = [];
  const closeHops = async (): Promise<void> => {
    for (const hop of hops) await hop.close();
  };
  let sock: Duplex;
  try {
    let via: C | undefined;
    for (const hopSpec of spec.proxyJump) {
      const hopSock = via ? await via.forwardOut(hopSpec.hostname, hopSpec.port) : undefined;
      via = await open.hop({ ...hopSpec, proxyJump: [] }, hopSock);
      hops.unshift(via);
    }
    if (!via) throw new Error('no jump hosts given');
    sock = await via.forwardOut(spec.hostname, spec.port);
  } catch (err) {
    await closeHops();
    throw jumpFailure(spec, err);
  }
  try {
    const target = await open.target({ ...spec, proxyJump: [] }, sock);
    target.adoptHops(hops);
    return target;
  } catch (err) {
    await closeHops();
    throw err;
  }
}
