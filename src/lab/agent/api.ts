/**
 * The node agent's HTTPS client for the API server: the credentials of a kubeconfig (client certificate or
 * bearer token, the cluster CA), JSON in and out, a short timeout. Every caller treats a failure as a
 * passing one (the API server goes away while kubeadm restarts it) and tries again on its next tick.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse } from '../../util/yaml.js';

export interface Credentials {
  server: string;
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
  /** The file the client certificate came from, when it came from a file. */
  certFile?: string;
}

interface KubeconfigFile {
  clusters?: Array<{ cluster?: Record<string, string> }>;
  users?: Array<{ user?: Record<string, string> }>;
}

/** Reads the first cluster and user of a kubeconfig as kubeadm writes them (data or file references). */
export function readKubeconfig(path: string): Credentials {
  const doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile | null;
  const cluster = doc?.clusters?.[0]?.cluster;
  const user = doc?.users?.[0]?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: no cluster server`);
  const fromData = (data?: string, file?: string): string | undefined =>
    data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined;
  const ca = fromData(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!ca) throw new Error(`${path}: no certificate authority`);
  const cert = fromData(user['client-certificate-data'], user['client-certificate']);
  const key = fromData(user['client-key-data'], user['client-key']);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca,
    // The kubelet's store keeps certificate and key in one file, named by both fields.
    cert: cert && pemBlocks(cert, /CERTIFICATE/),
    key: key && pemBlocks(key, /PRIVATE KEY/),
    token: user.token,
    certFile: user['client-certificate-data'] ? undefined : user['client-certificate'],
  };
}

/** The PEM blocks of a text whose label matches. */
export function pemBlocks(text: string, label: RegExp): string {
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  return blocks.filter((b) => label.test(/-----BEGIN ([A-Z ]+)-----/.exec(b)![1]!)).join('\n') + '\n';
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export interface ApiOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export class Api {
  constructor(private credentials: Credentials) {}

  get server(): string {
    return this.credentials.server;
  }

  use(credentials: Credentials): void {
    this.credentials = credentials;
  }

  async call<T = unknown>(method: string, path: string, options: ApiOptions = {}): Promise<T> {
    const c = this.credentials;
    const url = new URL(c.server + path);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return await new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: c.ca,
          cert: c.cert,
          key: c.key,
          timeout: options.timeoutMs ?? 10000,
          headers: {
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json' }),
            ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}),
            'User-Agent': 'kubelet (drydock-lab node agent)',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(new ApiError(status, text, `${method} ${path}`));
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, { body });
  }

  put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, { body });
  }

  /** Strategic merge patch, as the kubelet sends for node and pod status. */
  patch<T = unknown>(path: string, body: unknown, contentType = 'application/strategic-merge-patch+json'): Promise<T> {
    return this.call<T>('PATCH', path, { body, contentType });
  }

  delete<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('DELETE', path, { body });
  }
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof ApiError && err.status === status;
}
