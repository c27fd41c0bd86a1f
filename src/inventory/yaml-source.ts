/**
 * Ansible YAML inventories (`ansible.builtin.yaml`): a top-level `all:` group whose groups hold `hosts`
 * (a map of host to its variables), `vars` and `children` (nested groups). Stricter than Ansible on purpose:
 * an unknown key, a misplaced top-level group or a list where a map belongs is an error, not a warning.
 */
import { addHostEntry, parseHostEntry } from './host-entry.js';
import type { InventoryBuilder } from './model.js';
import type { SourceRef } from './types.js';
import { describeNode, isMap, isScalar, keyText, parseYaml, refOf, toValue } from './yaml-parse.js';
import type { ParsedYaml, YAMLMap } from './yaml-parse.js';

const GROUP_KEYS = new Set(['hosts', 'vars', 'children']);

export function parseYamlInventory(builder: InventoryBuilder, text: string, file: string): void {
  const parsed = parseYaml(text, file);
  for (const w of parsed.warnings) builder.warn(w, w.message);
  if (parsed.issues.length > 0) {
    for (const issue of parsed.issues) builder.error(issue, issue.message);
    return;
  }
  const root = parsed.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    builder.warn({ file }, 'inventory file is empty');
    return;
  }
  if (!isMap(root)) {
    builder.error(refOf(parsed, root), `a YAML inventory must be a map with a top-level "all:" key, found ${describeNode(root)}`);
    return;
  }
  for (const pair of root.items) {
    const name = keyText(pair.key);
    if (name !== 'all') {
      builder.error(
        refOf(parsed, pair),
        `unknown top-level key "${name}": a YAML inventory starts with "all:"; put groups under all.children`,
      );
      continue;
    }
    parseGroup(builder, parsed, 'all', pair.value, refOf(parsed, pair));
  }
}

function parseGroup(builder: InventoryBuilder, parsed: ParsedYaml, name: string, node: unknown, ref: SourceRef): void {
  builder.group(name, ref);
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
  if (!isMap(node)) {
    builder.error(
      refOf(parsed, node),
      `group "${name}" must be a map with "hosts", "vars" or "children", found ${describeNode(node)}`,
    );
    return;
  }
  for (const pair of node.items) {
    const key = keyText(pair.key);
    if (!GROUP_KEYS.has(key)) {
      builder.error(
        refOf(parsed, pair),
        `unknown key "${key}" in group "${name}": only "hosts", "vars" and "children" are allowed` +
          (name === 'all' || key === 'hosts' ? '' : ` (is "${key}" a group that belongs under children?)`),
      );
      continue;
    }
    const value = pair.value;
    if (value === null || value === undefined || (isScalar(value) && value.value === null)) continue;
    if (key === 'hosts') parseHosts(builder, parsed, name, value);
    else if (!isMap(value)) {
      builder.error(refOf(parsed, value), `"${key}" of group "${name}" must be a map, found ${describeNode(value)}`);
    } else if (key === 'vars') parseGroupVars(builder, parsed, name, value);
    else {
      for (const child of value.items) {
        const childName = keyText(child.key);
        const childRef = refOf(parsed, child);
        parseGroup(builder, parsed, childName, child.value, childRef);
        builder.addChild(name, childName, childRef);
      }
    }
  }
}

function parseHosts(builder: InventoryBuilder, parsed: ParsedYaml, group: string, node: unknown): void {
  // Ansible accepts a lone string as shorthand for a one-host map.
  if (isScalar(node) && typeof node.value === 'string') {
    const ref = refOf(parsed, node);
    const entry = parseHostEntry(builder, node.value, ref);
    if (entry) addHostEntry(builder, entry, group, ref, []);
    return;
  }
  if (!isMap(node)) {
    builder.error(
      refOf(parsed, node),
      `"hosts" of group "${group}" must be a map of host names to their variables, found ${describeNode(node)}` +
        ' (write "host1:" on its own line, not "- host1")',
    );
    return;
  }
  for (const pair of node.items) {
    const ref = refOf(parsed, pair);
    const entry = parseHostEntry(builder, keyText(pair.key), ref);
    const value = pair.value;
    const empty = value === null || value === undefined || (isScalar(value) && value.value === null);
    if (!empty && !isMap(value)) {
      builder.error(
        refOf(parsed, value),
        `variables of host "${keyText(pair.key)}" must be a map, found ${describeNode(value)}`,
      );
      continue;
    }
    if (!entry) continue;
    const vars = empty ? [] : mapVars(parsed, value as YAMLMap);
    addHostEntry(builder, entry, group, ref, vars);
  }
}

function parseGroupVars(builder: InventoryBuilder, parsed: ParsedYaml, group: string, node: YAMLMap): void {
  for (const v of mapVars(parsed, node)) builder.setGroupVar(group, v.key, v.value, v.ref);
}

/** The map's variables with their positions; merge keys (`<<`) resolve through the whole-map conversion. */
function mapVars(parsed: ParsedYaml, node: YAMLMap): { key: string; value: unknown; ref: SourceRef }[] {
  const values = toValue(parsed, node) as Record<string, unknown>;
  const refs = new Map<string, SourceRef>();
  for (const pair of node.items) refs.set(keyText(pair.key), refOf(parsed, pair));
  const nodeRef = refOf(parsed, node);
  return Object.entries(values).map(([key, value]) => ({ key, value, ref: refs.get(key) ?? nodeRef }));
}
