/**
 * The value model of the expression language: plain JSON-like data (null, booleans, numbers, strings,
 * arrays, plain objects, and Maps for lazily built views such as hostvars) plus two markers, `Undefined`
 * and `OMIT`. Behaviour follows Python/Jinja2 where admins can see it: truthiness, `str()` output
 * ("True", "None", "['a', 'b']"), equality and ordering.
 */

import { PyFloat, formatPyFloat, formatPyInt, isPyFloat, numberValue } from '../../util/pyfloat.js';

export { PyFloat, isPyFloat, isPyInt, isPyNumber, numberValue, pyFloat } from '../../util/pyfloat.js';

/** A failure while evaluating an expression; template.ts turns it into a positioned TemplateError. */
export class ExprError extends Error {
  /** The template string being rendered when this happened (set by the renderer, innermost first). */
  template?: string;
  constructor(
    message: string,
    /** The variable path that was undefined, when that is the cause. */
    readonly undefinedName?: string,
  ) {
    super(message);
    this.name = 'ExprError';
  }
}

/** What a missing variable or attribute evaluates to. Using it for anything but `default`/`is defined` fails. */
export class Undefined {
  constructor(
    readonly name: string,
    readonly hint: string,
  ) {}
  fail(): never {
    throw new ExprError(this.hint, this.name);
  }
}

/** Ansible's `omit`: a map entry whose rendered value is OMIT is dropped, as if it had never been written. */
export const OMIT: { readonly omit: true } = Object.freeze({ omit: true as const });

export type Mapping = Record<string, unknown> | Map<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v === OMIT || v instanceof Undefined) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Reads a key of a mapping without ever reaching inherited (prototype) members. */
export function mappingGet(m: Mapping, key: string): { found: boolean; value?: unknown } {
  if (m instanceof Map) return m.has(key) ? { found: true, value: m.get(key) } : { found: false };
  return Object.hasOwn(m, key) ? { found: true, value: m[key] } : { found: false };
}

export function mappingKeys(m: Mapping): string[] {
  return m instanceof Map ? [...m.keys()] : Object.keys(m);
}

export function mappingEntries(m: Mapping): [string, unknown][] {
  return m instanceof Map ? [...m.entries()] : Object.entries(m);
}

/** Builds a plain object safely: a `__proto__` key becomes an own property, never the prototype. */
export function makeDict(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

export function failIfUndefined(v: unknown): void {
  if (v instanceof Undefined) v.fail();
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || v instanceof PyFloat) return isPyFloat(v) ? 'float' : 'int';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  if (v instanceof Undefined) return 'Undefined';
  return 'object';
}

/** Python truthiness; an undefined value is an error (StrictUndefined). */
export function truthy(v: unknown): boolean {
  failIfUndefined(v);
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return quote + out + quote;
}

/** Python str() of an int or a float (2 → "2", 2.0 → "2.0", 1e16 → "1e+16"). */
export function formatNumber(v: number | PyFloat): string {
  return isPyFloat(v) ? formatPyFloat(numberValue(v)!) : formatPyInt(v as number);
}

/** Python `repr()`, used inside containers when they are printed. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${mappingEntries(v).map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/** Python `str()`: what `{{ x }}` prints inside a larger string. */
export function pyStr(v: unknown): string {
  failIfUndefined(v);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || v instanceof PyFloat) return formatNumber(v);
  if (typeof v === 'string') return v;
  if (v === OMIT) return '__omit_place_holder__';
  if (Array.isArray(v) || isMapping(v)) return pyRepr(v);
  throw new ExprError(`cannot print a value of type ${typeName(v)}`);
}

/** Python `==`: deep for lists and dicts, numbers compare by value, no cross-type coercion ('1' != 1). */
export function pyEquals(a: unknown, b: unknown): boolean {
  failIfUndefined(a);
  failIfUndefined(b);
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = mappingKeys(a);
    if (ka.length !== mappingKeys(b).length) return false;
    return ka.every((k) => {
      const other = mappingGet(b, k);
      return other.found && pyEquals(mappingGet(a, k).value, other.value);
    });
  }
  return false;
}

/** Python ordering (`<` etc.): numbers with numbers, strings with strings, lists element-wise. */
export function pyCompare(a: unknown, b: unknown): number {
  failIfUndefined(a);
  failIfUndefined(b);
  const num = (v: unknown) => numeric(v) ?? v;
  const x = num(a);
  const y = num(b);
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = pyCompare(x[i], y[i]);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  throw new ExprError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** Python `in`: substring, list membership or dict key. */
export function pyContains(container: unknown, item: unknown): boolean {
  failIfUndefined(container);
  failIfUndefined(item);
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new ExprError(`'in <string>' requires a string on the left, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isMapping(container)) return typeof item === 'string' && mappingGet(container, item).found;
  throw new ExprError(`argument of type ${typeName(container)} is not iterable`);
}

/** The items a `for`-like consumer sees: list elements, string characters or dict keys. */
export function iterate(v: unknown, what: string): unknown[] {
  failIfUndefined(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return mappingKeys(v);
  throw new ExprError(`${what} expects a list, got ${typeName(v)}`);
}

/** The JS number behind a Python bool, int or float; undefined for anything else. */
export function numeric(v: unknown): number | undefined {
  return typeof v === 'boolean' ? Number(v) : numberValue(v);
}

export function toNumber(v: unknown, what: string): number {
  failIfUndefined(v);
  const n = numeric(v);
  if (n !== undefined) return n;
  throw new ExprError(`${what} needs a number, got ${typeName(v)} ${pyStr(v)}`);
}

export function toInt(v: unknown, what: string): number {
  const n = toNumber(v, what);
  if (isPyFloat(v)) throw new ExprError(`${what} must be an integer, not float ${pyStr(v)}`);
  return n;
}
