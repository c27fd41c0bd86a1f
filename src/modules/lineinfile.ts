/**
 * `lineinfile`: reads the file from the target, computes the edit on the controller (lineinfile-edit.ts),
 * and writes it back atomically only when the text changed.
 */
import { optBool, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { editLines, type LineEdit } from './lineinfile-edit.js';
import { attributesFromArgs } from './copy.js';
import { applyAttributesTo, editOrFail, writeEditedFile } from './infile.js';
import { readRemoteFile, remoteStat } from './remote-files.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, ownership } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

function editFromArgs(args: Record<string, unknown>): LineEdit {
  const edit: LineEdit = { state: optString(args, 'state') === 'absent' ? 'absent' : 'present' };
  const keys = [
    ['line', 'line'],
    ['regexp', 'regexp'],
    ['search_string', 'searchString'],
    ['insertafter', 'insertafter'],
    ['insertbefore', 'insertbefore'],
  ] as const;
  for (const [arg, field] of keys) {
    const value = optString(args, arg);
    if (value !== undefined) edit[field] = value;
  }
  if (optBool(args, 'backrefs')) edit.backrefs = true;
  if (optBool(args, 'firstmatch')) edit.firstmatch = true;
  if (edit.state === 'absent' && edit.line === undefined && edit.regexp === undefined && edit.searchString === undefined) {
    throw new ModuleFailure('one of line, regexp or search_string is required with state=absent');
  }
  return edit;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const path = optString(ctx.args, 'path') ?? '';
  const edit = editFromArgs(ctx.args);
  const attrs = attributesFromArgs(ctx.args);

  const current = await readRemoteFile(ctx, path);
  if (current === undefined) {
    if (edit.state === 'absent') return { changed: false, msg: 'file not present', found: 0, path };
    if (!optBool(ctx.args, 'create')) throw new ModuleFailure(`Destination ${path} does not exist !`, { rc: 257 });
  }
  const before = current?.toString('utf8') ?? '';
  const outcome = editOrFail(() => editLines(before, edit));
  const result: ModuleResult = { changed: outcome.changed, msg: outcome.msg, path, ...(outcome.found !== undefined ? { found: outcome.found } : {}) };
  if (ctx.diff && (outcome.changed || current === undefined)) result.diff = [{ path, before, after: outcome.text }];
  const mustWrite = outcome.changed || current === undefined;
  if (mustWrite) {
    result.changed = true;
    if (current === undefined && !outcome.msg) result.msg = 'file created';
    if (ctx.check) return result;
    const backup = await writeEditedFile(ctx, path, outcome.text, attrs, current !== undefined);
    if (backup !== undefined) result.backup = result.backup_file = backup;
    return result;
  }
  await applyAttributesTo(result, ctx, path, await remoteStat(ctx, path, true, false), attrs);
  return result;
}

export const lineinfileSpec: ModuleSpec = {
  name: 'lineinfile',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
    regexp: { type: 'str', aliases: ['regex'] },
    search_string: str,
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    line: { type: 'str', aliases: ['value'] },
    backrefs: { type: 'bool', default: false },
    insertafter: str,
    insertbefore: str,
    create: { type: 'bool', default: false },
    backup: { type: 'bool', default: false },
    firstmatch: { type: 'bool', default: false },
    validate: str,
    ...ownership,
  },
  mutuallyExclusive: [
    ['insertbefore', 'insertafter'],
    ['regexp', 'search_string'],
    ['backrefs', 'search_string'],
  ],
  requiredIf: [
    ['backrefs', true, ['regexp']],
    ['state', 'present', ['line']],
  ],
};

export const lineinfileModule: ModuleDefinition = defineModule(lineinfileSpec, { supportsCheck: true, run });
