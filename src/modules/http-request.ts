/**
 * HTTP requests made ON THE TARGET (get_url, uri), with the curl or wget found there: the host reaches what it
 * can reach (a mirror behind its proxy, a service on its loopback), not what the controller can. The request's
 * URL, headers and credentials travel in a config file written from stdin (mode 0600, removed after), never on a
 * command line another user could read in `ps`.
 */
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext } from './types.js';

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  user?: string;
  password?: string;
  timeoutS: number;
  validateCerts: boolean;
  followRedirects: boolean;
  /** Send If-Modified-Since with this target file's mtime (get_url without force). */
  ifModifiedSince?: string;
  /** Leave the body in this file on the target instead of returning it. */
  outFile?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names lowercased, of the last response. */
  headers: Record<string, string>;
  body?: Buffer;
  url: string;
  redirects: number;
}

/** curl's config-file quoting. Pure. */
export function curlQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export function curlConfig(req: HttpRequest): string {
  const lines = [`url = ${curlQuote(req.url)}`, `request = ${curlQuote(req.method ?? 'GET')}`, `max-time = ${req.timeoutS}`];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`header = ${curlQuote(`${name}: ${value}`)}`);
  if (req.user !== undefined) lines.push(`user = ${curlQuote(`${req.user}:${req.password ?? ''}`)}`);
  if (!req.validateCerts) lines.push('insecure');
  if (req.followRedirects) lines.push('location');
  if (req.ifModifiedSince) lines.push(`time-cond = ${curlQuote(req.ifModifiedSince)}`);
  return `${lines.join('\n')}\n`;
}

const NO_TOOL = 45;

function script(req: HttpRequest, configBytes: number): string {
  const out = req.outFile ? shellQuote(req.outFile) : '"$w/out"';
  const body = req.body !== undefined ? ` --data-binary @"$w/body"` : '';
  return [
    'w=$(mktemp -d) || exit 1',
    `trap 'rm -rf -- "$w"' EXIT`,
    'umask 077',
    `dd bs=1 count=${configBytes} of="$w/cfg" 2>/dev/null`,
    'cat > "$w/body"',
    'if command -v curl >/dev/null 2>&1; then',
    `  r=$(curl -K "$w/cfg" -sS -o ${out} -D "$w/hdr" -w '%{http_code} %{num_redirects} %{url_effective}'${body}) || exit $?`,
    'elif command -v wget >/dev/null 2>&1; then',
    // wget: GET only; its config takes the header/user/password/timeout lines curlConfig's wget twin writes.
    `  u=$(sed -n 's/^url = //p' "$w/cfg"); grep -v '^url = ' "$w/cfg" > "$w/wgetrc"`,
    `  WGETRC="$w/wgetrc" wget -q -S -O ${out} "$u" 2> "$w/hdr"; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 8 ] || exit $rc`,
    `  r="$(grep -Eo '^ *HTTP/[0-9.]+ [0-9]+' "$w/hdr" | tail -1 | awk '{print $2}') 0 $u"; sed -i 's/^  //' "$w/hdr"`,
    `else exit ${NO_TOOL}; fi`,
    'printf "%s\\n---\\n" "$r"; tr -d "\\r" < "$w/hdr"; printf -- "---\\n"',
    req.outFile ? 'true' : 'base64 -w0 < "$w/out" 2>/dev/null',
  ].join('\n');
}

/** wgetrc for the same request (GET only). Pure. */
export function wgetConfig(req: HttpRequest): string {
  const lines = [`url = ${req.url}`, `timeout = ${req.timeoutS}`, `check_certificate = ${req.validateCerts ? 'on' : 'off'}`, `max_redirect = ${req.followRedirects ? 20 : 0}`];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`header = ${name}: ${value}`);
  if (req.user !== undefined) lines.push(`user = ${req.user}`, `password = ${req.password ?? ''}`);
  return `${lines.join('\n')}\n`;
}

/** Parses the script's output: "code redirects url", the last response's headers, then the body in base64. Pure. */
export function parseHttpOutput(stdout: string): HttpResponse {
  const [first = '', headerText = '', bodyText = ''] = stdout.split(/^---$/m);
  const [code, redirects, ...url] = first.trim().split(' ');
  const blocks = headerText.trim().split(/\n\s*\n/);
  const headers: Record<string, string> = {};
  for (const line of (blocks[blocks.length - 1] ?? '').split('\n').slice(1)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const body = bodyText.trim();
  return { status: Number(code), redirects: Number(redirects) || 0, url: url.join(' '), headers, ...(body || !headerText ? { body: Buffer.from(body, 'base64') } : { body: Buffer.alloc(0) }) };
}

export async function httpRequest(ctx: ModuleContext, req: HttpRequest, needCurl = false): Promise<HttpResponse> {
  const tools = await ctx.exec('command -v curl >/dev/null 2>&1 && echo curl; command -v wget >/dev/null 2>&1 && echo wget; true');
  const found = tools.stdout.split('\n').filter(Boolean);
  if (found.length === 0) throw new ModuleFailure(`neither curl nor wget is installed on ${ctx.target}: the request is made from the host, so install one there (apt: curl)`);
  const useCurl = found.includes('curl');
  if (!useCurl && (needCurl || (req.method ?? 'GET') !== 'GET' || req.body !== undefined || req.ifModifiedSince)) {
    throw new ModuleFailure(`this request needs curl on ${ctx.target} (only wget is installed, which makes plain GET downloads only)`);
  }
  const config = Buffer.from(useCurl ? curlConfig(req) : wgetConfig(req));
  const stdin = Buffer.concat([config, req.body ?? Buffer.alloc(0)]);
  const result = await ctx.exec(script(req, config.length), { stdin, maxOutputBytes: 256 * 1024 * 1024 });
  if (result.code !== 0) {
    const reason = tail(result.stderr).replace(/^curl: \(\d+\) /, '') || `exit status ${result.code}`;
    throw new ModuleFailure(`Request failed: ${reason}`, { url: req.url, status: -1 });
  }
  return parseHttpOutput(result.stdout);
}

/** The password written into a URL (`https://user:secret@host/`), raw and decoded, to be masked. */
export function urlPassword(url: string): string[] {
  try {
    const raw = new URL(url).password;
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [];
  }
}

/** Replaces every secret value in a result with Ansible's no_log mask. */
export function redact<T>(value: T, secrets: string[]): T {
  const live = secrets.filter((s) => s.length > 0);
  if (live.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return live.reduce((s, secret) => s.split(secret).join('********'), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
