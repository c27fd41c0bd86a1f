import type { LockTimers } from '../../../src/lock/cluster-lock.js';

/** Timers fired by hand: `tick()` runs every registered callback once, as one interval elapsing would. */
export class ManualTimers implements LockTimers {
  readonly intervals: number[] = [];
  private ticks = new Set<() => void>();
  every(ms: number, tick: () => void): () => void {
    this.intervals.push(ms);
    this.ticks.add(tick);
    return () => this.ticks.delete(tick);
  }
  get active(): number {
    return this.ticks.size;
  }
  async tick(): Promise<void> {
    for (const tick of this.ticks) tick();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
