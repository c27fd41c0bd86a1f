/**
 * The filters admins use in playbooks, with Jinja2/Ansible semantics (argument names, defaults, Python
 * string conversions). Filters receive evaluated arguments; only `default`/`d`/`mandatory` see undefined input.
 */
import type { Env } from './eval.js';
import {
  ExprError,
  Undefined,
  failIfUndefined,
  isMapping,
  iterate,
  makeDict,
  mappingEntries,
  pyCompare,
  pyEquals,
  pyStr,
  truthy,
  typeName,
  isPyFloat,
  isPyInt,
  numberValue,
  pyFloat,
} from './values.js';
import { ansibleBool, attributeOf, combine, flatten, pyJson, toFloat, toInt, uniqueOf } from './data.js';
import { expandReplacement, posixBasename, posixDirname, pyRegex, pySplit, pyStrip, shellQuote, versionCompare } from './text.js';
import { dumpPyYaml } from './yaml-dump.js';
import { percentFormat } from './methods.js';

export type Filter = (input: unknown, args: unknown[], kwargs: Record<string, unknown>, env: Env) => unknown;

/** Positional-or-keyword argument, as Python binds them. */
function arg(args: unknown[], kwargs: Record<string, unknown>, index: number, name: string, dflt?: unknown): unknown {
  if (Object.hasOwn(kwargs, name)) return kwargs[name];
  return index < args.length ? args[index] : dflt;
}

function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || isPyFloat(v)) return pyStr(v);
  throw new ExprError(`${what} expects a string, got ${typeName(v)}`);
}

function list(v: unknown, what: string): unknown[] {
  return iterate(v, what);
}

function sortKey(item: unknown, attribute: unknown, caseSensitive: boolean): unknown {
  const v = attribute === undefined || attribute === null ? item : attributeOf(item, attribute);
  failIfUndefined(v);
  return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
}

function selectWith(env: Env, input: unknown, args: unknown[], kwargs: Record<string, unknown>, keep: boolean, byAttr: boolean): unknown[] {
  const items = list(input, byAttr ? 'selectattr' : 'select');
  const [attr, ...rest] = byAttr ? args : [undefined, ...args];
  const [testName, ...testArgs] = rest;
  return items.filter((item) => {
    const value = byAttr ? attributeOf(item, attr) : item;
    const ok = testName === undefined ? !(value instanceof Undefined) && truthy(value) : env.test(String(testName), value, testArgs, kwargs);
    return ok === keep;
  });
}

/** A number or numeric string; anything else is an error, as in Python. */
function number(v: unknown, what: string): number {
  const n = numberValue(toFloat(v, null));
  if (n === undefined) throw new ExprError(`${what} expects a number, got ${typeName(v)} ${pyStr(v)}`);
  return n;
}

/** The result of a number operation, of the input's kind (int stays int, float stays float). */
function keepKind(input: unknown, n: number): unknown {
  return isPyFloat(input) ? pyFloat(n) : n;
}

function toIntArg(v: unknown, what: string): number {
  const n = numberValue(v);
  if (n === undefined || !Number.isInteger(n)) throw new ExprError(`${what} must be an integer, got ${pyStr(v)}`);
  return n;
}

/** Python's round(x, ndigits): half to even on the exact binary value (2.5 → 2.0, 2.675 → 2.67). */
function pyRound(n: number, digits: number): number {
  if (!Number.isFinite(n) || digits < 0 || digits > 60) return digits < 0 ? Math.round(n / 10 ** -digits) * 10 ** -digits : n;
  // toFixed writes the exact decimal expansion of the double, so a true tie shows as 5 followed by zeros.
  const [whole, frac = ''] = Math.abs(n).toFixed(digits + 30).split('.') as [string, string?];
  const kept = BigInt(whole + frac.slice(0, digits));
  const rest = frac.slice(digits);
  const tie = /^50*$/.test(rest);
  const up = rest > '5' ? !tie : false;
  const rounded = up || (tie && kept % 2n === 1n) ? kept + 1n : kept;
  const text = rounded.toString().padStart(digits + 1, '0');
  const value = Number(digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text);
  return n < 0 ? -value : value;
}

