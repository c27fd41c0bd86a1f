/**
 * Handler notifications of one batch: a notify names handlers (by name or `listen` topic); each handler runs
 * at most once per flush, in definition order, on the hosts that notified it since the last flush.
 */
import type { Task } from '../playbook/model.js';

export class HandlerQueue {
  /** Handler index → hosts that notified it and have not run it yet. */
  private readonly pending = new Map<number, Set<string>>();

  constructor(readonly handlers: readonly Task[]) {}

  /** Indices of the handlers a notify name reaches. */
  targets(name: string): number[] {
    const out: number[] = [];
    this.handlers.forEach((h, i) => {
      if (h.name === name || h.listen.includes(name)) out.push(i);
    });
    return out;
  }

  /** Records a notify; returns false when it reaches no handler (a templated name that rendered to nothing known). */
  notify(host: string, name: string): boolean {
    const targets = this.targets(name);
    for (const i of targets) {
      let hosts = this.pending.get(i);
      if (!hosts) this.pending.set(i, (hosts = new Set()));
      hosts.add(host);
    }
    return targets.length > 0;
  }

  /** Takes the hosts waiting for handler `index` that `eligible` accepts; they no longer wait for it. */
  take(index: number, batch: readonly string[], eligible: (host: string) => boolean): string[] {
    const hosts = this.pending.get(index);
    if (!hosts || hosts.size === 0) return [];
    const out = batch.filter((h) => hosts.has(h) && eligible(h));
    for (const h of out) hosts.delete(h);
    return out;
  }

  hasPending(): boolean {
    return [...this.pending.values()].some((s) => s.size > 0);
  }
}
