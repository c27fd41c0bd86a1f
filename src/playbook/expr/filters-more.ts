/**
 * Ansible's filters beyond Jinja's core (the docs' playbooks_filters page): list combinators (zip, product,
 * permutations, combinations), set theory, combine with list_merge, extract, hashes, paths, URLs, comments,
 * human-readable sizes and YAML parsing. Semantics follow ansible-core 2.14's plugins/filter/*.py.
 */
import { createHash, getHashes } from 'node:crypto';
import { posix } from 'node:path';
import type { Filter } from './filters.js';
import { ExprError, Undefined, isMapping, makeDict, mappingEntries, mappingGet, numberValue, pyEquals, truthy, typeName } from './values.js';
import { arg, list, str } from './args.js';
import { flatten, uniqueOf } from './data.js';
import { urlSplit } from './url.js';
import { LineCounter, ansibleYamlOptions, parseAllDocuments } from '../../util/yaml.js';

function product(pools: unknown[][]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const pool of pools) out = out.flatMap((prefix) => pool.map((x) => [...prefix, x]));
  if (out.length > 100_000) throw new ExprError('product: more than 100000 combinations');
  return out;
}

function permutations(items: unknown[], r: number): unknown[][] {
  if (r === 0) return [[]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)], r - 1).map((rest) => [x, ...rest]));
}

function combinations(items: unknown[], r: number): unknown[][] {
  if (r === 0) return [[]];
  return items.flatMap((x, i) => combinations(items.slice(i + 1), r - 1).map((rest) => [x, ...rest]));
}

const contains = (items: unknown[], x: unknown) => items.some((y) => pyEquals(x, y));

/** Ansible's merge_hash (utils/vars.py): `y` wins; recursion and list_merge as documented for `combine`. */
function mergeHash(x: unknown, y: unknown, recursive: boolean, listMerge: string): unknown {
  if (!isMapping(x) || !isMapping(y)) throw new ExprError(`combine expects dictionaries, got ${typeName(x)} and ${typeName(y)}`);
  const out = makeDict(mappingEntries(x));
  for (const [key, yv] of mappingEntries(y)) {
    const prev = mappingGet(out, key);
    const xv = prev.value;
    if (!prev.found) out[key] = yv;
    else if (isMapping(xv) && isMapping(yv)) out[key] = recursive ? mergeHash(xv, yv, recursive, listMerge) : yv;
    else if (Array.isArray(xv) && Array.isArray(yv)) {
      const merged: Record<string, () => unknown[]> = {
        replace: () => yv,
        keep: () => xv,
        append: () => [...xv, ...yv],
        prepend: () => [...yv, ...xv],
        append_rp: () => [...xv.filter((z) => !contains(yv, z)), ...yv],
        prepend_rp: () => [...yv, ...xv.filter((z) => !contains(yv, z))],
      };
      out[key] = merged[listMerge]!();
    } else out[key] = yv;
  }
  return out;
}

function hashOf(input: unknown, algorithm: string): string {
  const name = algorithm.toLowerCase();
  if (!getHashes().includes(name)) throw new ExprError(`hash: unknown hash type '${algorithm}'`);
  return createHash(name).update(str(input, 'hash'), 'utf8').digest('hex');
}

