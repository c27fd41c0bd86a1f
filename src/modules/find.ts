/**
 * `find`: files on the target chosen as Ansible's find chooses them (paths, patterns/excludes as globs or
 * regexes on the base name, file_type, age, size, recurse/depth, hidden, contains, follow). One `find -printf`
 * per run lists every entry with its stat fields; the choice is made here; `contains` and checksums are one
 * more command on the chosen files.
 */
import { globToRegExp } from '../inventory/glob.js';
import { optBool, optInt, optList, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { pythonRegExp } from './lineinfile-edit.js';
import { statInfo } from './stat-info.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const TYPE_BITS: Record<string, number> = { s: 0o140000, l: 0o120000, f: 0o100000, b: 0o060000, d: 0o040000, c: 0o020000, p: 0o010000 };
const FIND_FORMAT = '%y|%m|%U|%G|%u|%g|%s|%A@|%T@|%C@|%i|%D|%n|%p\\0';

/** The listing script: the target's clock, then per path either its entries (NUL-separated) or a skip mark. */
export function findScript(paths: string[], depth: number | undefined, follow: boolean): string {
  const lines = ['printf "%s\\0" "$(date +%s.%N)"'];
  for (const p of paths) {
    const q = shellQuote(p);
    const max = depth !== undefined ? ` -maxdepth ${depth}` : '';
    lines.push(`if [ -d ${q} ] && [ -r ${q} ]; then printf 'P\\0'; find ${follow ? '-L ' : ''}${q} -mindepth 1${max} -printf '${FIND_FORMAT}' 2>/dev/null; printf 'E\\0'; else printf 'S\\0'; fi`);
  }
  return lines.join('\n');
}

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function quantity(text: string, units: Record<string, number>, what: string): number {
  const m = /^(-?\d+)([a-z]?)b?$/i.exec(text.trim());
  const unit = m?.[2]?.toLowerCase() ?? '';
  if (!m || (unit !== '' && units[unit] === undefined)) throw new ModuleFailure(`failed to process ${what} "${text}"`);
  return Number(m[1]) * (unit ? units[unit]! : 1);
}

function matcher(patterns: string[] | undefined, regex: boolean): ((name: string) => boolean) | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  let res: RegExp[];
  try {
    res = patterns.map((p) => (regex ? new RegExp(`^(?:${pythonRegExp(p).source})`) : globToRegExp(p)));
  } catch (err) {
    throw new ModuleFailure(`invalid pattern: ${(err as Error).message}`);
  }
  return (name) => res.some((r) => r.test(name));
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const paths = optList(ctx.args, 'paths') ?? [];
  const recurse = optBool(ctx.args, 'recurse') === true;
  const depth = recurse ? optInt(ctx.args, 'depth') : 1;
  const useRegex = optBool(ctx.args, 'use_regex') === true;
  const include = matcher(optList(ctx.args, 'patterns'), useRegex);
  const exclude = matcher(optList(ctx.args, 'excludes'), useRegex);
  const fileType = optString(ctx.args, 'file_type') ?? 'file';
  const hidden = optBool(ctx.args, 'hidden') === true;
  const age = optString(ctx.args, 'age');
  const ageSeconds = age !== undefined ? quantity(age, AGE_UNITS, 'age') : undefined;
  const ageStamp = optString(ctx.args, 'age_stamp') ?? 'mtime';
  const size = optString(ctx.args, 'size');
  const sizeBytes = size !== undefined ? quantity(size, SIZE_UNITS, 'size') : undefined;

  const listing = await ctx.exec(findScript(paths, depth, optBool(ctx.args, 'follow') === true), { maxOutputBytes: 256 * 1024 * 1024 });
  if (listing.code !== 0) throw new ModuleFailure(`could not list ${paths.join(', ')}: ${tail(listing.stderr) || `exit status ${listing.code}`}`);
  const records = listing.stdout.split('\0');
  const now = Number(records.shift());
  const skipped: Record<string, string> = {};
  const files: Record<string, unknown>[] = [];
  let examined = 0;
  let pathIndex = 0;
  for (const record of records) {
    if (record === 'P') pathIndex++;
    if (record === 'P' || record === 'E' || record === '') continue;
    if (record === 'S') {
      const p = paths[pathIndex++]!;
      skipped[p] = `${p} was skipped as it does not seem to be a valid directory or it cannot be accessed`;
      continue;
    }
    if (!/^[a-zA-Z]\|/.test(record)) continue;
    examined++;
    const fields = record.split('|');
    const path = fields.slice(13).join('|');
    const [type, perm, ...rest] = fields.slice(0, 13);
    const raw = ((TYPE_BITS[type!] ?? 0) | parseInt(perm!, 8)).toString(16);
    const [uid, gid, user, group, bytes, atime, mtime, ctime, inode, dev, nlink] = rest;
    const info = statInfo([raw, uid, gid, user, group, bytes, atime, mtime, ctime, inode, dev, nlink, '0', '0', '0'].join('|'), path);
    for (const key of ['exists', 'block_size', 'blocks', 'device_type']) delete info[key];
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!hidden && name.startsWith('.')) continue;
    const typeOk = fileType === 'any' || (fileType === 'file' && info.isreg) || (fileType === 'directory' && info.isdir) || (fileType === 'link' && info.islnk);
    if (!typeOk) continue;
    if (include && !include(name)) continue;
    if (exclude && exclude(name)) continue;
    if (ageSeconds !== undefined) {
      const elapsed = now - (info[ageStamp] as number);
      if (ageSeconds >= 0 ? elapsed < ageSeconds : elapsed > -ageSeconds) continue;
    }
    if (sizeBytes !== undefined && info.isreg) {
      const s = info.size as number;
      if (sizeBytes >= 0 ? s < sizeBytes : s > -sizeBytes) continue;
    }
    files.push(info);
  }
  let chosen = files.sort((a, b) => String(a.path).localeCompare(String(b.path)));
  const contains = optString(ctx.args, 'contains');
  if (contains !== undefined) chosen = await filterContains(ctx, chosen, contains, optBool(ctx.args, 'read_whole_file') === true);
  if (optBool(ctx.args, 'get_checksum') && chosen.length > 0) await addChecksums(ctx, chosen);
  const allExamined = Object.keys(skipped).length === 0;
  return { changed: false, files: chosen, matched: chosen.length, examined, msg: allExamined ? 'All paths examined' : 'Not all paths examined, check warnings for details', skipped_paths: skipped };
}

