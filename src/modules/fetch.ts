/**
 * `fetch`: brings a file from the target to the controller, by default under `dest/<inventory_hostname>/<src>`
 * so the same path from many hosts does not collide. Changed only when the local copy differed.
 */
import { createHash } from 'node:crypto';
import { optBool, optString } from './args.js';
import { sha256Hex } from './copy.js';
import { ModuleFailure } from './failure.js';
import { readRemoteFile, remoteStat } from './remote-files.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

/** Where the file lands on the controller, as Ansible lays it out. Pure. */
export function fetchDestination(src: string, dest: string, host: string, flat: boolean): string {
  if (flat) {
    if (dest.endsWith('/')) return `${dest}${src.slice(src.lastIndexOf('/') + 1)}`;
    return dest;
  }
  const relative = src.replace(/^\/+/, '');
  return `${dest.replace(/\/+$/, '')}/${host}/${relative}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const src = optString(ctx.args, 'src') ?? '';
  const dest = fetchDestination(src, optString(ctx.args, 'dest') ?? '', ctx.host, optBool(ctx.args, 'flat') === true);
  const data = await readRemoteFile(ctx, src);
  if (!data) {
    const msg = `the remote file does not exist, not transferring: ${src} on ${ctx.target}`;
    if (optBool(ctx.args, 'fail_on_missing') !== false) throw new ModuleFailure(msg, { file: src });
    return { changed: false, file: src, msg: `${msg} (ignored)` };
  }
  const checksum = sha256Hex(data);
  if (optBool(ctx.args, 'validate_checksum') !== false) {
    const stat = await remoteStat(ctx, src);
    if (stat.sha256 && stat.sha256 !== checksum) throw new ModuleFailure(`checksum mismatch for ${src}: the file changed during transfer (remote ${stat.sha256}, received ${checksum})`);
  }
  let localChecksum: string | undefined;
  if (await ctx.controller.exists(dest)) localChecksum = sha256Hex(await ctx.controller.readFile(dest));
  const base = { dest, checksum, remote_checksum: checksum, md5sum: createHash('md5').update(data).digest('hex'), file: src };
  if (localChecksum === checksum) return { ...base, changed: false };
  if (!ctx.check) {
    await ctx.controller.mkdirp(dirname(dest));
    await ctx.controller.writeFile(dest, data);
  }
  return { ...base, changed: true };
}

export const fetchSpec: ModuleSpec = {
  name: 'fetch',
  args: {
    src: { type: 'str', required: true },
    dest: { type: 'str', required: true },
    flat: { type: 'bool', default: false },
    fail_on_missing: { type: 'bool', default: true },
    validate_checksum: { type: 'bool', default: true },
  },
};

export const fetchModule: ModuleDefinition = defineModule(fetchSpec, { supportsCheck: true, run });
