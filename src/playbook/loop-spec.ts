/**
 * Reads a task's loop: the `loop:` / `with_<lookup>:` value into a LoopSpec and the `loop_control:` map into a
 * LoopControl. Problems are collected as positioned issues; nothing throws.
 */
import type { LoopControl, LoopSpec } from './model.js';
import { LOOP_CONTROL_KEYS, type FieldReader } from './schema.js';
import { didYouMean } from './suggest.js';
import { isTemplated } from './template.js';
import { isMap, isScalar, isSeq, mapEntries, type MapEntry, type YamlNode } from './yaml-source.js';

export function readLoop(entry: MapEntry, ctx: { reader: FieldReader }): LoopSpec | undefined {
  const r = ctx.reader;
  const { value } = entry;
  const pos = r.pos(value ?? entry.keyNode);
  const style = entry.key as LoopSpec['style'];
  if (isSeq(value) || (entry.key === 'with_dict' && isMap(value))) return { style, items: r.src.toJS(value), pos };
  if (isScalar(value) && typeof value.value === 'string' && isTemplated(value.value)) return { style, items: value.value, pos };
  // As Ansible 2.14: `with_items: name` is the one string "name" (bare names are no longer templated).
  if (entry.key === 'with_items' && isScalar(value) && value.value !== null) {
    const bare = typeof value.value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.value) ? { bareName: value.value } : {};
    return { style, items: [r.src.toJS(value)], pos, ...bare };
  }
  // with_<lookup> takes its terms as written (with_fileglob: '*.conf', with_sequence: 'start=1 end=3', a dict).
  const lookupLoop = !['loop', 'with_items', 'with_list', 'with_dict'].includes(entry.key);
  if (lookupLoop && (isScalar(value) || isMap(value))) return { style, items: r.src.toJS(value), pos };
  r.issue(value ?? entry.keyNode, `'${entry.key}' must be a list or a {{ template }} that renders to one`);
  return undefined;
}

export function readLoopControl(node: YamlNode | null, ctx: { reader: FieldReader }): LoopControl | undefined {
  const r = ctx.reader;
  if (!isMap(node)) {
    r.issue(node, "'loop_control' must be a map (loop_var, label, index_var, pause, extended)");
    return undefined;
  }
  const control: LoopControl = { loopVar: 'item' };
  for (const { key, keyNode, value } of mapEntries(r.src, node)) {
    if (key === 'loop_var') control.loopVar = r.string(value, key) ?? 'item';
    else if (key === 'label') control.label = r.string(value, key);
    else if (key === 'index_var') control.indexVar = r.string(value, key);
    else if (key === 'pause') control.pause = r.int(value, key);
    else if (key === 'extended') control.extended = r.bool(value, key);
    else if (key === 'extended_allitems') control.extendedAllitems = r.bool(value, key);
    else r.issue(keyNode, `unknown loop_control key '${key}'${didYouMean(key, LOOP_CONTROL_KEYS)}`);
  }
  return control;
}