/** Keeps the regular files in which a line starts with a match of `pattern` (the whole file: anywhere in it). */
async function filterContains(ctx: ModuleContext, files: Record<string, unknown>[], pattern: string, whole: boolean): Promise<Record<string, unknown>[]> {
  const regular = files.filter((f) => f.isreg);
  if (regular.length === 0) return [];
  const grep = whole ? `grep -lzP -- ${shellQuote(pattern)}` : `grep -lP -- ${shellQuote(`^(?:${pattern})`)}`;
  const result = await ctx.exec(`xargs -0 ${grep} 2>/dev/null; true`, { stdin: Buffer.from(regular.map((f) => `${String(f.path)}\0`).join('')) });
  const hits = new Set(result.stdout.split('\n').filter(Boolean));
  return regular.filter((f) => hits.has(String(f.path)));
}

async function addChecksums(ctx: ModuleContext, files: Record<string, unknown>[]): Promise<void> {
  const regular = files.filter((f) => f.isreg);
  const result = await ctx.exec('xargs -0 -r sha1sum -- 2>/dev/null; true', { stdin: Buffer.from(regular.map((f) => `${String(f.path)}\0`).join('')) });
  const sums = new Map(result.stdout.split('\n').filter(Boolean).map((line) => [line.slice(42), line.slice(0, 40)] as const));
  for (const f of regular) {
    const sum = sums.get(String(f.path));
    if (sum) f.checksum = sum;
  }
}

export const findSpec: ModuleSpec = {
  name: 'find',
  args: {
    paths: { type: 'list', required: true, aliases: ['name', 'path'] },
    patterns: { type: 'list', default: [], aliases: ['pattern'] },
    excludes: { type: 'list', aliases: ['exclude'] },
    contains: { type: 'str' },
    read_whole_file: { type: 'bool', default: false },
    file_type: { type: 'str', choices: ['any', 'directory', 'file', 'link'], default: 'file' },
    age: { type: 'str' },
    age_stamp: { type: 'str', choices: ['atime', 'ctime', 'mtime'], default: 'mtime' },
    size: { type: 'str' },
    recurse: { type: 'bool', default: false },
    hidden: { type: 'bool', default: false },
    follow: { type: 'bool', default: false },
    get_checksum: { type: 'bool', default: false },
    use_regex: { type: 'bool', default: false },
    depth: { type: 'int' },
  },
};

export const findModule: ModuleDefinition = defineModule(findSpec, { supportsCheck: true, run });
