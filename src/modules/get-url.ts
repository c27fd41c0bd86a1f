/**
 * `get_url`: downloads a URL ON THE TARGET (curl or wget there, http-request.ts) into a temporary file beside
 * `dest`, checks `checksum`, and moves it into place only when the content differs (sha1), as Ansible does;
 * without `force`, an existing dest is asked for with If-Modified-Since (a 304 changes nothing), and one that
 * already has the given checksum is not downloaded at all.
 */
import { optBool, optInt, optString } from './args.js';
import { attributesFromArgs } from './copy.js';
import { ModuleFailure, tail } from './failure.js';
import { httpRequest, redact, urlPassword } from './http-request.js';
import { applyAttributes, backupRemoteFile, remoteStat } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const TOOLS: Record<string, string> = { md5: 'md5sum', sha1: 'sha1sum', sha224: 'sha224sum', sha256: 'sha256sum', sha384: 'sha384sum', sha512: 'sha512sum' };

/** `algorithm:hex` (Ansible's checksum argument; a URL in place of the hex is not supported). Pure. */
export function parseChecksum(text: string): { algorithm: string; hex: string } {
  const m = /^(\w+):([0-9a-fA-F]+)$/.exec(text.trim());
  if (!m || !TOOLS[m[1]!.toLowerCase()]) throw new ModuleFailure(`checksum "${text}" is not <algorithm>:<hex digest> (md5, sha1, sha224, sha256, sha384, sha512); a checksum URL is not supported`);
  return { algorithm: m[1]!.toLowerCase(), hex: m[2]!.toLowerCase() };
}

