/**
 * File operations on the target, shared by copy, file, lineinfile and fetch.
 *
 * Reads and writes go through `ctx.exec` (base64 out, stdin in) rather than SFTP: the SFTP subsystem runs as
 * the login user, so with `become` it can neither read root-only files (admin.conf) nor write into /etc.
 * Writes land in a temporary file in the destination's directory and are renamed over the destination, so a
 * reader never sees a half-written file and an interrupted write leaves the old one intact.
 */
import { ModuleFailure, tail } from './failure.js';
import { modeArg, type ModeSpec } from './args.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext } from './types.js';

export type RemoteFileType = 'file' | 'directory' | 'link' | 'other';

export interface RemoteStat {
  exists: boolean;
  type?: RemoteFileType;
  /** Permission bits as stat prints them in octal (644, 1777). */
  mode?: number;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  size?: number;
  /** For regular files we can read. */
  sha256?: string;
  /** For symbolic links (when not followed). */
  linkTarget?: string;
}

const FILE_TYPES: Record<string, RemoteFileType> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
};

/** Parses what `statScript` prints. Pure. */
export function parseStat(stdout: string): RemoteStat {
  const lines = stdout.split('\n');
  if (lines[0] === 'absent') return { exists: false };
  const [typeText, mode, owner, group, uid, gid, size] = (lines[0] ?? '').split('|');
  const stat: RemoteStat = {
    exists: true,
    type: FILE_TYPES[typeText ?? ''] ?? 'other',
    mode: parseInt(mode ?? '0', 8),
    owner: owner ?? '',
    group: group ?? '',
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
  };
  if (lines[1]) stat.linkTarget = lines[1];
  const sha = lines[2]?.trim();
  if (sha && /^[0-9a-f]{64}$/.test(sha)) stat.sha256 = sha;
  return stat;
}

/** One round trip: type, mode, ownership, link target and (for regular files) the sha256 of the content. */
export function statScript(path: string, follow: boolean, checksum = true): string {
  const p = shellQuote(path);
  const fmt = `'%F|%a|%U|%G|%u|%g|%s'`;
  const statCmd = follow ? `{ stat -L -c ${fmt} -- "$p" 2>/dev/null || stat -c ${fmt} -- "$p"; }` : `stat -c ${fmt} -- "$p"`;
  const linkLine = follow ? 'echo' : `if [ -L "$p" ]; then readlink -- "$p"; else echo; fi`;
  const sum = checksum ? `if [ -f "$p" ] && [ -r "$p" ]; then sha256sum < "$p" | cut -c1-64; fi` : 'true';
  return [`p=${p}`, `if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo absent; exit 0; fi`, statCmd, linkLine, sum].join('\n');
}

