/**
 * `sysctl` (ansible.posix.sysctl): keeps `name=value` in `sysctl_file` (all lines of the key normalised to one
 * `key=value`, as Ansible rewrites them) and, when the file changed and `reload` is on, applies the file with
 * `sysctl -p`; `sysctl_set` also compares and sets the running value. Values compare with whitespace collapsed.
 */
import { optBool, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { readRemoteFile, writeRemoteFile } from './remote-files.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

/** Ansible's value normalisation: booleans as 1/0, runs of whitespace as one space. Pure. */
export function sysctlValue(value: unknown): string {
  if (value === true || value === 'yes' || value === 'true' || value === 'True') return '1';
  if (value === false || value === 'no' || value === 'false' || value === 'False') return '0';
  return String(value ?? '').trim().split(/\s+/).join(' ');
}

/** The file as Ansible rewrites it: comments kept, each key once as `k=v`, the wanted key set or dropped. Pure. */
export function fixSysctlLines(text: string, name: string, value: string | undefined): { text: string; current?: string } {
  const out: string[] = [];
  const checked = new Set<string>();
  let current: string | undefined;
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';') || !trimmed.includes('=')) {
      out.push(line);
      continue;
    }
    const at = trimmed.indexOf('=');
    const k = trimmed.slice(0, at).trim();
    const v = trimmed.slice(at + 1).trim();
    if (k === name) current = sysctlValue(v);
    if (checked.has(k)) continue;
    checked.add(k);
    if (k === name) {
      if (value !== undefined) out.push(`${k}=${value}\n`);
    } else out.push(`${k}=${v}\n`);
  }
  if (!checked.has(name) && value !== undefined) out.push(`${name}=${value}\n`);
  return { text: out.join(''), ...(current !== undefined ? { current } : {}) };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name')!.replaceAll('/', '.');
  const state = optString(ctx.args, 'state') ?? 'present';
  if (state === 'present' && (ctx.args.value === undefined || ctx.args.value === null)) throw new ModuleFailure('value is required when state=present');
  const value = state === 'present' ? sysctlValue(ctx.args.value) : undefined;
  const file = optString(ctx.args, 'sysctl_file') ?? '/etc/sysctl.conf';
  const ignoreErrors = optBool(ctx.args, 'ignoreerrors') === true;
  const before = (await readRemoteFile(ctx, file))?.toString('utf8') ?? '';
  const fixed = fixSysctlLines(before, name, value);
  const fileChanged = state === 'present' ? fixed.current !== value : fixed.current !== undefined;
  let liveChanged = false;
  const setLive = optBool(ctx.args, 'sysctl_set') === true && state === 'present';
  if (setLive) {
    const live = await ctx.exec(`sysctl -n -e ${shellQuote(name)}`);
    liveChanged = sysctlValue(live.stdout) !== value;
  }
  const result: ModuleResult = { changed: fileChanged || liveChanged };
  if (ctx.diff && fileChanged) result.diff = [{ path: file, before, after: fixed.text }];
  if (ctx.check || !result.changed) return result;
  if (fileChanged) await writeRemoteFile(ctx, file, fixed.text);
  if (liveChanged) {
    const w = await ctx.exec(`sysctl -w ${shellQuote(`${name}=${value}`)}`);
    if (w.code !== 0 && !ignoreErrors) throw new ModuleFailure(`setting ${name} failed: ${tail(w.stderr) || `exit status ${w.code}`}`);
  }
  if (optBool(ctx.args, 'reload') !== false && fileChanged) {
    const r = await ctx.exec(`sysctl ${ignoreErrors ? '-e ' : ''}-p ${shellQuote(file)}`);
    if (r.code !== 0 || (!ignoreErrors && /^sysctl: /m.test(r.stderr))) throw new ModuleFailure(`Failed to reload sysctl: ${tail(r.stderr) || tail(r.stdout)}`, { rc: r.code });
  }
  return result;
}

export const sysctlSpec: ModuleSpec = {
  name: 'sysctl',
  args: {
    name: { type: 'str', required: true, aliases: ['key'] },
    value: { type: 'raw', aliases: ['val'] },
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    reload: { type: 'bool', default: true },
    sysctl_file: { type: 'path', default: '/etc/sysctl.conf' },
    ignoreerrors: { type: 'bool', default: false },
    sysctl_set: { type: 'bool', default: false },
  },
};

export const sysctlModule: ModuleDefinition = defineModule(sysctlSpec, { supportsCheck: true, run });
