/**
 * The one door to the network for notifications: Node's built-in fetch (Node 20), and the real pause between
 * tries. Everything above takes these as ports (sender.ts), so retries and bounds are tested without waiting.
 */
import type { SenderPorts } from './sender.js';

/** POSTs a JSON body; the HTTP status, or a rejection when no answer came within `timeoutMs` or `signal` aborted. */
export async function postJson(url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'drydock' },
    body,
    // A redirect is not followed: the body would go to a host nobody named.
    redirect: 'manual',
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  // The answer's body is not wanted; reading it to the end frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
}

/** A pause that ends early (resolves) when `signal` aborts, and clears its timer then. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function liveSenderPorts(warn: (message: string) => void): SenderPorts {
  return { post: postJson, sleep, warn };
}
