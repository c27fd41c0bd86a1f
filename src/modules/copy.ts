/**
 * `copy`: puts `content` or a controller file at `dest`. The content's sha256 is compared with the target's
 * (`sha256sum` on the host), so an identical file is never rewritten; a new one is written to a temp file
 * beside `dest` and renamed over it. Check mode reports the change and writes nothing.
 */
import { createHash } from 'node:crypto';
import { optBool, optString, parseMode, type ModeSpec } from './args.js';
import { ModuleFailure } from './failure.js';
import { findControllerSource } from './search-path.js';
import {
  applyAttributes,
  backupRemoteFile,
  readRemoteFile,
  remoteStat,
  writeRemoteFile,
  type Attributes,
  type RemoteStat,
} from './remote-files.js';
import type { ModuleContext, ModuleDiff, ModuleResult, ModuleDefinition } from './types.js';
import { str, path, ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

export type CopyDecision = 'write' | 'unchanged' | 'keep-existing';

/** Whether the destination must be (re)written. Pure. */
export function decideCopy(dest: RemoteStat, newSha256: string, force: boolean): CopyDecision {
  if (!dest.exists) return 'write';
  if (!force) return 'keep-existing';
  return dest.sha256 === newSha256 ? 'unchanged' : 'write';
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const DIFF_LIMIT = 104_448;

/** Text diffs only: no NUL bytes, not too large (Ansible's max_diff_size is 104448 bytes). */
export function diffable(data: Buffer | undefined): boolean {
  return data === undefined || (data.length <= DIFF_LIMIT && !data.includes(0));
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

async function loadSource(ctx: ModuleContext): Promise<{ data: Buffer; src?: string }> {
  const content = ctx.args.content;
  if (content !== undefined && content !== null) {
    return { data: Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)) };
  }
  const src = optString(ctx.args, 'src');
  if (!src) throw new ModuleFailure('one of src or content is required');
  if (src.endsWith('/')) throw new ModuleFailure(`src ${src} is a directory: copying directories is not supported; copy files one by one`);
  if (optBool(ctx.args, 'remote_src')) {
    const data = await readRemoteFile(ctx, src);
    if (!data) throw new ModuleFailure(`Source ${src} not found on ${ctx.target}`);
    return { data, src };
  }
  const found = await findControllerSource(ctx, src, 'files');
  if (!found.path) throw new ModuleFailure(`could not find src=${src} on the controller (looked in: ${found.tried.join(', ')})`);
  try {
    return { data: await ctx.controller.readFile(found.path), src: found.path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new ModuleFailure(`src ${src} is a directory: copying directories is not supported; copy files one by one`);
    throw new ModuleFailure(`could not read src=${src} on the controller: ${(err as Error).message}`);
  }
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const { data, src } = await loadSource(ctx);
  return deliverContent(ctx, data, src);
}

/**
 * Puts `data` at the task's `dest` with its mode/owner/group/backup/validate/force arguments: compared by
 * sha256 first, written only when it differs (copy, and template after rendering).
 */
export async function deliverContent(ctx: ModuleContext, data: Buffer, src?: string): Promise<ModuleResult> {
  let dest = optString(ctx.args, 'dest') ?? '';
  const attrs = attributesFromArgs(ctx.args);

  let stat = await remoteStat(ctx, dest);
  if (dest.endsWith('/') || stat.type === 'directory') {
    if (!src) throw new ModuleFailure(`dest ${dest} is a directory; with content, dest must be a file path`);
    dest = `${dest.replace(/\/+$/, '')}/${basename(src)}`;
    stat = await remoteStat(ctx, dest);
  }
  if (stat.exists && stat.type !== 'file') throw new ModuleFailure(`dest ${dest} exists and is not a regular file (${stat.type})`);
  const checksum = sha256Hex(data);
  const base = { dest, checksum, size: data.length, ...(src ? { src } : {}) };
  const decision = decideCopy(stat, checksum, optBool(ctx.args, 'force') !== false);

  if (decision !== 'write') {
    const attrsChanged = stat.exists ? await applyAttributes(ctx, dest, stat, attrs) : false;
    return { ...base, changed: attrsChanged, ...(decision === 'keep-existing' ? { msg: 'file already exists' } : {}) };
  }

  const result: ModuleResult = { ...base, changed: true };
  if (ctx.diff) {
    const before = stat.exists ? await readRemoteFile(ctx, dest) : undefined;
    if (diffable(before) && diffable(data)) {
      const diff: ModuleDiff = { path: dest, before: before?.toString('utf8') ?? '', after: data.toString('utf8') };
      result.diff = [diff];
    }
  }
  if (ctx.check) return result;
  if (optBool(ctx.args, 'backup') && stat.exists) result.backup_file = await backupRemoteFile(ctx, dest);
  await writeRemoteFile(ctx, dest, data, attrs, optString(ctx.args, 'validate'));
  return result;
}

export function parseModeOrFail(value: unknown): ModeSpec | undefined {
  try {
    return parseMode(value);
  } catch (err) {
    throw new ModuleFailure((err as Error).message);
  }
}

/** The mode, owner and group a file task asks for (its `mode`, `owner`, `group` arguments). */
export function attributesFromArgs(args: Record<string, unknown>): Attributes {
  const attrs: Attributes = {};
  const mode = parseModeOrFail(args.mode);
  if (mode) attrs.mode = mode;
  const owner = optString(args, 'owner');
  const group = optString(args, 'group');
  if (owner) attrs.owner = owner;
  if (group) attrs.group = group;
  return attrs;
}

export const copySpec: ModuleSpec = {
  name: 'copy',
  args: {
    src: path,
    content: { type: 'str' },
    dest: { type: 'path', required: true },
    ...ownership,
    backup: { type: 'bool', default: false },
    force: { type: 'bool', aliases: ['thirsty'], default: true },
    remote_src: { type: 'bool', default: false },
    validate: str,
    directory_mode: { type: 'raw' },
  },
  mutuallyExclusive: [['src', 'content']],
  requiredOneOf: [['src', 'content']],
};

export const copyModule: ModuleDefinition = defineModule(copySpec, { supportsCheck: true, run });
