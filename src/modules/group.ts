/**
 * `group`: a local group present (with `gid`, `system`) or absent, through getent and groupadd/groupmod/groupdel
 * on the target; idempotent, --check reports without changing.
 */
import { optBool, optInt, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

/** Runs a user/group tool; a non-zero exit fails the task with its message. */
export async function runTool(ctx: ModuleContext, argv: string[], stdin?: string): Promise<void> {
  const r = await ctx.exec(argv.map(shellQuote).join(' '), stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new ModuleFailure(`${argv[0]} failed: ${tail(r.stderr) || `exit status ${r.code}`}`, { rc: r.code });
}

/** A getent entry's fields, or undefined when there is none. */
export async function getent(ctx: ModuleContext, db: 'passwd' | 'group', name: string): Promise<string[] | undefined> {
  const r = await ctx.exec(`getent ${db} ${shellQuote(name)}`);
  if (r.code === 2) return undefined;
  if (r.code !== 0) throw new ModuleFailure(`getent ${db} ${name} failed: ${tail(r.stderr) || `exit status ${r.code}`}`);
  return r.stdout.trim().split(':');
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name')!;
  const state = optString(ctx.args, 'state') ?? 'present';
  const gid = optInt(ctx.args, 'gid');
  const system = optBool(ctx.args, 'system') === true;
  const entry = await getent(ctx, 'group', name);
  if (state === 'absent') {
    if (entry && !ctx.check) await runTool(ctx, ['groupdel', name]);
    return { changed: entry !== undefined, name, state };
  }
  const base = { name, state, system };
  if (!entry) {
    if (!ctx.check) await runTool(ctx, ['groupadd', ...(gid !== undefined ? ['-g', String(gid)] : []), ...(system ? ['-r'] : []), name]);
    const now = ctx.check ? undefined : await getent(ctx, 'group', name);
    return { ...base, changed: true, gid: now ? Number(now[2]) : (gid ?? null) };
  }
  if (gid !== undefined && Number(entry[2]) !== gid) {
    if (!ctx.check) await runTool(ctx, ['groupmod', '-g', String(gid), name]);
    return { ...base, changed: true, gid };
  }
  return { ...base, changed: false, gid: Number(entry[2]) };
}

export const groupSpec: ModuleSpec = {
  name: 'group',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    gid: { type: 'int' },
    system: { type: 'bool', default: false },
    local: { type: 'bool', default: false },
    non_unique: { type: 'bool', default: false },
  },
};

export const groupModule: ModuleDefinition = defineModule(groupSpec, { supportsCheck: true, run });
