/**
 * `modprobe` (community.general.modprobe): loads or unloads a kernel module on the target (present when
 * /proc/modules or modules.builtin lists it) and, with `persistent`, keeps /etc/modules-load.d/<name>.conf and
 * the `options` lines of /etc/modprobe.d as Ansible does (present: written; absent: commented out).
 */
import { optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { readRemoteFile, writeRemoteFile } from './remote-files.js';
import { shellQuote, shlexSplit } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const LOAD_DIR = '/etc/modules-load.d';
const OPTIONS_DIR = '/etc/modprobe.d';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Ansible's patterns for a module line (modules-load.d) and an options line (modprobe.d). Pure. */
export function persistencePatterns(name: string): { module: RegExp; options: RegExp } {
  return { module: new RegExp(`^ *${escape(name)} *(?:[#;].*)?$`), options: new RegExp(`^options ${escape(name)} (\\w+=\\S+) *(?:[#;].*)?$`) };
}

interface ConfigLine {
  kind: 'M' | 'O';
  file: string;
  line: string;
}

async function configLines(ctx: ModuleContext): Promise<ConfigLine[]> {
  const script = `for f in ${LOAD_DIR}/* ${OPTIONS_DIR}/*; do [ -f "$f" ] || continue; case "$f" in ${LOAD_DIR}/*) k=M;; *) k=O;; esac; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\t%s\\t%s\\n' "$k" "$f" "$l"; done < "$f"; done`;
  const r = await ctx.exec(script);
  return r.stdout.split('\n').filter(Boolean).map((row) => {
    const [kind, file, ...rest] = row.split('\t');
    return { kind: kind as 'M' | 'O', file: file!, line: rest.join('\t') };
  });
}

async function commentOut(ctx: ModuleContext, files: string[], pattern: RegExp): Promise<void> {
  for (const file of new Set(files)) {
    const text = (await readRemoteFile(ctx, file))?.toString('utf8') ?? '';
    await writeRemoteFile(ctx, file, text.split('\n').map((l) => (pattern.test(l) ? `#${l}` : l)).join('\n'));
  }
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name')!;
  if (!/^[\w-]+$/.test(name)) throw new ModuleFailure(`"${name}" is not a kernel module name`);
  const state = optString(ctx.args, 'state') ?? 'present';
  const params = optString(ctx.args, 'params') ?? '';
  const persistent = optString(ctx.args, 'persistent') ?? 'disabled';
  const result: ModuleResult = { changed: false, name, params, state };
  const loadedCheck = `grep -q ${shellQuote(`^${name.replace(/-/g, '_')} `)} /proc/modules || grep -q ${shellQuote(`/${name}.ko`)} "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null`;
  const loaded = async (): Promise<boolean> => (await ctx.exec(loadedCheck)).code === 0;
  const isLoaded = await loaded();
  if (state === 'present' && !isLoaded) {
    const split = shlexSplit(params);
    if (!split.ok) throw new ModuleFailure(`params: ${split.error}`);
    const r = await ctx.exec(['modprobe', ...(ctx.check ? ['-n'] : []), name, ...split.tokens.map((t) => t.text)].map(shellQuote).join(' '));
    if (r.code !== 0) throw new ModuleFailure(tail(r.stderr) || `modprobe exited ${r.code}`, { rc: r.code, stdout: r.stdout, stderr: r.stderr, ...result });
    result.changed = ctx.check || (await loaded());
  } else if (state === 'absent' && isLoaded) {
    const r = await ctx.exec(['modprobe', '-r', ...(ctx.check ? ['-n'] : []), name].map(shellQuote).join(' '));
    if (r.code !== 0) throw new ModuleFailure(tail(r.stderr) || `modprobe -r exited ${r.code}`, { rc: r.code, stdout: r.stdout, stderr: r.stderr, ...result });
    result.changed = true;
  }
  if (persistent === 'disabled') return result;
  const lines = await configLines(ctx);
  const patterns = persistencePatterns(name);
  const moduleLines = lines.filter((l) => l.kind === 'M' && patterns.module.test(l.line));
  const optionLines = lines.filter((l) => l.kind === 'O' && patterns.options.test(l.line));
  const permanent = new Set(optionLines.map((l) => patterns.options.exec(l.line)![1]!));
  const wanted = new Set(params.split(/\s+/).filter(Boolean));
  const paramsSet = wanted.size === permanent.size && [...wanted].every((p) => permanent.has(p));
  if (persistent === 'present') {
    if (moduleLines.length === 0) {
      if (!ctx.check) await writeRemoteFile(ctx, `${LOAD_DIR}/${name}.conf`, `${name}\n`);
      result.changed = true;
    }
    if (!paramsSet) {
      if (!ctx.check) {
        await commentOut(ctx, optionLines.map((l) => l.file), patterns.options);
        await writeRemoteFile(ctx, `${OPTIONS_DIR}/${name}.conf`, [...wanted].map((p) => `options ${name} ${p}\n`).join(''));
      }
      result.changed = true;
    }
  } else if (persistent === 'absent' && (moduleLines.length > 0 || permanent.size > 0)) {
    if (!ctx.check) {
      await commentOut(ctx, moduleLines.map((l) => l.file), patterns.module);
      await commentOut(ctx, optionLines.map((l) => l.file), patterns.options);
    }
    result.changed = true;
  }
  return result;
}

export const modprobeSpec: ModuleSpec = {
  name: 'modprobe',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
    params: { type: 'str', default: '' },
    persistent: { type: 'str', choices: ['absent', 'disabled', 'present'], default: 'disabled' },
  },
};

export const modprobeModule: ModuleDefinition = defineModule(modprobeSpec, { supportsCheck: true, run });
