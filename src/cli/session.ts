/**
 * One run session: what a command that contacts hosts opens once and shares between its read-only pass (facts,
 * sentinels, certificate reads) and the run itself — the event bus, one SSH connection pool (one connection per
 * host for the whole command) and one cluster access (admin.conf read at most once). Warnings go to stderr
 * until a renderer takes the bus over. `close()` ends every connection; commands open a session with
 * `withSession` so it is always closed.
 */
import { setMaxListeners } from 'node:events';
import { EventBus } from '../events/events.js';
import type { TextOutput } from '../events/tty.js';
import type { Inventory } from '../inventory/types.js';
import type { LazyKube } from '../kube/access.js';
import type { SshConnectionPool } from '../transport/pool.js';
import type { ConnectionSpec } from '../transport/types.js';
import type { createRunKube } from './cluster-access.js';
import { livePool } from './run-setup.js';

export interface SessionStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

export interface ClusterAccessRequest {
  kubeconfig?: string;
  context?: string;
  inventory: Inventory;
  specFor(host: string): ConnectionSpec;
}

export class RunSession {
  readonly bus = new EventBus();
  readonly pool: SshConnectionPool;
  /** Aborted by a second Ctrl-C (linked by the run): handshakes and commands in flight end. */
  readonly abort = new AbortController();
  private kubeAccess: LazyKube | undefined;
  private rendered = false;

  /**
   * `openKube` is cluster-access.ts's createRunKube, handed in by the commands that may talk to the cluster:
   * loading @kubernetes/client-node costs ~0.4 s of CPU and ~60 MB, which `drydock run` never needs.
   */
  constructor(readonly streams: SessionStreams, private readonly openKube?: typeof createRunKube) {
    // Every handshake and command in flight listens to it: hundreds at a time is normal, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.pool = livePool(this.bus, this.abort.signal);
    this.bus.on((event) => {
      if (!this.rendered && event.type === 'warning') streams.stderr.write(`drydock: warning: ${event.message}\n`);
    });
  }

  /** From now on a renderer shows the bus's events, warnings included. */
  renderedBy(listener: Parameters<EventBus['on']>[0]): void {
    this.rendered = true;
    this.bus.on(listener);
  }

  warn(message: string): void {
    this.bus.emit({ type: 'warning', message });
  }

  /** The cluster access of the session, opened on first use through the session's own pool. */
  kube(request: ClusterAccessRequest): LazyKube {
    if (!this.openKube) throw new Error('this command opened its session without cluster access');
    this.kubeAccess ??= this.openKube({
      ...(request.kubeconfig !== undefined ? { kubeconfig: request.kubeconfig } : {}),
      ...(request.context !== undefined ? { context: request.context } : {}),
      inventory: request.inventory,
      specFor: request.specFor,
      connect: (spec) => this.pool.connect(spec),
      emit: (event) => this.bus.emit(event),
    });
    return this.kubeAccess;
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }
}

/** Runs `work` in a new session and closes it however `work` ends. */
export async function withSession<T>(streams: SessionStreams, work: (session: RunSession) => Promise<T>, openKube?: typeof createRunKube): Promise<T> {
  const session = new RunSession(streams, openKube);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