const SIZE_RANGES: [string, number][] = [['Y', 2 ** 80], ['Z', 2 ** 70], ['E', 2 ** 60], ['P', 2 ** 50], ['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10], ['B', 1]];

function bytesToHuman(size: number, isbits: boolean, unit: unknown): string {
  const base = isbits ? 'bits' : 'Bytes';
  let [suffix, limit] = SIZE_RANGES[SIZE_RANGES.length - 1]!;
  for (const [s, l] of SIZE_RANGES) {
    [suffix, limit] = [s, l];
    if ((unit === undefined || unit === null) ? size >= l : String(unit).toUpperCase() === s) break;
  }
  return `${(size / limit).toFixed(2)} ${limit !== 1 ? suffix + base[0] : base}`;
}

function humanToBytes(input: unknown, defaultUnit: unknown, isbits: boolean): number {
  const text = str(input, 'human_to_bytes');
  const m = /^\s*(\d*\.?\d*)\s*([A-Za-z]+)?/.exec(text);
  const num = m && m[1] !== '' && m[1] !== '.' ? Number(m[1]) : NaN;
  if (!m || Number.isNaN(num)) throw new ExprError(`human_to_bytes() can't interpret following string: ${text}`);
  const unit = m[2] ?? (defaultUnit === undefined || defaultUnit === null ? undefined : String(defaultUnit));
  if (unit === undefined) return Math.round(num);
  const key = unit[0]!.toUpperCase();
  const limit = SIZE_RANGES.find(([s]) => s === key)?.[1];
  if (limit === undefined) throw new ExprError(`human_to_bytes() failed to convert ${text} (unit = ${unit}). The suffix must be one of ${SIZE_RANGES.map(([s]) => s).join(', ')}`);
  const [cls, clsName] = isbits ? ['b', 'bit'] : ['B', 'byte'];
  if (unit.length > 1 && !unit.toLowerCase().includes(clsName) && unit[1] !== cls) {
    throw new ExprError(`human_to_bytes() failed to convert ${text}. Value is not a valid string (expect ${key === 'B' ? `${cls} or ${clsName}` : `${key}${cls} or ${key}`})`);
  }
  return Math.round(num * limit);
}

const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};

function comment(text: string, style: string, kw: Record<string, unknown>): string {
  const styleParams = COMMENT_STYLES[style];
  if (!styleParams || !Object.hasOwn(COMMENT_STYLES, style)) throw new ExprError(`comment: unknown style '${style}' (use ${Object.keys(COMMENT_STYLES).join(', ')})`);
  const pre = Object.hasOwn(kw, 'decoration') ? String(kw.decoration) : styleParams.decoration!;
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: pre.trimEnd(), prefix_count: 1, decoration: '', postfix: pre.trimEnd(), postfix_count: 1, end: '', ...styleParams, ...kw };
  const [nl, deco, prefix, postfix] = [String(p.newline), String(p.decoration), String(p.prefix), String(p.postfix)];
  const beginning = p.beginning ? `${String(p.beginning)}${nl}` : '';
  const prefixText = prefix ? (prefix !== nl ? `${prefix}${nl}` : nl).repeat(Number(numberValue(p.prefix_count) ?? 1)) : '';
  const body = `${deco}${text.split(nl).join(`${nl}${deco}`)}`.split(`${deco}${nl}`).join(`${deco.trimEnd()}${nl}`);
  const postfixText = ['', ...Array.from({ length: Number(numberValue(p.postfix_count) ?? 1) }, () => postfix)].join(nl);
  const end = p.end ? `${nl}${String(p.end)}` : '';
  return beginning + prefixText + body + postfixText + end;
}

