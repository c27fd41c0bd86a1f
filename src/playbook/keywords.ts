/**
 * Per-host rendering of templated keyword values into their final types, for the engine: `become:
 * "{{ x }}"` must end up a boolean, `retries: "{{ n }}"` an integer, `loop: "{{ groups.workers }}"` a list.
 * Failures are TemplateErrors positioned at the task.
 */
import type { LoopSpec, Templated } from './model.js';
import { TemplateError, renderString, renderValue, type RenderOptions } from './template.js';
import { ExprError, isMapping, mappingEntries, makeDict, pyRepr, typeName, type Mapping } from './expr/values.js';
import { runLookup } from './expr/lookups.js';

const BOOLEANS: Readonly<Record<string, boolean>> = { yes: true, on: true, true: true, '1': true, y: true, no: false, off: false, false: false, '0': false, n: false };

function fail(message: string, template: string, options: RenderOptions): never {
  throw new TemplateError(message, template, options.origin);
}

/** A keyword that must be a boolean. Accepts what Ansible's boolean() accepts; anything else is an error. */
export function renderBoolKeyword(value: Templated<boolean> | undefined, key: string, vars: Mapping, options: RenderOptions = {}): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const out = renderString(value, vars, options);
  if (typeof out === 'boolean') return out;
  if (out === 0 || out === 1) return out === 1;
  if (typeof out === 'string' && Object.hasOwn(BOOLEANS, out.trim().toLowerCase())) return BOOLEANS[out.trim().toLowerCase()];
  return fail(`'${key}' must render to a boolean (yes/no/true/false), but "${value}" gave ${typeName(out)} ${pyRepr(out)}`, value, options);
}

/** A keyword that must be a whole number (retries, delay, throttle, timeout). */
export function renderIntKeyword(value: Templated<number> | undefined, key: string, vars: Mapping, options: RenderOptions = {}): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const out = renderString(value, vars, options);
  const n = typeof out === 'string' && /^\s*[+-]?\d+\s*$/.test(out) ? Number(out) : out;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  return fail(`'${key}' must render to a whole number, but "${value}" gave ${typeName(out)} ${pyRepr(out)}`, value, options);
}

/**
 * The items a looped task runs over. `loop`/`with_list` need a list; `with_items` flattens one level and
 * accepts a single value; `with_dict` turns a map into {key, value} items.
 */
export function renderLoopItems(loop: LoopSpec, vars: Mapping, options: RenderOptions = {}): unknown[] {
  const template = typeof loop.items === 'string' ? loop.items : `${loop.style}: (list)`;
  const opts = { ...options, origin: options.origin ?? loop.pos };
  const items = typeof loop.items === 'string' ? renderString(loop.items, vars, opts) : renderValue(loop.items, vars, opts);
  switch (loop.style) {
    case 'loop':
    case 'with_list':
      if (Array.isArray(items)) return items;
      return fail(
        `'${loop.style}' must render to a list, got ${typeName(items)} ${pyRepr(items)}${typeof items === 'string' ? " (split a string with | split(','))" : isMapping(items) ? ' (iterate a map with | dict2items)' : ''}`,
        template,
        opts,
      );
    case 'with_items':
      return (Array.isArray(items) ? items : [items]).flatMap((item) => (Array.isArray(item) ? item : [item]));
    case 'with_dict':
      if (isMapping(items)) return mappingEntries(items).map(([key, value]) => makeDict([['key', key], ['value', value]]));
      return fail(`'with_dict' must render to a map, got ${typeName(items)} ${pyRepr(items)}`, template, opts);
  }
  // with_<lookup>: the rendered value is the lookup's terms (a list, or one term), as Ansible's with_ loops pass them.
  try {
    const terms = Array.isArray(items) ? items : [items];
    const ctx = { vars, render: (text: string) => renderString(text, vars, opts) };
    return runLookup('query', [loop.style.slice('with_'.length), ...terms], {}, ctx) as unknown[];
  } catch (e) {
    if (e instanceof ExprError) return fail(`'${loop.style}': ${e.message}`, template, opts);
    throw e;
  }
}
