/**
 * Posts the notifications in the background: one ordered queue per URL (a receiver gets start, failures, end
 * in that order), each post tried a bounded number of times with a growing pause between tries and a timeout
 * per request. Nothing here throws or holds the run up: a post that fails for good is a warning; `drain`
 * waits for the queues at most a bounded time and then gives up on what is left (warned, requests aborted).
 */
import { displayUrl } from './url.js';

export interface SenderPorts {
  /** Sends one body; resolves with the HTTP status, rejects when no answer came (refused, timed out, aborted). */
  post(url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<number>;
  /** Resolves after `ms`, or at once when `signal` aborts (the pause is cut short, not failed). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  warn(message: string): void;
}

export interface SenderLimits {
  /** Tries per post (the first one included). */
  tries: number;
  /** Pause before the second try; doubled before each later one. */
  backoffMs: number;
  /** Per request. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: SenderLimits = { tries: 3, backoffMs: 1000, timeoutMs: 5000 };
/** How long the end of a run waits for posts still queued. */
export const DRAIN_BOUND_MS = 10_000;

/** Worth another try: no answer, or an answer that says "later" (408, 429, 5xx). */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

interface Queue {
  url: URL;
  tail: Promise<void>;
  pending: number;
}

export class NotifySender {
  private readonly queues: Queue[];
  private readonly stop = new AbortController();

  constructor(
    urls: readonly URL[],
    private readonly ports: SenderPorts,
    private readonly limits: SenderLimits = DEFAULT_LIMITS,
  ) {
    this.queues = urls.map((url) => ({ url, tail: Promise.resolve(), pending: 0 }));
  }

  /** Queues the body for every URL and returns at once. */
  send(body: string): void {
    for (const queue of this.queues) {
      queue.pending++;
      queue.tail = queue.tail.then(async () => {
        try {
          if (!this.stop.signal.aborted) await this.deliver(queue.url, body);
        } finally {
          queue.pending--;
        }
      });
    }
  }

  /**
   * Waits for every queue to empty, at most `boundMs`; what is still queued then is dropped with a warning and
   * the requests in flight are aborted. Resolves true when everything was handled in time.
   */
  async drain(boundMs: number = DRAIN_BOUND_MS): Promise<boolean> {
    const bound = new AbortController();
    const all = Promise.all(this.queues.map((q) => q.tail)).then(() => true);
    const late = this.ports.sleep(boundMs, bound.signal).then(() => false);
    const drained = await Promise.race([all, late]);
    bound.abort();
    if (!drained) {
      for (const queue of this.queues) {
        if (queue.pending > 0) {
          this.ports.warn(`notify: ${queue.pending} notification(s) to ${displayUrl(queue.url)} not sent within ${boundMs / 1000} s; given up`);
        }
      }
      this.stop.abort();
    }
    return drained;
  }

  private async deliver(url: URL, body: string): Promise<void> {
    const { tries, backoffMs, timeoutMs } = this.limits;
    let why = '';
    let made = 0;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) {
        await this.ports.sleep(backoffMs * 2 ** (attempt - 2), this.stop.signal);
      }
      if (this.stop.signal.aborted) return;
      made = attempt;
      try {
        const status = await this.ports.post(url, body, timeoutMs, this.stop.signal);
        if (status >= 200 && status < 300) return;
        why = `HTTP ${status}`;
        if (!retryable(status)) break;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        why = describe(err, url);
      }
    }
    this.ports.warn(`notify: a notification to ${displayUrl(url)} was not delivered (${made === 1 ? '1 try' : `${made} tries`}: ${why}); the run goes on`);
  }
}

/** The error's message and cause (fetch's "fetch failed" says little), with the URL shown only as displayUrl. */
function describe(err: unknown, url: URL): string {
  const error = err as Error & { cause?: unknown };
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const name = error.name === 'TimeoutError' ? 'no answer in time' : (error.message ?? String(err));
  const text = cause && cause !== name ? `${name}: ${cause}` : name;
  const shown = text.split(url.href).join(displayUrl(url));
  const path = `${url.pathname}${url.search}`;
  return path.length > 1 ? shown.split(path).join('/…') : shown;
}