export async function remoteStat(ctx: ModuleContext, path: string, follow = true, checksum = true): Promise<RemoteStat> {
  const result = await ctx.exec(statScript(path, follow, checksum));
  if (result.code !== 0) throw new ModuleFailure(`could not stat ${path}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  return parseStat(result.stdout);
}

const MISSING = 44;

/** The file's bytes, or undefined when it does not exist. */
export async function readRemoteFile(ctx: ModuleContext, path: string): Promise<Buffer | undefined> {
  const p = shellQuote(path);
  const script = [
    // A path under a folder we may not enter looks absent to `test -e`; ls tells the two apart.
    `if [ ! -e ${p} ]; then if ls -d -- ${p} 2>&1 | grep -q 'Permission denied'; then echo ${p}': permission denied' >&2; exit 1; fi; exit ${MISSING}; fi`,
    `if [ -d ${p} ]; then echo ${p}': is a directory' >&2; exit 1; fi`,
    `if [ ! -r ${p} ]; then echo ${p}': permission denied (not readable)' >&2; exit 1; fi`,
    `base64 < ${p} | tr -d '\\n'`,
  ].join('\n');
  const result = await ctx.exec(script, { maxOutputBytes: 512 * 1024 * 1024 });
  if (result.code === MISSING) return undefined;
  if (result.code !== 0) throw new ModuleFailure(`could not read ${path}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  return Buffer.from(result.stdout.trim(), 'base64');
}

export interface Attributes {
  mode?: ModeSpec;
  owner?: string;
  group?: string;
}

/** chmod/chown lines for a path already in `$t` or similar; empty when nothing is asked. */
function attributeCommands(target: string, attrs: Attributes, recurse = false): string[] {
  const r = recurse ? '-R ' : '';
  const lines: string[] = [];
  if (attrs.owner) lines.push(`chown ${r}${shellQuote(attrs.owner)} -- ${target}`);
  if (attrs.group) lines.push(`chgrp ${r}${shellQuote(attrs.group)} -- ${target}`);
  if (attrs.mode) lines.push(`chmod ${r}${shellQuote(modeArg(attrs.mode))} -- ${target}`);
  return lines;
}

/**
 * Writes `data` to `dest` atomically. An existing destination keeps its mode and ownership unless
 * `attrs` says otherwise; a new file gets 0666 & ~umask, as Ansible's copy does.
 */
export async function writeRemoteFile(
  ctx: ModuleContext,
  dest: string,
  data: Buffer | string,
  attrs: Attributes = {},
  validate?: string,
): Promise<void> {
  const d = shellQuote(dest);
  // `validate: visudo -cf %s` checks the new content in place of the real file before it is moved there.
  const validation = validate
    ? [`if ! ( ${validate.replaceAll('%s', '"$t"')} ) >&2; then echo 'validation failed: '${shellQuote(validate)} >&2; exit 3; fi`]
    : [];
  const script = [
    'set -e',
    `d=${d}`,
    `t=$(mktemp "$(dirname -- "$d")/.drydock-tmp.XXXXXX")`,
    `trap 'rm -f -- "$t"' EXIT`,
    `cat > "$t"`,
    `if [ -e "$d" ]; then chmod --reference="$d" -- "$t"; chown --reference="$d" -- "$t" 2>/dev/null || true;` +
      ` else chmod "$(printf '%o' $(( 0666 & ~0$(umask) )))" -- "$t"; fi`,
    ...attributeCommands('"$t"', attrs),
    ...validation,
    `mv -f -- "$t" "$d"`,
    'trap - EXIT',
  ].join('\n');
  const result = await ctx.exec(script, { stdin: typeof data === 'string' ? Buffer.from(data) : data });
  if (result.code !== 0) throw new ModuleFailure(`could not write ${dest}: ${tail(result.stderr) || `exit status ${result.code}`}`);
}

/** Copies `path` to `path.<date>~` (Ansible's backup naming, on the target's clock); returns the backup's path. */
export async function backupRemoteFile(ctx: ModuleContext, path: string): Promise<string> {
  const p = shellQuote(path);
  const result = await ctx.exec(`b=${p}.$(date +%Y-%m-%d@%H:%M:%S)~\ncp -p -- ${p} "$b" && printf '%s' "$b"`);
  if (result.code !== 0) throw new ModuleFailure(`could not back up ${path}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  return result.stdout;
}

/** Does `stat` already satisfy the requested attributes? Symbolic modes are applied to the current mode. */
export function attributesDiffer(stat: RemoteStat, attrs: Attributes): boolean {
  if (attrs.owner && attrs.owner !== stat.owner && attrs.owner !== String(stat.uid)) return true;
  if (attrs.group && attrs.group !== stat.group && attrs.group !== String(stat.gid)) return true;
  if (attrs.mode && stat.mode !== undefined) {
    const wanted = 'octal' in attrs.mode ? attrs.mode.octal : applySymbolicMode(stat.mode, attrs.mode.symbolic, stat.type === 'directory');
    if (wanted !== stat.mode) return true;
  }
  return false;
}

/** Applies the requested owner/group/mode to an existing path; returns whether anything differed. */
export async function applyAttributes(ctx: ModuleContext, path: string, stat: RemoteStat, attrs: Attributes, recurse = false): Promise<boolean> {
  const differs = attributesDiffer(stat, attrs);
  if ((!differs && !recurse) || ctx.check) return differs;
  const lines = attributeCommands(shellQuote(path), attrs, recurse);
  if (lines.length === 0) return false;
  const before = recurse ? await ctx.exec(`find ${shellQuote(path)} -printf '%m %u %g %p\\n' | sha256sum`) : undefined;
  const result = await ctx.exec(['set -e', ...lines].join('\n'));
  if (result.code !== 0) throw new ModuleFailure(`could not set attributes of ${path}: ${tail(result.stderr)}`);
  if (!before) return true;
  const after = await ctx.exec(`find ${shellQuote(path)} -printf '%m %u %g %p\\n' | sha256sum`);
  return differs || before.stdout !== after.stdout;
}

/** chmod's symbolic modes (u+x,go-w,a=r,+X) applied to a current mode. Pure. */
export function applySymbolicMode(current: number, symbolic: string, isDirectory: boolean): number {
  let mode = current;
  for (const clause of symbolic.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) throw new ModuleFailure(`invalid symbolic mode "${clause}"`);
    const who = m[1] || 'a';
    const users = new Set(who.includes('a') ? ['u', 'g', 'o'] : who.split(''));
    let bits = 0;
    for (const perm of m[3]!) {
      for (const u of users) {
        const shift = u === 'u' ? 6 : u === 'g' ? 3 : 0;
        if (perm === 'r') bits |= 4 << shift;
        if (perm === 'w') bits |= 2 << shift;
        if (perm === 'x' || (perm === 'X' && (isDirectory || (current & 0o111) !== 0))) bits |= 1 << shift;
        if (perm === 's' && u === 'u') bits |= 0o4000;
        if (perm === 's' && u === 'g') bits |= 0o2000;
        if (perm === 't') bits |= 0o1000;
      }
    }
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else {
      let clear = 0;
      for (const u of users) clear |= u === 'u' ? 0o4700 : u === 'g' ? 0o2070 : 0o1007;
      mode = (mode & ~clear) | bits;
    }
  }
  return mode;
}
