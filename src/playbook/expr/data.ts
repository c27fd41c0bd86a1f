/**
 * Data conversions behind the filters, with Python/Ansible semantics: boolean and number parsing,
 * attribute paths, JSON as Python's json.dumps writes it, and list/dict combinators.
 */
import {
  ExprError,
  PyFloat,
  Undefined,
  failIfUndefined,
  formatNumber,
  isMapping,
  isPyFloat,
  makeDict,
  mappingEntries,
  mappingGet,
  numberValue,
  pyEquals,
  pyFloat,
  typeName,
} from './values.js';

/** Ansible's boolean conversion: only yes/on/1/true (any case) and the number 1 are true. */
export function ansibleBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true'].includes(v.toLowerCase());
  // Ansible's `bool` compares with 1 (so 1.0 is true, 2 is not); a list or dict is false.
  return numberValue(v) === 1;
}

/** Ansible's module_utils boolean() (strict): the value it names, or undefined when it is no boolean word. */
export function convertBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const key = typeof v === 'string' ? v.toLowerCase() : numberValue(v);
  if (['y', 'yes', 'on', '1', 'true', 't', 1].includes(key as never)) return true;
  if (['n', 'no', 'off', '0', 'false', 'f', 0].includes(key as never)) return false;
  return undefined;
}

/** Follows a dotted attribute path ("a.b" or "items.0") through dicts and lists. */
export function attributeOf(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of String(path).split('.')) {
    if (isMapping(cur)) {
      const hit = mappingGet(cur, part);
      if (!hit.found) return new Undefined(String(path), `item has no attribute '${String(path)}'`);
      cur = hit.value;
    } else if (Array.isArray(cur) && /^-?\d+$/.test(part)) {
      const i = Number(part) < 0 ? cur.length + Number(part) : Number(part);
      if (i < 0 || i >= cur.length) return new Undefined(String(path), `item has no index ${part}`);
      cur = cur[i];
    } else return new Undefined(String(path), `${typeName(cur)} has no attribute '${part}'`);
  }
  return cur;
}

export function toInt(input: unknown, dflt: unknown, base: number): unknown {
  if (typeof input === 'boolean') return Number(input);
  if (typeof input === 'number' || input instanceof PyFloat) {
    const n = numberValue(input)!;
    return Number.isFinite(n) ? Math.trunc(n) + 0 : dflt;
  }
  if (typeof input === 'string') {
    const s = input.trim().replaceAll('_', '');
    if (base === 10 && /^[+-]?\d+$/.test(s)) return Number.parseInt(s, 10);
    if (base !== 10) {
      const digits = s.replace(base === 16 ? /^([+-]?)0x/i : base === 8 ? /^([+-]?)0o/i : base === 2 ? /^([+-]?)0b/i : /^$/, '$1');
      const n = Number.parseInt(digits, base);
      if (!Number.isNaN(n) && n.toString(base) === digits.replace(/^\+/, '').replace(/^(-?)0+(?=.)/, '$1').toLowerCase()) return n;
      return dflt;
    }
    const f = numberValue(toFloat(s, null));
    return f !== undefined && Number.isFinite(f) ? Math.trunc(f) + 0 : dflt;
  }
  return dflt;
}

/** Python float(): always a float (1 → 1.0); `dflt` when the input is not a number. */
export function toFloat(input: unknown, dflt: unknown): unknown {
  const n = typeof input === 'boolean' ? Number(input) : numberValue(input);
  if (n !== undefined) return pyFloat(n);
  if (typeof input !== 'string') return dflt;
  const s = input.trim().replaceAll('_', '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return pyFloat(Number(s));
  if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return dflt;
}

/** Python json.dumps defaults (", " and ": " separators), or the pretty form to_nice_json uses. */
export function pyJson(v: unknown, indent: number | null, sortKeys: boolean, level = 0): string {
  failIfUndefined(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || v instanceof PyFloat) {
    const n = numberValue(v)!;
    if (Number.isNaN(n)) return 'NaN';
    if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
    return isPyFloat(v) ? formatNumber(v) : JSON.stringify(n);
  }
  const pad = (n: number) => (indent === null ? '' : `\n${' '.repeat(indent * n)}`);
  const sep = indent === null ? ', ' : ',';
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return `[${pad(level + 1)}${v.map((x) => pyJson(x, indent, sortKeys, level + 1)).join(sep + pad(level + 1))}${pad(level)}]`;
  }
  if (isMapping(v)) {
    const entries = mappingEntries(v);
    if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (!entries.length) return '{}';
    const body = entries.map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x, indent, sortKeys, level + 1)}`);
    return `{${pad(level + 1)}${body.join(sep + pad(level + 1))}${pad(level)}}`;
  }
  throw new ExprError(`cannot convert ${typeName(v)} to JSON`);
}

export function uniqueOf(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => pyEquals(x, y))) out.push(x);
  return out;
}

export function flatten(items: unknown[], levels: number | null): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (Array.isArray(item) && (levels === null || levels > 0)) out.push(...flatten(item, levels === null ? null : levels - 1));
    else if (item !== null) out.push(item);
  }
  return out;
}

export function combine(a: unknown, b: unknown, recursive: boolean): Record<string, unknown> {
  if (!isMapping(a) || !isMapping(b)) throw new ExprError(`combine expects dictionaries, got ${typeName(a)} and ${typeName(b)}`);
  const out = makeDict(mappingEntries(a));
  for (const [k, v] of mappingEntries(b)) {
    const prev = mappingGet(out, k);
    out[k] = recursive && prev.found && isMapping(prev.value) && isMapping(v) ? combine(prev.value, v, true) : v;
  }
  return out;
}
