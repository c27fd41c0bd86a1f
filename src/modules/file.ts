/**
 * `file`: makes a path a file, directory, symbolic or hard link, or absent, and sets its mode and ownership.
 * One stat tells what is there; only the differing part is changed. `touch` is always a change (it updates
 * the timestamps), as in Ansible.
 */
import { optBool, optString } from './args.js';
import { attributesFromArgs } from './copy.js';
import { ModuleFailure, tail } from './failure.js';
import { applyAttributes, remoteStat, type Attributes, type RemoteStat } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { path, ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

type FileState = 'file' | 'directory' | 'absent' | 'touch' | 'link' | 'hard';

async function sh(ctx: ModuleContext, script: string, what: string): Promise<void> {
  const r = await ctx.exec(script);
  if (r.code !== 0) throw new ModuleFailure(`${what}: ${tail(r.stderr) || `exit status ${r.code}`}`);
}

/** Sets attributes on a path that exists now (or, in check mode, would exist with default attributes). */
async function finish(ctx: ModuleContext, path: string, state: FileState, attrs: Attributes, changed: boolean, recurse = false, follow = true): Promise<ModuleResult> {
  const base = { path, state };
  if (ctx.check && changed) return { ...base, changed };
  const stat = await remoteStat(ctx, path, follow, false);
  const attrsChanged = stat.exists ? await applyAttributes(ctx, path, stat, attrs, recurse) : false;
  const after: RemoteStat = attrsChanged && !ctx.check ? await remoteStat(ctx, path, follow, false) : stat;
  return {
    ...base,
    changed: changed || attrsChanged,
    ...(after.mode !== undefined ? { mode: after.mode.toString(8).padStart(4, '0'), owner: after.owner, group: after.group } : {}),
  };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const path = optString(ctx.args, 'path') ?? '';
  const attrs = attributesFromArgs(ctx.args);
  const force = optBool(ctx.args, 'force') === true;
  const follow = optBool(ctx.args, 'follow') !== false;
  const requested = optString(ctx.args, 'state') as FileState | undefined;
  const p = shellQuote(path);
  const linkish = requested === 'link' || requested === 'hard' || requested === 'absent';
  const stat = await remoteStat(ctx, path, linkish ? false : follow, false);
  const state: FileState = requested ?? (stat.exists ? (stat.type === 'directory' ? 'directory' : stat.type === 'link' ? 'link' : 'file') : 'file');

  switch (state) {
    case 'absent': {
      if (!stat.exists) return { path, state, changed: false };
      if (!ctx.check) await sh(ctx, `rm -rf -- ${p}`, `could not remove ${path}`);
      return { path, state, changed: true, diff: ctx.diff ? [{ path, before: `state: ${stat.type}`, after: 'state: absent' }] : undefined };
    }
    case 'directory': {
      if (stat.exists && stat.type !== 'directory') throw new ModuleFailure(`there is already a ${stat.type} at ${path}; it is not a directory`);
      if (!stat.exists && !ctx.check) await sh(ctx, `mkdir -p -- ${p}`, `could not create directory ${path}`);
      return finish(ctx, path, state, attrs, !stat.exists, optBool(ctx.args, 'recurse') === true, follow);
    }
    case 'file': {
      if (!stat.exists) throw new ModuleFailure(`file (${path}) is absent, cannot continue`);
      if (requested === 'file' && stat.type === 'directory') throw new ModuleFailure(`${path} is a directory, not a file (state=file only changes attributes of existing files)`);
      return finish(ctx, path, state, attrs, false, false, follow);
    }
    case 'touch': {
      if (!ctx.check) await sh(ctx, `touch -- ${p}`, `could not touch ${path}`);
      return finish(ctx, path, state, attrs, true, false, follow);
    }
    case 'link':
    case 'hard':
      return link(ctx, path, state, stat, force, attrs);
  }
}

async function link(ctx: ModuleContext, path: string, state: 'link' | 'hard', stat: RemoteStat, force: boolean, attrs: Attributes): Promise<ModuleResult> {
  const src = optString(ctx.args, 'src') ?? '';
  const p = shellQuote(path);
  const s = shellQuote(src);
  let same = false;
  if (state === 'link') same = stat.type === 'link' && stat.linkTarget === src;
  else if (stat.exists) same = (await ctx.exec(`[ ${p} -ef ${s} ]`)).code === 0;
  if (same) return finish(ctx, path, state, attrs, false, false, true);
  if (stat.exists && stat.type !== 'link' && !force) {
    throw new ModuleFailure(`refusing to convert from ${stat.type} to ${state === 'link' ? 'symlink' : 'hard link'} for ${path} (set force: true to replace it)`);
  }
  if (stat.exists && stat.type === 'directory') throw new ModuleFailure(`${path} is a directory; refusing to replace it with a link`);
  if (ctx.check) return { path, state, src, changed: true };
  const command = state === 'link' ? `ln -sfn -- ${s} ${p}` : `ln -f -- ${s} ${p}`;
  await sh(ctx, command, `could not link ${path} to ${src}`);
  return { ...(await finish(ctx, path, state, attrs, true, false, true)), src };
}

export const fileSpec: ModuleSpec = {
  name: 'file',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    state: { type: 'str', choices: ['absent', 'directory', 'file', 'hard', 'link', 'touch'] },
    src: path,
    ...ownership,
    recurse: { type: 'bool', default: false },
    force: { type: 'bool', default: false },
    follow: { type: 'bool', default: true },
  },
  requiredIf: [
    ['state', 'link', ['src']],
    ['state', 'hard', ['src']],
  ],
};

export const fileModule: ModuleDefinition = defineModule(fileSpec, { supportsCheck: true, run });
