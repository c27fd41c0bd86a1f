/**
 * Loads inventory sources the way `ansible -i` does: files (INI or YAML), directories of sources (ASCII
 * order), comma-separated host lists (`'h1,h2,'`), several sources merged in order, then `group_vars/` and
 * `host_vars/` beside each source. Every problem is collected and thrown together as one ConfigError.
 */
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { asciiSort, nodeInventoryFs, readFailure } from './fs.js';
import type { EntryKind, InventoryFs } from './fs.js';
import { hasVarsDirs, loadVarsDirs } from './group-vars.js';
import { addHostEntry, parseHostEntry } from './host-entry.js';
import { parseIniInventory } from './ini-source.js';
import { InventoryBuilder } from './model.js';
import type { LoadedInventory } from './model.js';
import { parseYamlInventory } from './yaml-source.js';

export interface LoadInventoryOptions {
  fs?: InventoryFs;
  /**
   * Directories of the playbooks about to run: their `group_vars/` and `host_vars/` are read too, above the
   * inventory's own (Ansible's "playbook group_vars"). Only one of them may have such directories.
   */
  playbookDirs?: readonly string[];
}

const YAML_EXTENSIONS = new Set(['.yml', '.yaml', '.json']);
/** Ansible's INVENTORY_IGNORE_EXTS defaults: editor leftovers and docs in an inventory directory. */
const IGNORED_EXTENSIONS = new Set(['.orig', '.cfg', '.retry', '.pyc', '.pyo', '.swp', '.bak', '.rpm', '.md', '.txt', '.rst']);
const IGNORED_NAMES = new Set(['group_vars', 'host_vars', 'vars_plugins']);

/**
 * @param sources paths (file or directory) or literal host lists, in command-line order
 * @returns the merged inventory with `warnings`; throws ConfigError listing every problem found
 */
export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<LoadedInventory> {
  const fs = options.fs ?? nodeInventoryFs;
  const builder = new InventoryBuilder();
  if (sources.length === 0) throw new ConfigError('no inventory given: pass -i PATH (a file, a directory or "host1,host2,")');
  const varBaseDirs: string[] = [];
  for (const source of sources) {
    const kind = await kindOf(builder, fs, source);
    if (kind === 'unreadable') continue;
    if (kind === 'dir') {
      await loadDirectory(builder, fs, source);
      varBaseDirs.push(source);
    } else if (kind === 'file') {
      await loadFile(builder, fs, source);
      varBaseDirs.push(dirname(source));
    } else if (source.includes(',')) {
      loadHostList(builder, source);
    } else {
      builder.error({ file: source }, 'inventory source not found (no such file or directory)');
    }
  }
  for (const dir of new Set(varBaseDirs)) await loadVarsDirs(builder, fs, dir);
  await loadPlaybookVarsDirs(builder, fs, options.playbookDirs ?? []);
  const inventory = builder.build();
  if (builder.issues.length > 0) throw new ConfigError(builder.issues);
  return inventory;
}

/**
 * group_vars/ and host_vars/ beside the playbook. Ansible reads them from the top playbook's directory, so
 * playbooks from two directories that both have them would give a host different variables (and connection
 * settings) play by play, which one drydock run does not do: that is refused, to be run separately.
 */
async function loadPlaybookVarsDirs(builder: InventoryBuilder, fs: InventoryFs, dirs: readonly string[]): Promise<void> {
  const withVars: string[] = [];
  for (const dir of new Set(dirs)) if (await hasVarsDirs(fs, dir)) withVars.push(dir);
  if (withVars.length > 1) {
    builder.error(
      { file: withVars[1]! },
      `playbooks from ${withVars.join(' and ')} each have group_vars/ or host_vars/; Ansible gives each playbook its own, ` +
        'one drydock run has one set: run these playbooks separately',
    );
    return;
  }
  if (withVars[0] !== undefined) await loadVarsDirs(builder, fs, withVars[0], 'playbook');
}

/** What is at `path`, or 'unreadable' (reported) when even that cannot be told (ELOOP, ENAMETOOLONG, EACCES). */
async function kindOf(builder: InventoryBuilder, fs: InventoryFs, path: string): Promise<EntryKind | undefined | 'unreadable'> {
  try {
    return await fs.kind(path);
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    builder.error({ file: path }, `cannot read inventory source: ${readFailure(err)}`);
    return 'unreadable';
  }
}

async function loadDirectory(builder: InventoryBuilder, fs: InventoryFs, dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.list(dir);
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    builder.error({ file: dir }, `cannot read inventory directory: ${readFailure(err)}`);
    return;
  }
  for (const entry of asciiSort(entries)) {
    if (entry.startsWith('.') || entry.endsWith('~') || IGNORED_NAMES.has(entry)) continue;
    if (IGNORED_EXTENSIONS.has(extname(entry))) continue;
    const path = join(dir, entry);
    const kind = await kindOf(builder, fs, path);
    if (kind === 'dir') await loadDirectory(builder, fs, path);
    else if (kind === 'file') await loadFile(builder, fs, path);
  }
}

async function loadFile(builder: InventoryBuilder, fs: InventoryFs, file: string): Promise<void> {
  let text: string;
  try {
    text = await fs.readText(file);
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    builder.error({ file }, `cannot read inventory file: ${readFailure(err)}`);
    return;
  }
  builder.sources.push(file);
  if (isYamlInventory(file, text)) parseYamlInventory(builder, text, file);
  else parseIniInventory(builder, text, file);
}

/**
 * YAML by extension; otherwise YAML when the first meaningful line is `---` or a bare `key:`, which is never
 * a valid INI line. Ansible tries its yaml plugin before ini in the same spirit.
 */
export function isYamlInventory(file: string, text: string): boolean {
  const ext = extname(basename(file)).toLowerCase();
  if (YAML_EXTENSIONS.has(ext)) return true;
  if (ext === '.ini') return false;
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (first === undefined) return false;
  return first === '---' || first.startsWith('{') || /^[^\s=[\]]+:\s*(?:#.*)?$/.test(first);
}

/** `-i 'h1,h2:2222,web[1:3],'`: every entry becomes an ungrouped host. */
function loadHostList(builder: InventoryBuilder, list: string): void {
  const ref = { file: list };
  for (const item of list.split(',')) {
    const token = item.trim();
    if (!token) continue;
    const entry = parseHostEntry(builder, token, ref);
    if (entry) addHostEntry(builder, entry, 'ungrouped', ref, []);
  }
}
