/**
 * `unarchive`: unpacks a tar (gz, bz2, xz, zst) or zip archive into an existing `dest` ON THE TARGET with the
 * host's tar/unzip. The archive is a controller file (copied over first), a file on the host (`remote_src`), or
 * a URL the host downloads. It is unpacked into a scratch folder beside `dest` and compared with what is there,
 * so a second run changes nothing; only then is it copied into `dest`. `creates` skips the task.
 */
import { optBool, optString } from './args.js';
import { parseModeOrFail } from './copy.js';
import { ModuleFailure, tail } from './failure.js';
import { httpRequest } from './http-request.js';
import { remoteStat, writeRemoteFile } from './remote-files.js';
import { findControllerSource } from './search-path.js';
import { modeArg } from './args.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

/** Which tool unpacks `name`, as Ansible names its handlers. Pure. */
export function archiveHandler(name: string): { handler: string; extract: (src: string, dir: string) => string; tool: string } {
  const lower = name.toLowerCase().replace(/[?#].*$/, '');
  if (lower.endsWith('.zip')) return { handler: 'ZipArchive', tool: 'unzip', extract: (s, d) => `unzip -q -o ${s} -d ${d}` };
  const handler = /\.(tgz|tar\.gz)$/.test(lower) ? 'TgzArchive' : 'TarArchive';
  return { handler, tool: 'tar', extract: (s, d) => `tar --extract -C ${d} -f ${s}` };
}

const CHANGED = 10;

/** Unpacks into a scratch folder, compares every entry with dest, and copies in when something differs. */
export function unpackScript(src: string, dest: string, extract: (src: string, dir: string) => string, check: boolean): string {
  const s = shellQuote(src);
  const d = shellQuote(dest);
  const trimmed = dest.replace(/\/+$/, '');
  const parent = trimmed.slice(0, trimmed.lastIndexOf('/')) || '/';
  return [
    `scratch=$(mktemp -d ${shellQuote(`${parent.replace(/\/$/, '')}/.drydock-unarchive.XXXXXX`)}) || exit 1`,
    `trap 'rm -rf -- "$scratch"' EXIT`,
    `${extract(s, '"$scratch"')} >&2 || exit 3`,
    // What the archive holds that dest lacks or holds differently; files only dest has do not count.
    `differs=$(LC_ALL=C diff -rq --no-dereference -- "$scratch" ${d} 2>&1 | grep -v -F -e "Only in $(cd ${d} && pwd)" -e ${shellQuote(`Only in ${trimmed}`)})`,
    '[ -z "$differs" ] && exit 0',
    check ? `exit ${CHANGED}` : `cp -a -- "$scratch"/. ${d}/ || exit 4`,
    `find "$scratch" -mindepth 1 -maxdepth 1 -printf '%P\\n'`,
    `exit ${CHANGED}`,
  ].join('\n');
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  let src = optString(ctx.args, 'src')!;
  const dest = optString(ctx.args, 'dest')!;
  const creates = optString(ctx.args, 'creates');
  if (creates && (await ctx.exec(`test -e ${shellQuote(creates)}`)).code === 0) return { changed: false, skipped: true, msg: `skipped, since ${creates} exists` };
  const destStat = await remoteStat(ctx, dest, true, false);
  if (destStat.type !== 'directory') throw new ModuleFailure(`dest '${dest}' must be an existing dir`);
  const { handler, extract, tool } = archiveHandler(src);
  if ((await ctx.exec(`command -v ${tool}`)).code !== 0) throw new ModuleFailure(`unarchive: ${tool} is not installed on ${ctx.target} (needed for ${src})`);
  const cleanup: string[] = [];
  try {
    if (/^https?:\/\//.test(src)) {
      const tmp = (await ctx.exec('mktemp')).stdout.trim();
      cleanup.push(tmp);
      const response = await httpRequest(ctx, { url: src, timeoutS: 60, validateCerts: optBool(ctx.args, 'validate_certs') !== false, followRedirects: true, outFile: tmp });
      if (response.status !== 200) throw new ModuleFailure(`Failure downloading ${src}, HTTP Error ${response.status}`);
      src = tmp;
    } else if (!optBool(ctx.args, 'remote_src')) {
      const found = await findControllerSource(ctx, src, 'files');
      if (!found.path) throw new ModuleFailure(`Could not find or access '${src}' on the controller (looked in: ${found.tried.join(', ')})`);
      const tmp = (await ctx.exec('mktemp')).stdout.trim();
      cleanup.push(tmp);
      await writeRemoteFile(ctx, tmp, await ctx.controller.readFile(found.path));
      src = tmp;
    } else if ((await ctx.exec(`test -f ${shellQuote(src)}`)).code !== 0) throw new ModuleFailure(`Source '${src}' does not exist`);
    const result = await ctx.exec(unpackScript(src, dest, extract, ctx.check));
    if (result.code !== 0 && result.code !== CHANGED) throw new ModuleFailure(`Failed to unpack ${src} into ${dest}: ${tail(result.stderr) || `exit status ${result.code}`}`, { handler });
    const changed = result.code === CHANGED;
    const out: ModuleResult = { changed, dest, src: optString(ctx.args, 'src')!, handler };
    if (changed && !ctx.check) {
      out.extract_results = { cmd: extract(src, dest), rc: 0, out: '', err: '' };
      const entries = result.stdout.split('\n').filter(Boolean).map((e) => `${dest.replace(/\/+$/, '')}/${e}`);
      const mode = parseModeOrFail(ctx.args.mode);
      const owner = optString(ctx.args, 'owner');
      const group = optString(ctx.args, 'group');
      const lines = [owner ? `chown -R ${shellQuote(owner)}` : '', group ? `chgrp -R ${shellQuote(group)}` : '', mode ? `chmod -R ${shellQuote(modeArg(mode))}` : ''].filter(Boolean);
      for (const line of lines) {
        const r = await ctx.exec(`${line} -- ${entries.map(shellQuote).join(' ')}`);
        if (r.code !== 0) throw new ModuleFailure(`could not set attributes in ${dest}: ${tail(r.stderr)}`);
      }
    }
    const after = await remoteStat(ctx, dest, true, false);
    return { ...out, state: 'directory', mode: (after.mode ?? 0).toString(8).padStart(4, '0'), owner: after.owner, group: after.group, uid: after.uid, gid: after.gid, size: after.size };
  } finally {
    if (cleanup.length > 0) await ctx.exec(`rm -f -- ${cleanup.map(shellQuote).join(' ')}`);
  }
}

export const unarchiveSpec: ModuleSpec = {
  name: 'unarchive',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    remote_src: { type: 'bool', default: false },
    creates: { type: 'path' },
    validate_certs: { type: 'bool', default: true },
    keep_newer: { type: 'bool', default: false },
    list_files: { type: 'bool', default: false },
    ...ownership,
  },
};

export const unarchiveModule: ModuleDefinition = defineModule(unarchiveSpec, { supportsCheck: true, run });
