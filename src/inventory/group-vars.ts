/**
 * `group_vars/` and `host_vars/` beside an inventory source, as Ansible's `host_group_vars` plugin reads
 * them: for an entity named N the first of `N`, `N.yml`, `N.yaml`, `N.json` that exists is used; a directory
 * contributes its files (recursively, lexicographic order, no hidden or `~` files, extension none/yml/yaml/json).
 */
import { join } from 'node:path';
import { asciiSort, readFailure } from './fs.js';
import type { InventoryFs } from './fs.js';
import { GROUP_PRIORITY_VAR } from './model.js';
import type { FilesLayer, InventoryBuilder } from './model.js';
import type { Vars } from './types.js';
import { describeNode, isMap, isScalar, parseYaml, refOf, toValue } from './yaml-parse.js';

const VAR_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/** Reads `<baseDir>/group_vars` and `<baseDir>/host_vars` into the builder's files (or playbook) layer. */
export async function loadVarsDirs(builder: InventoryBuilder, fs: InventoryFs, baseDir: string, layer: FilesLayer = 'files'): Promise<void> {
  await loadKind(builder, fs, join(baseDir, 'group_vars'), 'group', builder.groupNames(), layer);
  await loadKind(builder, fs, join(baseDir, 'host_vars'), 'host', builder.hostNames(), layer);
}

/** Whether `<baseDir>` has a group_vars/ or host_vars/ directory. */
export async function hasVarsDirs(fs: InventoryFs, baseDir: string): Promise<boolean> {
  for (const name of ['group_vars', 'host_vars']) {
    try {
      if ((await fs.kind(join(baseDir, name))) === 'dir') return true;
    } catch (err) {
      if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
      return true; // unreadable: loadVarsDirs reports it
    }
  }
  return false;
}

async function loadKind(
  builder: InventoryBuilder,
  fs: InventoryFs,
  dir: string,
  kind: 'group' | 'host',
  names: string[],
  layer: FilesLayer,
): Promise<void> {
  let listed: string[];
  try {
    if ((await fs.kind(dir)) !== 'dir') return;
    listed = await fs.list(dir);
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    builder.error({ file: dir }, `cannot read ${kind}_vars directory: ${readFailure(err)}`);
    return;
  }
  const entries = new Set(listed.filter((e) => !e.startsWith('.') && !e.endsWith('~')));
  const used = new Set<string>();
  for (const name of names) {
    const candidates = VAR_EXTENSIONS.map((ext) => name + ext).filter((c) => entries.has(c));
    const chosen = candidates[0];
    if (chosen === undefined) continue;
    for (const c of candidates) used.add(c);
    for (const ignored of candidates.slice(1)) {
      builder.warn({ file: join(dir, ignored) }, `ignored: ${join(dir, chosen)} takes precedence for ${kind} "${name}"`);
    }
    const path = join(dir, chosen);
    const files = (await fs.kind(path)) === 'dir' ? await dirFiles(fs, path) : [path];
    for (const file of files) {
      const vars = await readVarsFile(builder, fs, file);
      if (!vars) continue;
      if (kind === 'group' && GROUP_PRIORITY_VAR in vars) {
        builder.warn({ file }, `${GROUP_PRIORITY_VAR} is only honoured in the inventory source; ignored here`);
        delete vars[GROUP_PRIORITY_VAR];
      }
      builder.addFileVars(kind, name, vars, layer);
    }
  }
  for (const entry of asciiSort([...entries])) {
    if (used.has(entry)) continue;
    const ext = VAR_EXTENSIONS.find((e) => e !== '' && entry.endsWith(e)) ?? '';
    const name = ext ? entry.slice(0, -ext.length) : entry;
    builder.warn({ file: join(dir, entry) }, `no ${kind} named "${name}" in the inventory; these variables are not used`);
  }
}

async function dirFiles(fs: InventoryFs, dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of asciiSort(await fs.list(dir))) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const path = join(dir, entry);
    const dot = entry.lastIndexOf('.');
    const ext = dot > 0 ? entry.slice(dot) : '';
    const kind = await fs.kind(path);
    if (kind === 'dir' && !ext) found.push(...(await dirFiles(fs, path)));
    else if (kind === 'file' && VAR_EXTENSIONS.includes(ext)) found.push(path);
  }
  return found;
}

/** Parses one vars file (YAML 1.1, JSON is YAML); it must hold a map. Problems become builder issues. */
export async function readVarsFile(builder: InventoryBuilder, fs: InventoryFs, file: string): Promise<Vars | undefined> {
  let text: string;
  try {
    text = await fs.readText(file);
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    builder.error({ file }, `cannot read variables file: ${readFailure(err)}`);
    return undefined;
  }
  const parsed = parseYaml(text, file);
  for (const w of parsed.warnings) builder.warn(w, w.message);
  if (parsed.issues.length > 0) {
    for (const issue of parsed.issues) builder.error(issue, issue.message);
    return undefined;
  }
  const root = parsed.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) {
    builder.error(refOf(parsed, root), `a variables file must hold a map of names to values, found ${describeNode(root)}`);
    return undefined;
  }
  return toValue(parsed, root) as Vars;
}
