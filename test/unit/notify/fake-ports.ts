import type { SenderPorts } from '../../../src/notify/sender.js';

export type Answer = number | 'refuse' | 'hang';

/**
 * The sender's ports, by hand: `post` answers from a script per URL (a status, a refusal, or no answer until
 * aborted); `sleep` records the pause and resolves at once, except pauses of `holdMs` or more (the drain's
 * bound), which wait for `elapse()` or an abort.
 */
export class FakePorts implements SenderPorts {
  readonly posts: Array<{ url: string; body: string; timeoutMs: number }> = [];
  readonly sleeps: number[] = [];
  readonly warnings: string[] = [];
  readonly aborted: string[] = [];
  private held: Array<() => void> = [];

  constructor(
    private readonly script: (url: string, attempt: number) => Answer,
    private readonly holdMs = 10_000,
  ) {}

  post = (url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<number> => {
    this.posts.push({ url: url.href, body, timeoutMs });
    const answer = this.script(url.href, this.posts.filter((p) => p.url === url.href).length);
    if (answer === 'refuse') return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
    if (answer === 'hang') {
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          this.aborted.push(body);
          reject(new Error('aborted'));
        });
      });
    }
    return Promise.resolve(answer);
  };

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    if (ms < this.holdMs) return Promise.resolve();
    return new Promise((resolve) => {
      this.held.push(resolve);
      signal?.addEventListener('abort', () => resolve());
    });
  };

  warn = (message: string): void => {
    this.warnings.push(message);
  };

  /** The held pauses end (the drain's bound has passed). */
  elapse(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