function fromYaml(input: unknown, all: boolean): unknown {
  if (typeof input !== 'string') return input;
  const docs = parseAllDocuments(input, ansibleYamlOptions(new LineCounter()));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) if ('errors' in doc && doc.errors.length) throw new ExprError(`from_yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
  const values = list.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown);
  return all ? values : (values[0] ?? null);
}

export const MORE_FILTERS: Record<string, Filter> = {
  zip: (input, args) => {
    const lists = [list(input, 'zip'), ...args.map((a) => list(a, 'zip'))];
    return Array.from({ length: Math.min(...lists.map((l) => l.length)) }, (_, i) => lists.map((l) => l[i]));
  },
  zip_longest: (input, args, kwargs) => {
    const lists = [list(input, 'zip_longest'), ...args.map((a) => list(a, 'zip_longest'))];
    const fill = kwargs.fillvalue ?? null;
    return Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
  },
  product: (input, args, kwargs) => {
    const pools = [list(input, 'product'), ...args.map((a) => list(a, 'product'))];
    const repeat = Number(numberValue(kwargs.repeat ?? 1));
    return product(Array.from({ length: repeat }, () => pools).flat());
  },
  permutations: (input, args, kwargs) => {
    const items = list(input, 'permutations');
    const r = arg(args, kwargs, 0, 'r', null);
    return permutations(items, r === null ? items.length : Number(numberValue(r)));
  },
  combinations: (input, args, kwargs) => combinations(list(input, 'combinations'), Number(numberValue(arg(args, kwargs, 0, 'r')))),
  extract: (input, args, kwargs) => {
    const container = arg(args, kwargs, 0, 'container');
    const more = arg(args, kwargs, 1, 'morekeys', null);
    let value: unknown = container;
    for (const key of [input, ...(more === null ? [] : Array.isArray(more) ? more : [more])]) {
      if (isMapping(value)) {
        const hit = mappingGet(value, str(key, 'extract'));
        value = hit.found ? hit.value : new Undefined(String(key), `extract: no key '${String(key)}'`);
      } else if (Array.isArray(value) && typeof key === 'number') value = key < value.length ? value[key] : new Undefined(String(key), `extract: no index ${key}`);
      else if (!(value instanceof Undefined)) value = new Undefined(String(key), `extract: ${typeName(value)} has no key '${String(key)}'`);
    }
    return value;
  },
  symmetric_difference: (input, args) => {
    const [a, b] = [list(input, 'symmetric_difference'), list(args[0], 'symmetric_difference')];
    return uniqueOf([...a, ...b]).filter((x) => !(contains(a, x) && contains(b, x)));
  },
  difference: (input, args) => uniqueOf(list(input, 'difference').filter((x) => !contains(list(args[0], 'difference'), x))),
  intersect: (input, args) => uniqueOf(list(input, 'intersect').filter((x) => contains(list(args[0], 'intersect'), x))),
  union: (input, args) => uniqueOf([...list(input, 'union'), ...list(args[0], 'union')]),
  combine: (input, args, kwargs) => {
    const listMerge = String(kwargs.list_merge ?? 'replace');
    if (!['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'].includes(listMerge)) throw new ExprError(`combine: unknown list_merge '${listMerge}'`);
    const extra = Object.keys(kwargs).filter((k) => k !== 'recursive' && k !== 'list_merge');
    if (extra.length) throw new ExprError("combine: 'recursive' and 'list_merge' are the only valid keyword arguments");
    const dicts = flatten([input, ...args], 1);
    if (!dicts.length) return makeDict([]);
    if (dicts.length === 1) return dicts[0];
    return dicts.slice(0, -1).reduceRight((acc, d) => mergeHash(d, acc, truthy(kwargs.recursive ?? false), listMerge), dicts[dicts.length - 1]);
  },
  hash: (input, args, kwargs) => hashOf(input, str(arg(args, kwargs, 0, 'hashtype', 'sha1'), 'hash type')),
  checksum: (input) => hashOf(input, 'sha1'),
  sha1: (input) => hashOf(input, 'sha1'),
  md5: (input) => hashOf(input, 'md5'),
  path_join: (input) => (typeof input === 'string' ? input : list(input, 'path_join').map((p) => str(p, 'path_join')).reduce((a, b) => (b.startsWith('/') ? b : !a || a.endsWith('/') ? a + b : `${a}/${b}`), '')),
  splitext: (input) => {
    const p = str(input, 'splitext');
    const ext = posix.extname(p);
    return [p.slice(0, p.length - ext.length), ext];
  },
  type_debug: (input) => typeName(input),
  human_readable: (input, args, kwargs) =>
    bytesToHuman(Number(numberValue(input) ?? Number(str(input, 'human_readable'))), truthy(arg(args, kwargs, 0, 'isbits', false)), arg(args, kwargs, 1, 'unit', null)),
  human_to_bytes: (input, args, kwargs) => humanToBytes(input, arg(args, kwargs, 0, 'default_unit', null), truthy(arg(args, kwargs, 1, 'isbits', false))),
  urlsplit: (input, args, kwargs) => {
    const parts = urlSplit(str(input, 'urlsplit'));
    const query = arg(args, kwargs, 0, 'query', '');
    if (!query) return parts;
    if (!Object.hasOwn(parts, String(query))) throw new ExprError(`urlsplit: unknown URL component: ${String(query)}`);
    return parts[String(query)];
  },
  comment: (input, args, kwargs) => comment(str(input, 'comment'), String(arg(args, kwargs, 0, 'style', 'plain')), makeDict(Object.entries(kwargs).filter(([k]) => k !== 'style'))),
  from_yaml: (input) => fromYaml(input, false),
  from_yaml_all: (input) => fromYaml(input, true),
};
