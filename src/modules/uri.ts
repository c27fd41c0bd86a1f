/**
 * `uri`: an HTTP request made ON THE TARGET with its curl (http-request.ts): method, body (raw, json,
 * form-urlencoded), headers, status_code, return_content, dest, creates/removes. The result carries Ansible's
 * keys: status, url, msg, redirected, the response headers as lowercase_underscore keys, `json` for a JSON
 * response, `content` when asked. `url_password` and Authorization values are masked in the result.
 */
import { optBool, optInt, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { httpRequest, redact, urlPassword } from './http-request.js';
import { writeRemoteFile } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

/** The request body and its content type for body_format. Pure. */
export function encodeBody(body: unknown, format: string): { data: Buffer; contentType?: string } {
  if (format === 'json') return { data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), contentType: 'application/json' };
  if (format === 'form-urlencoded') {
    const data = typeof body === 'string' ? body : new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)] as [string, string])).toString();
    return { data: Buffer.from(data), contentType: 'application/x-www-form-urlencoded' };
  }
  return { data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) };
}

function statusCodes(value: unknown): number[] {
  const list = Array.isArray(value) ? value : String(value ?? '200').split(',');
  return list.map((v) => Number(String(v).trim()));
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const url = optString(ctx.args, 'url')!;
  const headers = Object.fromEntries(Object.entries((ctx.args.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  const password = optString(ctx.args, 'url_password');
  const secrets = [password ?? '', ...urlPassword(url), ...Object.entries(headers).filter(([k]) => k.toLowerCase() === 'authorization').map(([, v]) => v)];
  for (const [key, wantExists] of [['creates', true], ['removes', false]] as const) {
    const path = optString(ctx.args, key);
    if (path === undefined) continue;
    const exists = (await ctx.exec(`test -e ${shellQuote(path)}`)).code === 0;
    if (exists === wantExists) return { changed: false, skipped: true, msg: `${wantExists ? '' : 'skipped, since '}${path} ${wantExists ? 'exists' : 'does not exist'}`, url };
  }
  const method = (optString(ctx.args, 'method') ?? 'GET').toUpperCase();
  let body: Buffer | undefined;
  if (ctx.args.body !== undefined && ctx.args.body !== null) {
    const encoded = encodeBody(ctx.args.body, optString(ctx.args, 'body_format') ?? 'raw');
    body = encoded.data;
    if (encoded.contentType && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = encoded.contentType;
  }
  const user = optString(ctx.args, 'url_username');
  const start = ctx.clock.now();
  const response = await httpRequest(ctx, {
    url,
    method,
    headers,
    ...(body ? { body } : {}),
    ...(user !== undefined ? { user, ...(password !== undefined ? { password } : {}) } : {}),
    timeoutS: optInt(ctx.args, 'timeout') ?? 30,
    validateCerts: optBool(ctx.args, 'validate_certs') !== false,
    followRedirects: (optString(ctx.args, 'follow_redirects') ?? 'safe') !== 'none',
  }, true);
  const content = response.body?.toString('utf8') ?? '';
  const result: ModuleResult = { changed: false, status: response.status, url: response.url || url, redirected: response.redirects > 0, elapsed: Math.round((ctx.clock.now() - start) / 1000), cookies: {}, cookies_string: '' };
  for (const [name, value] of Object.entries(response.headers)) result[name.replace(/-/g, '_')] = value;
  const ok = response.status >= 200 && response.status < 300;
  result.msg = ok ? `OK (${response.body?.length ?? 0} bytes)` : `HTTP Error ${response.status}`;
  if (/json/i.test(response.headers['content-type'] ?? '')) {
    try {
      result.json = JSON.parse(content);
    } catch {
      // not JSON after all: content only
    }
  }
  const dest = optString(ctx.args, 'dest');
  if (dest && response.body) {
    await writeRemoteFile(ctx, dest, response.body);
    Object.assign(result, { changed: true, path: dest });
  }
  const wanted = statusCodes(ctx.args.status_code);
  if (!wanted.includes(response.status)) {
    const { changed: _changed, msg, ...rest } = result;
    throw new ModuleFailure(`Status code was ${response.status} and not [${wanted.join(', ')}]: ${msg}`, redact({ ...rest, ...(optBool(ctx.args, 'return_content') ? { content } : {}) }, secrets));
  }
  if (optBool(ctx.args, 'return_content')) result.content = content;
  else if (!ok) result.body = content;
  return redact(result, secrets);
}

export const uriSpec: ModuleSpec = {
  name: 'uri',
  args: {
    url: { type: 'str', required: true },
    method: { type: 'str', default: 'GET' },
    body: { type: 'raw' },
    body_format: { type: 'str', choices: ['form-urlencoded', 'json', 'raw'], default: 'raw' },
    status_code: { type: 'list', default: [200] },
    return_content: { type: 'bool', default: false },
    headers: { type: 'dict' },
    timeout: { type: 'int', default: 30 },
    dest: { type: 'path' },
    creates: { type: 'path' },
    removes: { type: 'path' },
    url_username: { type: 'str', aliases: ['user'] },
    url_password: { type: 'str', aliases: ['password'] },
    force_basic_auth: { type: 'bool', default: false },
    validate_certs: { type: 'bool', default: true },
    follow_redirects: { type: 'str', choices: ['all', 'no', 'none', 'safe', 'urllib2', 'yes'], default: 'safe' },
    use_proxy: { type: 'bool', default: true },
  },
};

// As Ansible's uri (check_mode support: none), the task is skipped under --check: a request may change things.
export const uriModule: ModuleDefinition = defineModule(uriSpec, { supportsCheck: false, run });