async function digests(ctx: ModuleContext, paths: string[], tool: string): Promise<(string | undefined)[]> {
  const r = await ctx.exec(paths.map((p) => `if [ -f ${shellQuote(p)} ]; then ${tool} < ${shellQuote(p)} | cut -d' ' -f1; else echo -; fi`).join('\n'));
  const lines = r.stdout.split('\n');
  return paths.map((_, i) => (lines[i] && lines[i] !== '-' ? lines[i] : undefined));
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const url = optString(ctx.args, 'url')!;
  let dest = optString(ctx.args, 'dest')!;
  const secrets = [optString(ctx.args, 'url_password') ?? '', ...urlPassword(url), ...Object.entries((ctx.args.headers ?? {}) as Record<string, unknown>).filter(([k]) => k.toLowerCase() === 'authorization').map(([, v]) => String(v))];
  const attrs = attributesFromArgs(ctx.args);
  const start = ctx.clock.now();
  const elapsed = (): number => Math.round((ctx.clock.now() - start) / 1000);
  let stat = await remoteStat(ctx, dest, true, false);
  if (stat.type === 'directory') {
    dest = `${dest.replace(/\/+$/, '')}/${decodeURIComponent(new URL(url).pathname.split('/').pop() || 'index.html')}`;
    stat = await remoteStat(ctx, dest, true, false);
  }
  const force = optBool(ctx.args, 'force') === true;
  const checksum = optString(ctx.args, 'checksum') ? parseChecksum(optString(ctx.args, 'checksum')!) : undefined;
  const base = { url, dest, elapsed: 0 };
  const finish = async (result: ModuleResult): Promise<ModuleResult> => {
    const now = await remoteStat(ctx, dest, true, false);
    if (now.exists && (await applyAttributes(ctx, dest, now, attrs))) result.changed = true;
    const after = ctx.check ? now : await remoteStat(ctx, dest, true, false);
    if (after.exists) Object.assign(result, { state: 'file', mode: (after.mode ?? 0).toString(8).padStart(4, '0'), owner: after.owner, group: after.group, uid: after.uid, gid: after.gid, size: after.size });
    return redact({ ...result, elapsed: elapsed() }, secrets);
  };
  if (stat.exists && checksum && !force) {
    const [have] = await digests(ctx, [dest], TOOLS[checksum.algorithm]!);
    if (have === checksum.hex) return finish({ ...base, changed: false, msg: 'file already exists', checksum_dest: null, checksum_src: null });
  }
  if (ctx.check) return redact({ ...base, changed: !stat.exists || force || checksum !== undefined, msg: 'check mode: the file would be downloaded' }, secrets);

  const dir = dest.slice(0, dest.lastIndexOf('/')) || '/';
  const made = await ctx.exec(`mktemp ${shellQuote(`${dir}/.drydock-get_url.XXXXXX`)}`);
  if (made.code !== 0) throw new ModuleFailure(`Destination ${dir} does not exist or is not writable: ${tail(made.stderr)}`);
  const tmp = made.stdout.trim();
  try {
    const headers = Object.fromEntries(Object.entries((ctx.args.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const user = optString(ctx.args, 'url_username');
    const password = optString(ctx.args, 'url_password');
    const response = await httpRequest(ctx, {
      url,
      headers,
      ...(user !== undefined ? { user, ...(password !== undefined ? { password } : {}) } : {}),
      timeoutS: optInt(ctx.args, 'timeout') ?? 10,
      validateCerts: optBool(ctx.args, 'validate_certs') !== false,
      followRedirects: true,
      ...(stat.exists && !force && !checksum ? { ifModifiedSince: dest } : {}),
      outFile: tmp,
    });
    if (response.status === 304) return finish({ ...base, changed: false, msg: 'HTTP Error 304: Not Modified', status_code: 304 });
    if (response.status !== 200) throw new ModuleFailure('Request failed', redact({ ...base, response: `HTTP Error ${response.status}`, status_code: response.status }, secrets));
    const [src, destSum, wanted] = await digests(ctx, [tmp, dest, ...(checksum ? [tmp] : [])], 'sha1sum').then(async (sha1s) => [sha1s[0], sha1s[1], checksum ? (await digests(ctx, [tmp], TOOLS[checksum.algorithm]!))[0] : undefined]);
    if (checksum && wanted !== checksum.hex) throw new ModuleFailure(`The checksum for ${dest} did not match ${checksum.hex}; it was ${wanted}.`, { ...base, status_code: response.status });
    const size = (await ctx.exec(`stat -c %s ${shellQuote(tmp)}`)).stdout.trim();
    const result: ModuleResult = { ...base, changed: src !== destSum, msg: `OK (${size} bytes)`, status_code: response.status, checksum_src: src ?? null, checksum_dest: destSum ?? null };
    if (result.changed) {
      if (optBool(ctx.args, 'backup') && stat.exists) result.backup_file = await backupRemoteFile(ctx, dest);
      const md5 = await digests(ctx, [tmp], 'md5sum');
      result.md5sum = md5[0];
      const keep = stat.exists ? `chmod --reference=${shellQuote(dest)} -- "$t"; chown --reference=${shellQuote(dest)} -- "$t" 2>/dev/null || true; ` : `chmod "$(printf '%o' $(( 0666 & ~0$(umask) )))" -- "$t"; `;
      const moved = await ctx.exec(`t=${shellQuote(tmp)}; ${keep}mv -f -- "$t" ${shellQuote(dest)}`);
      if (moved.code !== 0) throw new ModuleFailure(`could not move the download to ${dest}: ${tail(moved.stderr)}`);
    }
    return finish(result);
  } finally {
    await ctx.exec(`rm -f -- ${shellQuote(tmp)}`);
  }
}

export const getUrlSpec: ModuleSpec = {
  name: 'get_url',
  args: {
    url: { type: 'str', required: true },
    dest: { type: 'path', required: true },
    checksum: { type: 'str', default: '' },
    force: { type: 'bool', default: false, aliases: ['thirsty'] },
    headers: { type: 'dict' },
    timeout: { type: 'int', default: 10 },
    url_username: { type: 'str', aliases: ['username'] },
    url_password: { type: 'str', aliases: ['password'] },
    force_basic_auth: { type: 'bool', default: false },
    validate_certs: { type: 'bool', default: true },
    use_proxy: { type: 'bool', default: true },
    backup: { type: 'bool', default: false },
    tmp_dest: str,
    ...ownership,
  },
};

export const getUrlModule: ModuleDefinition = defineModule(getUrlSpec, { supportsCheck: true, run });
