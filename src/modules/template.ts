/**
 * `template`: renders a controller-side Jinja file (`src`, found through the task's search path: a role's
 * templates/ first, then the task file's folder, then the playbook's) with the host's variables, then puts the
 * text at `dest` exactly as `copy` does (sha256 compared first, so an unchanged file is never rewritten; mode,
 * owner, group, backup, validate, force; --check and --diff). Statements: if/elif/else, for, set, raw
 * (playbook/template-file.ts), with Ansible's trim_blocks=True default.
 */
import { createHash } from 'node:crypto';
import { optBool, optString } from './args.js';
import { deliverContent } from './copy.js';
import { ModuleFailure } from './failure.js';
import { remoteStat } from './remote-files.js';
import { findControllerSource } from './search-path.js';
import { str, path, ownership } from './spec-args.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { renderTemplateFile } from '../playbook/template-file.js';
import { TemplateError } from '../playbook/template.js';
import { defineModule } from './define.js';

/** The variables Ansible adds while rendering a template. */
function templateVars(ctx: ModuleContext, fullPath: string, dest: string): Record<string, unknown> {
  return {
    ...ctx.vars,
    ansible_managed: ctx.vars.ansible_managed ?? 'Ansible managed',
    template_path: fullPath,
    template_fullpath: fullPath,
    template_destpath: dest,
  };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const src = optString(ctx.args, 'src')!;
  const dest = optString(ctx.args, 'dest')!;
  const found = await findControllerSource(ctx, src, 'templates');
  if (!found.path) throw new ModuleFailure(`Could not find or access '${src}' on the controller (looked in: ${found.tried.join(', ')})`);
  let text: string;
  try {
    const source = (await ctx.controller.readFile(found.path)).toString('utf8');
    text = renderTemplateFile(source, templateVars(ctx, found.path, dest), {
      origin: { file: found.path },
      trimBlocks: optBool(ctx.args, 'trim_blocks') !== false,
      lstripBlocks: optBool(ctx.args, 'lstrip_blocks') === true,
    });
  } catch (err) {
    if (err instanceof TemplateError) throw new ModuleFailure(`${found.path}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new ModuleFailure(`src ${found.path} is a directory, not a template file`);
    throw err;
  }
  if (optString(ctx.args, 'newline_sequence') === '\r\n') text = text.replace(/\r?\n/g, '\r\n');
  const data = Buffer.from(text);
  const result = await deliverContent(ctx, data, found.path);
  // Ansible's template reports the sha1 as `checksum` (and md5sum when it wrote), plus the file's attributes.
  const out: ModuleResult = { ...result, checksum: createHash('sha1').update(data).digest('hex') };
  if (result.changed) out.md5sum = createHash('md5').update(data).digest('hex');
  if (result.diff) out.diff = result.diff.map((d) => ({ ...d, after_header: src, ...(d.before ? { before_header: result.dest as string } : {}) }));
  if (!ctx.check) {
    const stat = await remoteStat(ctx, result.dest as string, true, false);
    if (stat.exists) {
      Object.assign(out, { state: 'file', mode: (stat.mode ?? 0).toString(8).padStart(4, '0'), owner: stat.owner, group: stat.group, uid: stat.uid, gid: stat.gid, size: stat.size });
    }
  }
  return out;
}

export const templateSpec: ModuleSpec = {
  name: 'template',
  args: {
    src: { type: 'path', required: true },
    dest: { type: 'path', required: true },
    ...ownership,
    backup: { type: 'bool', default: false },
    force: { type: 'bool', default: true },
    validate: str,
    trim_blocks: { type: 'bool', default: true },
    lstrip_blocks: { type: 'bool', default: false },
    newline_sequence: { type: 'str', choices: ['\n', '\r', '\r\n'], default: '\n' },
    follow: { type: 'bool', default: false },
    output_encoding: { type: 'str', choices: ['utf-8', 'utf8'], default: 'utf-8' },
    variable_start_string: { type: 'str', choices: ['{{'] },
    variable_end_string: { type: 'str', choices: ['}}'] },
    block_start_string: { type: 'str', choices: ['{%'] },
    block_end_string: { type: 'str', choices: ['%}'] },
    comment_start_string: { type: 'str', choices: ['{#'] },
    comment_end_string: { type: 'str', choices: ['#}'] },
    unsafe_writes: { type: 'bool', default: false },
    attributes: { type: 'raw', aliases: ['attr'] },
  },
};

export const templateModule: ModuleDefinition = defineModule(templateSpec, { supportsCheck: true, run });
