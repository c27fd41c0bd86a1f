/**
 * `user`: a local account present or absent, through getent, `id -Gn` and useradd/usermod/userdel on the target:
 * uid, primary group, supplementary groups (replaced, or added to with `append`), shell, home (moved with
 * move_home), comment, system, create_home, an already-hashed `password` (set with `chpasswd -e` from stdin,
 * never on a command line, and masked in the result). Idempotent; --check reports without changing.
 */
import { optBool, optInt, optList, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { getent, runTool } from './group.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

interface Wanted {
  uid?: number;
  group?: string;
  groups?: string[];
  append: boolean;
  shell?: string;
  home?: string;
  comment?: string;
}

/** usermod flags for what differs between the account and what is wanted. Pure. */
export function usermodArgs(current: { uid: number; gid: number; groupName: string; groupGid: (g: string) => number | undefined; groups: string[]; shell: string; home: string; comment: string }, wanted: Wanted, moveHome: boolean): string[] {
  const args: string[] = [];
  if (wanted.uid !== undefined && wanted.uid !== current.uid) args.push('-u', String(wanted.uid));
  if (wanted.group !== undefined && wanted.group !== current.groupName && current.groupGid(wanted.group) !== current.gid) args.push('-g', wanted.group);
  if (wanted.groups !== undefined) {
    const extra = current.groups.filter((g) => g !== current.groupName);
    const wantedSet = wanted.groups.filter((g) => g !== (wanted.group ?? current.groupName));
    const missing = wantedSet.filter((g) => !extra.includes(g));
    const surplus = extra.filter((g) => !wantedSet.includes(g));
    if (missing.length > 0 || (!wanted.append && surplus.length > 0)) args.push(...(wanted.append ? ['-a', '-G', missing.join(',')] : ['-G', wantedSet.join(',')]));
  }
  if (wanted.shell !== undefined && wanted.shell !== current.shell) args.push('-s', wanted.shell);
  if (wanted.home !== undefined && wanted.home !== current.home) args.push('-d', wanted.home, ...(moveHome ? ['-m'] : []));
  if (wanted.comment !== undefined && wanted.comment !== current.comment) args.push('-c', wanted.comment);
  return args;
}

async function shadowHash(ctx: ModuleContext, name: string): Promise<string | undefined> {
  const r = await ctx.exec(`getent shadow ${name.replace(/[^\w.-]/g, '')} | cut -d: -f2`);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name')!;
  const state = optString(ctx.args, 'state') ?? 'present';
  const entry = await getent(ctx, 'passwd', name);
  if (state === 'absent') {
    if (entry && !ctx.check) await runTool(ctx, ['userdel', ...(optBool(ctx.args, 'remove') ? ['-r'] : []), ...(optBool(ctx.args, 'force') ? ['-f'] : []), name]);
    return { changed: entry !== undefined, name, state, force: optBool(ctx.args, 'force') === true, remove: optBool(ctx.args, 'remove') === true };
  }
  const uid = optInt(ctx.args, 'uid');
  const wanted: Wanted = { append: optBool(ctx.args, 'append') === true };
  if (uid !== undefined) wanted.uid = uid;
  for (const key of ['group', 'shell', 'home', 'comment'] as const) {
    const v = optString(ctx.args, key);
    if (v !== undefined) wanted[key] = v;
  }
  const groups = optList(ctx.args, 'groups');
  if (groups !== undefined) wanted.groups = groups;
  for (const g of [...(wanted.group ? [wanted.group] : []), ...(groups ?? [])]) {
    if (!(await getent(ctx, 'group', g))) throw new ModuleFailure(`Group ${g} does not exist`);
  }
  const password = optString(ctx.args, 'password');
  const system = optBool(ctx.args, 'system') === true;
  let changed = false;
  if (!entry) {
    const createHome = optBool(ctx.args, 'create_home') !== false;
    const argv = ['useradd'];
    if (uid !== undefined) argv.push('-u', String(uid));
    if (wanted.group) argv.push('-g', wanted.group);
    if (groups && groups.length > 0) argv.push('-G', groups.join(','));
    if (wanted.shell) argv.push('-s', wanted.shell);
    if (wanted.home) argv.push('-d', wanted.home);
    if (wanted.comment !== undefined) argv.push('-c', wanted.comment);
    if (system) argv.push('-r');
    argv.push(createHome ? '-m' : '-M', name);
    if (!ctx.check) await runTool(ctx, argv);
    changed = true;
  } else {
    const [, , curUid, curGid, comment = '', home = '', shell = ''] = entry;
    const idGroups = await ctx.exec(`id -Gn -- ${name.replace(/[^\w.-]/g, '')}`);
    const groupEntry = await getent(ctx, 'group', String(curGid));
    const gidOf = new Map<string, number | undefined>();
    if (wanted.group) gidOf.set(wanted.group, Number((await getent(ctx, 'group', wanted.group))?.[2]));
    const args = usermodArgs(
      { uid: Number(curUid), gid: Number(curGid), groupName: groupEntry?.[0] ?? '', groupGid: (g) => gidOf.get(g), groups: idGroups.stdout.trim().split(/\s+/).filter(Boolean), shell, home, comment },
      wanted,
      optBool(ctx.args, 'move_home') === true,
    );
    if (args.length > 0) {
      if (!ctx.check) await runTool(ctx, ['usermod', ...args, name]);
      changed = true;
    }
  }
  if (password !== undefined && (!entry || (await shadowHash(ctx, name)) !== password)) {
    if (!ctx.check) await runTool(ctx, ['chpasswd', '-e'], `${name}:${password}\n`);
    changed = true;
  }
  const now = ctx.check ? entry : await getent(ctx, 'passwd', name);
  const result: ModuleResult = { changed, name, state, append: wanted.append, system, ...(groups !== undefined ? { groups: groups.join(',') } : {}), ...(password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {}) };
  if (now) Object.assign(result, { uid: Number(now[2]), group: Number(now[3]), comment: now[4] ?? '', home: now[5] ?? '', shell: now[6] ?? '' });
  if (!entry) result.create_home = optBool(ctx.args, 'create_home') !== false;
  return result;
}

export const userSpec: ModuleSpec = {
  name: 'user',
  args: {
    name: { type: 'str', required: true, aliases: ['user'] },
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    uid: { type: 'int' },
    group: { type: 'str' },
    groups: { type: 'list' },
    append: { type: 'bool', default: false },
    shell: { type: 'str' },
    home: { type: 'path' },
    comment: { type: 'str' },
    system: { type: 'bool', default: false },
    create_home: { type: 'bool', default: true, aliases: ['createhome'] },
    move_home: { type: 'bool', default: false },
    password: { type: 'str' },
    remove: { type: 'bool', default: false },
    force: { type: 'bool', default: false },
  },
};

export const userModule: ModuleDefinition = defineModule(userSpec, { supportsCheck: true, run });
