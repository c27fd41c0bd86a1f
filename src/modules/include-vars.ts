/**
 * `include_vars`: variables from a YAML/JSON file on the controller, for the host the task runs for, with
 * Ansible's precedence (above task vars, below set_fact; see engine/vars.ts) and still templates (rendered
 * when used). A relative name is looked up as Ansible does (search-path.ts: <role>/vars/, <role>/, the task
 * file's directory, the playbook's). A literal name was already found and checked by the loader.
 */
import { optString } from './args.js';
import { defineModule } from './define.js';
import { ModuleFailure } from './failure.js';
import { findControllerSource } from './search-path.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { isMap, parseYamlSource } from '../playbook/yaml-source.js';

export const includeVarsSpec: ModuleSpec = {
  name: 'include_vars',
  freeForm: true,
  args: {
    file: { type: 'str' },
    name: { type: 'str' },
  },
  requiredOneOf: [['file', 'free_form']],
};

/** A vars file's text as a map (pure): the variables, or why not. */
export function parseVarsText(text: string, file: string): Record<string, unknown> | string {
  const parsed = parseYamlSource(text, file);
  if (!parsed.ok) return parsed.issues.map((i) => `${i.file ?? file}:${i.line ?? 0}:${i.col ?? 0}: ${i.message}`).join('; ');
  const root = parsed.source.doc.contents;
  if (root === null || root === undefined) return {};
  if (!isMap(root)) return `${file}: a vars file must be a map of variable names to values`;
  return parsed.source.toJS(root) as Record<string, unknown>;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const written = optString(ctx.args, 'file') ?? ctx.freeForm ?? '';
  const { path, tried } = await findControllerSource(ctx, written, 'vars');
  if (!path) throw new ModuleFailure(`Could not find or access '${written}' (looked for ${tried.join(', ')})`);
  const vars = parseVarsText((await ctx.controller.readFile(path)).toString('utf8'), path);
  if (typeof vars === 'string') throw new ModuleFailure(vars);
  const name = optString(ctx.args, 'name');
  const facts = name ? { [name]: vars } : vars;
  return { changed: false, ansible_included_var_files: [path], ansible_facts: facts, facts };
}

export const includeVarsModule: ModuleDefinition = defineModule(includeVarsSpec, { supportsCheck: true, controllerOnly: true, run });