function extreme(items: unknown[], what: string, keep: (comparison: number) => boolean): unknown {
  if (!items.length) return new Undefined(what, `${what}: the list is empty`);
  return items.reduce((a, b) => (keep(pyCompare(a, b)) ? a : b));
}

function regexOpts(args: unknown[], kwargs: Record<string, unknown>, from: number) {
  return { ignorecase: truthy(arg(args, kwargs, from, 'ignorecase', false)), multiline: truthy(arg(args, kwargs, from + 1, 'multiline', false)) };
}

export const FILTERS: Record<string, Filter> = {
  default(input, args, kwargs) {
    const fallback = arg(args, kwargs, 0, 'default_value', '');
    const onFalsy = truthy(arg(args, kwargs, 1, 'boolean', false));
    if (input instanceof Undefined || (onFalsy && !truthy(input))) return fallback;
    return input;
  },
  mandatory(input, args) {
    if (input instanceof Undefined) throw new ExprError(args[0] !== undefined ? pyStr(args[0]) : `mandatory variable ${input.hint}`, input.name);
    return input;
  },
  int: (input, args, kwargs) => toInt(input, arg(args, kwargs, 0, 'default', 0), Number(arg(args, kwargs, 1, 'base', 10))),
  float: (input, args, kwargs) => toFloat(input, arg(args, kwargs, 0, 'default', pyFloat(0))),
  // Ansible's to_bool hands None through (prints as ''); everything else is ansibleBool.
  bool: (input) => (input === null ? null : ansibleBool(input)),
  string: (input) => pyStr(input),
  lower: (input) => str(input, 'lower').toLowerCase(),
  upper: (input) => str(input, 'upper').toUpperCase(),
  trim: (input, args, kwargs) => pyStrip(str(input, 'trim'), arg(args, kwargs, 0, 'chars') as string | undefined, 'both'),
  join(input, args, kwargs) {
    const attr = arg(args, kwargs, 1, 'attribute');
    const items = list(input, 'join').map((x) => (attr === undefined ? x : attributeOf(x, attr)));
    return items.map(pyStr).join(pyStr(arg(args, kwargs, 0, 'd', '')));
  },
  split: (input, args, kwargs) =>
    pySplit(str(input, 'split'), arg(args, kwargs, 0, 'sep', null) as string | null, arg(args, kwargs, 1, 'maxsplit', -1) as number),
  replace(input, args, kwargs) {
    const s = str(input, 'replace');
    const old = str(arg(args, kwargs, 0, 'old'), 'replace old');
    const next = str(arg(args, kwargs, 1, 'new'), 'replace new');
    const count = arg(args, kwargs, 2, 'count', null) as number | null;
    if (count === null || count < 0) return s.split(old).join(next);
    const parts = s.split(old);
    return parts.slice(0, count + 1).join(next) + (parts.length > count + 1 ? old + parts.slice(count + 1).join(old) : '');
  },
  regex_replace(input, args, kwargs) {
    const s = str(input, 'regex_replace');
    const re = pyRegex(str(arg(args, kwargs, 0, 'pattern'), 'regex_replace pattern'), { ...regexOpts(args, kwargs, 2), global: true });
    const template = str(arg(args, kwargs, 1, 'replacement', ''), 'regex_replace replacement');
    const limit = Number(arg(args, kwargs, 4, 'count', 0)) || Infinity;
    let done = 0;
    return s.replace(re, (...m) => {
      if (done++ >= limit) return m[0] as string;
      const groups = typeof m[m.length - 1] === 'object' ? (m[m.length - 1] as Record<string, string>) : undefined;
      return expandReplacement(template, m.slice(0, groups ? -3 : -2) as string[], groups);
    });
  },
  regex_search(input, args, kwargs) {
    const s = str(input, 'regex_search');
    const [pattern, ...groupRefs] = args;
    const m = pyRegex(str(pattern, 'regex_search pattern'), regexOpts([], kwargs, 0)).exec(s);
    if (!m) return null;
    if (!groupRefs.length) return m[0];
    return groupRefs.map((ref) => {
      const r = /^\\(?:g<(\w+)>|(\d+))$/.exec(String(ref));
      if (!r) throw new ExprError(`regex_search: unknown group reference '${pyStr(ref)}' (use '\\\\1' or '\\\\g<name>')`);
      return (r[2] !== undefined ? m[Number(r[2])] : /^\d+$/.test(r[1]!) ? m[Number(r[1])] : m.groups?.[r[1]!]) ?? null;
    });
  },
  regex_findall(input, args, kwargs) {
    // Ansible's signature is (pattern, multiline, ignorecase): the reverse of regex_replace's order.
    const flags = { multiline: truthy(arg(args, kwargs, 1, 'multiline', false)), ignorecase: truthy(arg(args, kwargs, 2, 'ignorecase', false)) };
    const re = pyRegex(str(arg(args, kwargs, 0, 'pattern'), 'regex_findall pattern'), { ...flags, global: true });
    return [...str(input, 'regex_findall').matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
  },
  // Python 3.7+ re.escape: only characters special in a pattern (and whitespace) get a backslash.
  regex_escape: (input) => str(input, 'regex_escape').replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`),
  length(input) {
    if (typeof input === 'string' || Array.isArray(input)) return [...(input as string | unknown[])].length;
    if (input instanceof Map) return input.size;
    if (isMapping(input)) return Object.keys(input).length;
    throw new ExprError(`length: ${typeName(input)} has no length`);
  },
  first(input) {
    const items = list(input, 'first');
    return items.length ? items[0] : new Undefined('first', 'first: the list is empty');
  },
  last(input) {
    const items = list(input, 'last');
    return items.length ? items[items.length - 1] : new Undefined('last', 'last: the list is empty');
  },
  unique: (input) => uniqueOf(list(input, 'unique')),
  sort(input, args, kwargs) {
    const reverse = truthy(arg(args, kwargs, 0, 'reverse', false));
    const caseSensitive = truthy(arg(args, kwargs, 1, 'case_sensitive', false));
    const attribute = arg(args, kwargs, 2, 'attribute');
    const keyed = list(input, 'sort').map((item) => ({ item, key: sortKey(item, attribute, caseSensitive) }));
    keyed.sort((a, b) => pyCompare(a.key, b.key) * (reverse ? -1 : 1));
    return keyed.map((k) => k.item);
  },
  to_json: (input, args, kwargs) => pyJson(input, (arg(args, kwargs, 0, 'indent', null) as number | null) ?? null, truthy(arg(args, kwargs, 1, 'sort_keys', false))),
  to_nice_json: (input, args, kwargs) => pyJson(input, (arg(args, kwargs, 0, 'indent', 4) as number) ?? 4, true),
  from_json(input) {
    try {
      return JSON.parse(str(input, 'from_json'), (k, v) => (k === '__proto__' ? undefined : v));
    } catch (e) {
      throw new ExprError(`from_json: not valid JSON: ${(e as Error).message}`);
    }
  },
  to_yaml: (input, _args, kwargs) => dumpPyYaml(input, { indent: Number(numberValue(kwargs.indent) ?? 2), flowStyle: kwargs.default_flow_style === undefined ? null : truthy(kwargs.default_flow_style) }),
  to_nice_yaml: (input, args, kwargs) => dumpPyYaml(input, { indent: Number(numberValue(arg(args, kwargs, 0, 'indent', 4))), flowStyle: false }),
  quote: (input) => shellQuote(pyStr(input)),
  basename: (input) => posixBasename(str(input, 'basename')),
  dirname: (input) => posixDirname(str(input, 'dirname')),
  version: (input, args, kwargs) =>
    versionCompare(pyStr(input), pyStr(arg(args, kwargs, 0, 'version')), pyStr(arg(args, kwargs, 1, 'operator', 'eq'))),
  map(input, args, kwargs, env) {
    const items = list(input, 'map');
    if (Object.hasOwn(kwargs, 'attribute')) {
      return items.map((item) => {
        const v = attributeOf(item, kwargs.attribute);
        return v instanceof Undefined && Object.hasOwn(kwargs, 'default') ? kwargs.default : v;
      });
    }
    const [name, ...rest] = args;
    if (typeof name !== 'string') throw new ExprError("map needs a filter name or attribute='…'");
    return items.map((item) => env.filter(name, item, rest, {}));
  },
  select: (input, args, kwargs, env) => selectWith(env, input, args, kwargs, true, false),
  reject: (input, args, kwargs, env) => selectWith(env, input, args, kwargs, false, false),
  selectattr: (input, args, kwargs, env) => selectWith(env, input, args, kwargs, true, true),
  rejectattr: (input, args, kwargs, env) => selectWith(env, input, args, kwargs, false, true),
  list: (input) => [...list(input, 'list')],
  abs: (input) => keepKind(input, Math.abs(number(input, 'abs'))),
  round(input, args, kwargs) {
    const precision = toIntArg(arg(args, kwargs, 0, 'precision', 0), 'round precision');
    const method = String(arg(args, kwargs, 1, 'method', 'common'));
    const n = number(input, 'round');
    if (method === 'common') return isPyInt(input) ? n : pyFloat(pyRound(n, precision));
    if (method !== 'ceil' && method !== 'floor') throw new ExprError("round: method must be 'common', 'ceil' or 'floor'");
    const f = 10 ** precision;
    return pyFloat((method === 'ceil' ? Math.ceil(n * f) : Math.floor(n * f)) / f);
  },
  min: (input) => extreme(list(input, 'min'), 'min', (c) => c <= 0),
  max: (input) => extreme(list(input, 'max'), 'max', (c) => c >= 0),
  sum(input, args, kwargs) {
    const attribute = arg(args, kwargs, 0, 'attribute');
    const items = list(input, 'sum').map((x) => (attribute === undefined || attribute === null ? x : attributeOf(x, attribute)));
    const start = arg(args, kwargs, 1, 'start', 0);
    const all = [start, ...items];
    const total = all.reduce((a: number, b) => a + number(b, 'sum'), 0);
    return all.some(isPyFloat) ? pyFloat(total) : total;
  },
  flatten: (input, args, kwargs) => flatten(list(input, 'flatten'), (arg(args, kwargs, 0, 'levels', null) as number | null) ?? null),
  combine(input, args, kwargs) {
    const recursive = truthy(kwargs.recursive ?? false);
    return [input, ...args].reduce((acc, next) => combine(acc, next, recursive), makeDict([]));
  },
  dict2items(input, args, kwargs) {
    if (!isMapping(input)) throw new ExprError(`dict2items expects a dictionary, got ${typeName(input)}`);
    const k = pyStr(arg(args, kwargs, 0, 'key_name', 'key'));
    const v = pyStr(arg(args, kwargs, 1, 'value_name', 'value'));
    return mappingEntries(input).map(([key, value]) => makeDict([[k, key], [v, value]]));
  },
  items2dict(input, args, kwargs) {
    const k = pyStr(arg(args, kwargs, 0, 'key_name', 'key'));
    const v = pyStr(arg(args, kwargs, 1, 'value_name', 'value'));
    return makeDict(list(input, 'items2dict').map((item) => [pyStr(attributeOf(item, k)), attributeOf(item, v)]));
  },
  ternary: (input, args) => (truthy(input) ? args[0] : input === null && args.length > 2 ? args[2] : args[1]),
  format: (input, args) => percentFormat(str(input, 'format'), args),
  capitalize: (input) => {
    const t = str(input, 'capitalize');
    return t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
  },
  title: (input) => str(input, 'title').toLowerCase().replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  reverse: (input) => (typeof input === 'string' ? [...input].reverse().join('') : [...list(input, 'reverse')].reverse()),
  items(input) {
    if (!isMapping(input)) throw new ExprError(`items expects a dictionary, got ${typeName(input)}`);
    return mappingEntries(input).map(([k, v]) => [k, v]);
  },
  difference: (input, args) => uniqueOf(list(input, 'difference').filter((x) => !list(args[0], 'difference').some((y) => pyEquals(x, y)))),
  intersect: (input, args) => uniqueOf(list(input, 'intersect').filter((x) => list(args[0], 'intersect').some((y) => pyEquals(x, y)))),
  union: (input, args) => uniqueOf([...list(input, 'union'), ...list(args[0], 'union')]),
  b64encode: (input) => Buffer.from(str(input, 'b64encode'), 'utf8').toString('base64'),
  b64decode: (input) => Buffer.from(str(input, 'b64decode'), 'base64').toString('utf8'),
};
FILTERS.d = FILTERS.default!;
FILTERS.count = FILTERS.length!;
FILTERS.version_compare = FILTERS.version!;
