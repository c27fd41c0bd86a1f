/**
 * `blockinfile`: reads the file from the target, computes the edit on the controller (blockinfile-edit.ts)
 * and writes it back atomically only when the text changed (then mode/owner/group as lineinfile does).
 */
import { optBool, optString } from './args.js';
import { editBlock, type BlockEdit } from './blockinfile-edit.js';
import { ModuleFailure } from './failure.js';
import { attributesFromArgs } from './copy.js';
import { applyAttributesTo, editOrFail, writeEditedFile } from './infile.js';
import { readRemoteFile, remoteStat } from './remote-files.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const path = optString(ctx.args, 'path')!;
  const attrs = attributesFromArgs(ctx.args);
  const edit: BlockEdit = {
    state: optString(ctx.args, 'state') === 'absent' ? 'absent' : 'present',
    block: optString(ctx.args, 'block') ?? '',
    marker: optString(ctx.args, 'marker') ?? '# {mark} ANSIBLE MANAGED BLOCK',
    markerBegin: optString(ctx.args, 'marker_begin') ?? 'BEGIN',
    markerEnd: optString(ctx.args, 'marker_end') ?? 'END',
  };
  const after = optString(ctx.args, 'insertafter');
  const before = optString(ctx.args, 'insertbefore');
  if (after !== undefined) edit.insertafter = after;
  if (before !== undefined) edit.insertbefore = before;

  const stat = await remoteStat(ctx, path, true, false);
  if (stat.type === 'directory') throw new ModuleFailure('Path is a directory !', { rc: 256 });
  const current = stat.exists ? await readRemoteFile(ctx, path) : undefined;
  if (current === undefined && !optBool(ctx.args, 'create')) throw new ModuleFailure(`Path ${path} does not exist !`, { rc: 257 });
  const original = current?.toString('utf8');
  const outcome = editOrFail(() => editBlock(original, edit));
  const result: ModuleResult = { changed: outcome.changed, msg: outcome.msg };
  if (ctx.diff) result.diff = [{ path, before: original ?? '', after: outcome.text }];
  if (outcome.changed) {
    if (ctx.check) return result;
    const backup = await writeEditedFile(ctx, path, outcome.text, attrs, current !== undefined);
    if (backup !== undefined) result.backup_file = backup;
    return result;
  }
  if (stat.exists) await applyAttributesTo(result, ctx, path, stat, attrs);
  return result;
}

export const blockinfileSpec: ModuleSpec = {
  name: 'blockinfile',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    marker: { type: 'str', default: '# {mark} ANSIBLE MANAGED BLOCK' },
    block: { type: 'str', default: '', aliases: ['content'] },
    insertafter: str,
    insertbefore: str,
    create: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    marker_begin: { type: 'str', default: 'BEGIN' },
    marker_end: { type: 'str', default: 'END' },
    validate: str,
    ...ownership,
  },
  mutuallyExclusive: [['insertbefore', 'insertafter']],
};

export const blockinfileModule: ModuleDefinition = defineModule(blockinfileSpec, { supportsCheck: true, run });
