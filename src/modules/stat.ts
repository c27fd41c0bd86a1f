/**
 * `stat`: Ansible's facts about one path on the target (exists, type flags, mode, owner, size, times, sha1
 * checksum, link source/target, access for the connected user, mime type when `file` is there), in one round
 * trip. Never changes anything.
 */
import { optBool, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { STAT_FORMAT, statInfo } from './stat-info.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const ALGORITHMS: Record<string, string> = { md5: 'md5sum', sha1: 'sha1sum', sha224: 'sha224sum', sha256: 'sha256sum', sha384: 'sha384sum', sha512: 'sha512sum' };

/** One script: the stat line, link target, real path, access tests, checksum and mime type, one per line. */
export function statModuleScript(path: string, follow: boolean, checksumTool: string | undefined, mime: boolean): string {
  const p = shellQuote(path);
  const L = follow ? '-L ' : '';
  return [
    `p=${p}`,
    `if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; exit 0; fi`,
    `stat ${L}-c '${STAT_FORMAT}' -- "$p" || exit 1`,
    `if [ -L "$p" ]; then echo "L:$(readlink -- "$p")"; echo "R:$(readlink -f -- "$p")"; else echo L:; echo R:; fi`,
    `a=; [ -r "$p" ] && a=r; [ -w "$p" ] && a="$a"w; [ -x "$p" ] && a="$a"x; echo "A:$a"`,
    checksumTool ? `if [ -f "$p" ] && [ -r "$p" ]; then echo "C:$(${checksumTool} < "$p" | cut -d' ' -f1)"; else echo C:; fi` : 'echo C:',
    mime ? `if command -v file >/dev/null; then echo "M:$(file -b ${L}--mime-type -- "$p")"; echo "E:$(file -b ${L}--mime-encoding -- "$p")"; else echo M:; echo E:; fi` : 'echo M:; echo E:',
  ].join('\n');
}

/** Parses what statModuleScript prints. Pure. */
export function parseStatModule(stdout: string, path: string): Record<string, unknown> {
  const lines = stdout.split('\n');
  if (lines[0] === 'absent') return { exists: false };
  const info = statInfo(lines[0] ?? '', path);
  const field = (tag: string): string => (lines.find((l) => l.startsWith(`${tag}:`)) ?? `${tag}:`).slice(2);
  if (info.islnk) {
    info.lnk_target = field('L');
    info.lnk_source = field('R');
  }
  const access = field('A');
  Object.assign(info, { readable: access.includes('r'), writeable: access.includes('w'), executable: access.includes('x') });
  const checksum = field('C');
  if (checksum) info.checksum = checksum;
  const mime = field('M');
  if (mime) Object.assign(info, { mimetype: mime, charset: field('E') });
  return info;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const path = optString(ctx.args, 'path')!;
  const algorithm = optString(ctx.args, 'checksum_algorithm') ?? 'sha1';
  const tool = optBool(ctx.args, 'get_checksum') !== false ? ALGORITHMS[algorithm] : undefined;
  const result = await ctx.exec(statModuleScript(path, optBool(ctx.args, 'follow') === true, tool, optBool(ctx.args, 'get_mime') !== false));
  if (result.code !== 0) throw new ModuleFailure(`could not stat ${path}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  return { changed: false, stat: parseStatModule(result.stdout, path) };
}

export const statSpec: ModuleSpec = {
  name: 'stat',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    follow: { type: 'bool', default: false },
    get_checksum: { type: 'bool', default: true },
    checksum_algorithm: { type: 'str', choices: Object.keys(ALGORITHMS), default: 'sha1', aliases: ['checksum', 'checksum_algo'] },
    get_mime: { type: 'bool', default: true, aliases: ['mime', 'mime_type', 'mime-type'] },
    get_attributes: { type: 'bool', default: true, aliases: ['attr', 'attributes'] },
    get_md5: { type: 'bool', default: false },
  },
};

export const statModule: ModuleDefinition = defineModule(statSpec, { supportsCheck: true, run });
