/**
 * Keeps the number of open host connections under the open-file budget. A play holds one connection per
 * host for the whole batch (the point of pooling), but a batch of 500 hosts with `ulimit -n 1024` would run
 * out of descriptors half way (EMFILE on a socket). Past `maxOpen`, opening a connection first closes the
 * least recently used one that no task is using; that host reconnects when it is next needed.
 */
import type { Connection, ConnectionSpec } from '../transport/types.js';

export interface ConnectionBudgetPorts {
  connect(spec: ConnectionSpec): Promise<Connection>;
  release?(host: string): Promise<void>;
}

export class ConnectionBudget {
  /** Host → tasks using it right now; insertion order is recency (re-inserted on use). */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly ports: ConnectionBudgetPorts,
    private readonly maxOpen: number,
  ) {}

  /** Marks a host in use by a task (its connection is not closed until `done`). */
  hold(host: string): void {
    const busy = this.open.get(host) ?? 0;
    this.open.delete(host);
    this.open.set(host, busy + 1);
  }

  done(host: string): void {
    const busy = this.open.get(host);
    if (busy !== undefined) this.open.set(host, Math.max(0, busy - 1));
  }

  async connect(spec: ConnectionSpec): Promise<Connection> {
    if (!this.open.has(spec.name)) this.open.set(spec.name, 0);
    await this.evict();
    return this.ports.connect(spec);
  }

  private async evict(): Promise<void> {
    if (!this.ports.release || this.open.size <= this.maxOpen) return;
    for (const [host, busy] of this.open) {
      if (this.open.size <= this.maxOpen) return;
      if (busy > 0) continue;
      this.open.delete(host);
      await this.ports.release(host).catch(() => undefined);
    }
  }

  get openCount(): number {
    return this.open.size;
  }
}
