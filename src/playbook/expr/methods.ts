/**
 * The only callables templates can reach: Python-like string/dict/list methods from a fixed table, the
 * `range()` global and printf-style `%` formatting. Tables are looked up by own key only.
 */
import { ExprError, isMapping, iterate, mappingEntries, mappingGet, mappingKeys, pyEquals, pyRepr, pyStr, toInt, toNumber, type Mapping } from './values.js';
import { pySplit, pyStrip } from './text.js';

/** Python's printf-style `'%s-%02d' % (name, n)`. */
export function percentFormat(format: string, values: unknown): string {
  const args = Array.isArray(values) ? [...values] : [values];
  const out = format.replace(/%([-0 +]*)(\d*)(?:\.(\d+))?([sdirfx%])/g, (_m, flags: string, width: string, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    if (!args.length) throw new ExprError('not enough arguments for format string');
    const v = args.shift();
    let text: string;
    if (conv === 's') text = pyStr(v);
    else if (conv === 'r') text = pyRepr(v);
    else if (conv === 'f') text = toNumber(v, '%f').toFixed(precision === undefined ? 6 : Number(precision));
    else if (conv === 'x') text = Math.trunc(toNumber(v, '%x')).toString(16);
    else text = String(Math.trunc(toNumber(v, `%${conv}`)));
    const w = Number(width || 0);
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    if (flags.includes('0') && conv !== 's' && conv !== 'r') return text.startsWith('-') ? `-${text.slice(1).padStart(w - 1, '0')}` : text.padStart(w, '0');
    return text.padStart(w);
  });
  if (args.length) throw new ExprError('not all arguments converted during string formatting');
  return out;
}

export function range(args: unknown[]): number[] {
  const nums = args.map((a) => toInt(a, 'range()'));
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
  if (step === 0) throw new ExprError('range() step cannot be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100_000) throw new ExprError('range() is limited to 100000 items');
  }
  return out;
}

export type Method = (target: never, args: unknown[], kwargs: Record<string, unknown>) => unknown;

const STRING_METHODS: Record<string, (s: string, args: unknown[]) => unknown> = {
  startswith: (s, [p]) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p))),
  endswith: (s, [p]) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p))),
  split: (s, [sep, max]) => pySplit(s, sep as string | null | undefined, max as number | undefined),
  strip: (s, [chars]) => pyStrip(s, chars as string | undefined, 'both'),
  lstrip: (s, [chars]) => pyStrip(s, chars as string | undefined, 'left'),
  rstrip: (s, [chars]) => pyStrip(s, chars as string | undefined, 'right'),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  replace: (s, [a, b]) => s.split(String(a)).join(String(b)),
  find: (s, [sub]) => s.indexOf(String(sub)),
  count: (s, [sub]) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  join: (s, [items]) => iterate(items, 'join()').map(pyStr).join(s),
  splitlines: (s) => s.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
  isdigit: (s) => /^\d+$/.test(s),
};

const MAPPING_METHODS: Record<string, (m: Mapping, args: unknown[]) => unknown> = {
  keys: (m) => mappingKeys(m),
  values: (m) => mappingEntries(m).map(([, v]) => v),
  items: (m) => mappingEntries(m).map(([k, v]) => [k, v]),
  get: (m, [key, dflt]) => {
    const hit = mappingGet(m, pyStr(key));
    return hit.found ? hit.value : (dflt ?? null);
  },
};

const LIST_METHODS: Record<string, (l: unknown[], args: unknown[]) => unknown> = {
  index: (l, [x]) => {
    const i = l.findIndex((y) => pyEquals(x, y));
    if (i < 0) throw new ExprError(`${pyStr(x)} is not in list`);
    return i;
  },
  count: (l, [x]) => l.filter((y) => pyEquals(x, y)).length,
};

export function methodFor(target: unknown, name: string): Method | undefined {
  const table: Record<string, unknown> | undefined =
    typeof target === 'string' ? STRING_METHODS : isMapping(target) ? MAPPING_METHODS : Array.isArray(target) ? LIST_METHODS : undefined;
  return table && Object.hasOwn(table, name) ? (table[name] as Method) : undefined;
}
