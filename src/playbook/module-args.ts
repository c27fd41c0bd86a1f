/**
 * Reads the arguments of a task's module: the module key's value (map, free-form text or legacy key=value
 * string) merged with `args:`, checked against the module's spec. Problems are collected as positioned issues.
 */
import type { Task } from './model.js';
import { checkModuleArgs, splitKeyValueArgs, type ModuleSpec } from './modules.js';
import type { FieldReader } from './schema.js';
import { isMap, isScalar, mapEntries, type MapEntry, type YamlNode } from './yaml-source.js';

export interface ModuleUse {
  entry: MapEntry;
  spec: ModuleSpec;
}

export function readModuleArgs(task: Task, use: ModuleUse, argsEntry: MapEntry | undefined, ctx: { reader: FieldReader }): void {
  const r = ctx.reader;
  const { spec } = use;
  const value = use.entry.value;
  let given: Record<string, unknown> = {};
  let freeForm: string | undefined;
  const keyNodes = new Map<string, YamlNode>();

  if (argsEntry) {
    if (isMap(argsEntry.value)) {
      given = { ...(r.src.toJS(argsEntry.value) as Record<string, unknown>) };
      for (const e of mapEntries(r.src, argsEntry.value)) keyNodes.set(e.key, e.keyNode);
      r.checkTemplates(argsEntry.value);
    } else r.issue(argsEntry.value ?? argsEntry.keyNode, "'args' must be a map of module arguments");
  }

  if (isMap(value)) {
    Object.assign(given, r.src.toJS(value) as Record<string, unknown>);
    for (const e of mapEntries(r.src, value)) keyNodes.set(e.key, e.keyNode);
    r.checkTemplates(value);
  } else if (isScalar(value) && value.value !== null) {
    const text = String(value.value);
    r.checkTemplates(value);
    if (spec.freeForm) {
      const split = splitKeyValueArgs(text, (k) => Object.hasOwn(spec.args, k) && k !== 'cmd' && k !== 'argv');
      Object.assign(given, split.pairs);
      if (split.rest !== '') freeForm = split.rest;
    } else {
      const split = splitKeyValueArgs(text, () => true);
      Object.assign(given, split.pairs);
      if (split.rest !== '') {
        r.issue(value, `module '${use.entry.key}' takes no free-form text ('${split.rest}'); write its arguments as a map (key: value)`);
        return;
      }
    }
  } else if (value !== null && !(isScalar(value) && value.value === null)) {
    r.issue(value, `arguments of module '${use.entry.key}' must be a map (key: value) or a string`);
    return;
  }

  const { args, problems } = checkModuleArgs(spec, given, { freeForm });
  for (const p of problems) r.issue((p.arg && keyNodes.get(p.arg)) || use.entry.keyNode, p.message);
  task.args = args;
  if (freeForm !== undefined) task.freeForm = freeForm;
}
