/**
 * What lineinfile and blockinfile share around their pure edits (lineinfile-edit.ts, blockinfile-edit.ts): a bad
 * regular expression as the task's failure, writing the edited text back (creating the parent folder of a new
 * file, a backup when asked) and applying the attributes when the text is unchanged.
 */
import { optBool, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { applyAttributes, backupRemoteFile, writeRemoteFile, type Attributes, type RemoteStat } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult } from './types.js';

/** Runs a pure edit; a regular expression it cannot compile fails the task instead of throwing. */
export function editOrFail<T>(edit: () => T): T {
  try {
    return edit();
  } catch (err) {
    if (err instanceof SyntaxError) throw new ModuleFailure(`invalid regular expression: ${err.message}`);
    throw err;
  }
}

/**
 * Writes the edited text to `path` atomically (validate as the task says): a new file's parent folder is made
 * first, an existing file is backed up first when the task asks. Returns the backup's path, if one was made.
 */
export async function writeEditedFile(ctx: ModuleContext, path: string, text: string, attrs: Attributes, existed: boolean): Promise<string | undefined> {
  if (!existed) {
    const dir = path.slice(0, path.lastIndexOf('/'));
    if (dir) await ctx.exec(`mkdir -p -- ${shellQuote(dir)}`);
  }
  const backup = optBool(ctx.args, 'backup') && existed ? await backupRemoteFile(ctx, path) : undefined;
  await writeRemoteFile(ctx, path, text, attrs, optString(ctx.args, 'validate'));
  return backup;
}

/** Applies the attributes to the unchanged file; when that changes anything, `result` says so. */
export async function applyAttributesTo(result: ModuleResult, ctx: ModuleContext, path: string, stat: RemoteStat, attrs: Attributes): Promise<void> {
  if (await applyAttributes(ctx, path, stat, attrs)) {
    result.changed = true;
    result.msg = result.msg ? `${result.msg} and ownership, perms or SE linux context changed` : 'ownership, perms or SE linux context changed';
  }
}
