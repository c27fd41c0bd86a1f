/**
 * A small JSON REST client for the contract test's setup and read-back, the same for the simulator and the
 * real kube-apiserver: HTTPS with the cluster's CA and a client certificate, the raw status code and body of
 * every answer (a refusal is data here, never an exception). drydock's own drain goes through its KubePort.
 */
import { request as httpsRequest } from 'node:https';

export interface Credentials {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

export interface Answer {
  status: number;
  body: any;
}

export const MERGE_PATCH = 'application/merge-patch+json';

export class Rest {
  constructor(private readonly creds: Credentials) {}

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const url = new URL(path, this.creds.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          ca: this.creds.caPem,
          cert: this.creds.clientCertPem,
          key: this.creds.clientKeyPem,
          headers: {
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
          timeout: 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON (a health endpoint's "ok"): keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** The object, or undefined on 404; anything else but 200 throws. */
  async get(path: string): Promise<any> {
    const answer = await this.request('GET', path);
    if (answer.status === 404) return undefined;
    return expectOk(answer, 'GET', path);
  }

  async list(path: string): Promise<any[]> {
    return (await this.get(path))?.items ?? [];
  }

  async create(path: string, obj: unknown): Promise<any> {
    return expectOk(await this.request('POST', path, obj), 'POST', path);
  }

  async patch(path: string, patch: unknown): Promise<any> {
    return expectOk(await this.request('PATCH', path, patch, MERGE_PATCH), 'PATCH', path);
  }

  async remove(path: string, options?: unknown): Promise<any> {
    return expectOk(await this.request('DELETE', path, options), 'DELETE', path);
  }
}

function expectOk(answer: Answer, method: string, path: string): any {
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  const why = typeof answer.body === 'object' ? answer.body?.message : String(answer.body);
  throw new Error(`${method} ${path} answered ${answer.status}: ${why}`);
}

/** Polls until `check` returns a truthy value, which it returns; fails naming what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
