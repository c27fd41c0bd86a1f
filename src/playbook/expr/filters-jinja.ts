/**
 * More filters seen in everyday playbooks: Jinja's dictsort, groupby, batch, indent, center, wordcount,
 * urlencode, escape/safe, and Ansible's subelements, pow/log/root, to_uuid, fileglob (controller), expanduser.
 */
import { createHash } from 'node:crypto';
import type { Filter } from './filters.js';
import { ExprError, isMapping, mappingEntries, numberValue, pyCompare, pyFloat, pyStr, truthy, typeName } from './values.js';
import { arg, list, str } from './args.js';
import { attributeOf, subelements } from './data.js';
import { controllerGlob, controllerEnv } from './lookups.js';

function num(v: unknown, what: string): number {
  const n = typeof v === 'boolean' ? Number(v) : numberValue(v);
  if (n === undefined) throw new ExprError(`${what} expects a number, got ${typeName(v)}`);
  return n;
}

/** Python's urllib.parse.quote: letters, digits and `_.-~` (and `safe`) stay, the rest is %XX of its UTF-8 bytes. */
function urlQuote(s: string, safe: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) || (byte < 128 && safe.includes(ch)) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** uuid.uuid5(namespace, name), as Ansible's to_uuid filter returns it. */
function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new ExprError(`to_uuid: invalid namespace '${namespace}'`);
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const JINJA_FILTERS: Record<string, Filter> = {
  subelements: (input, args, kwargs) => subelements(input, str(arg(args, kwargs, 0, 'subelements'), 'subelements'), truthy(arg(args, kwargs, 1, 'skip_missing', false))),
  dictsort: (input, args, kwargs) => {
    if (!isMapping(input)) throw new ExprError(`dictsort expects a dictionary, got ${typeName(input)}`);
    const caseSensitive = truthy(arg(args, kwargs, 0, 'case_sensitive', false));
    const byValue = arg(args, kwargs, 1, 'by', 'key') === 'value';
    const reverse = truthy(arg(args, kwargs, 2, 'reverse', false));
    const key = (e: [string, unknown]) => {
      const v = byValue ? e[1] : e[0];
      return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
    };
    return mappingEntries(input)
      .map(([k, v]) => [k, v] as [string, unknown])
      .sort((a, b) => pyCompare(key(a), key(b)) * (reverse ? -1 : 1));
  },
  groupby: (input, args, kwargs) => {
    const attribute = arg(args, kwargs, 0, 'attribute');
    const dflt = arg(args, kwargs, 1, 'default');
    const keyed = list(input, 'groupby').map((item) => {
      const k = attributeOf(item, attribute);
      return { item, key: numberValue(k) === undefined && typeof k !== 'string' && dflt !== undefined ? dflt : k };
    });
    keyed.sort((a, b) => pyCompare(a.key, b.key));
    const groups: [unknown, unknown[]][] = [];
    for (const { item, key } of keyed) {
      const last = groups[groups.length - 1];
      if (last && pyCompare(last[0], key) === 0) last[1].push(item);
      else groups.push([key, [item]]);
    }
    return groups;
  },
  batch: (input, args, kwargs) => {
    const size = num(arg(args, kwargs, 0, 'linecount'), 'batch');
    if (!Number.isInteger(size) || size < 1) throw new ExprError('batch: linecount must be a whole number of at least 1');
    const fill = arg(args, kwargs, 1, 'fill_with');
    const items = list(input, 'batch');
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    const last = out[out.length - 1];
    if (fill !== undefined && last) while (last.length < size) last.push(fill);
    return out;
  },
  indent: (input, args, kwargs) => {
    const width = arg(args, kwargs, 0, 'width', 4);
    const indention = typeof width === 'string' ? width : ' '.repeat(num(width, 'indent'));
    const lines = `${str(input, 'indent')}\n`.split('\n').slice(0, -1);
    let rv: string;
    if (truthy(arg(args, kwargs, 2, 'blank', false))) rv = lines.join(`\n${indention}`);
    else rv = [lines[0] ?? '', ...lines.slice(1).map((l) => (l ? indention + l : l))].join('\n');
    return truthy(arg(args, kwargs, 1, 'first', false)) ? indention + rv : rv;
  },
  center: (input, args, kwargs) => {
    const s = str(input, 'center');
    const width = num(arg(args, kwargs, 0, 'width', 80), 'center');
    const pad = width - [...s].length;
    if (pad <= 0) return s;
    const left = Math.floor(pad / 2) + (pad & width & 1);
    return ' '.repeat(left) + s + ' '.repeat(pad - left);
  },
  wordcount: (input) => (str(input, 'wordcount').match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  urlencode: (input) => {
    if (typeof input === 'string') return urlQuote(input, '/');
    const pairs = isMapping(input) ? mappingEntries(input) : list(input, 'urlencode').map((p) => list(p, 'urlencode') as [unknown, unknown]);
    return pairs.map(([k, v]) => `${urlQuote(pyStr(k), '').replace(/%20/g, '+')}=${urlQuote(pyStr(v), '').replace(/%20/g, '+')}`).join('&');
  },
  escape: (input) => pyStr(input).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
  safe: (input) => input,
  pow: (input, args) => pyFloat(num(input, 'pow') ** num(args[0], 'pow')),
  log: (input, args) => pyFloat(args[0] === undefined ? Math.log(num(input, 'log')) : Math.log(num(input, 'log')) / Math.log(num(args[0], 'log'))),
  root: (input, args) => pyFloat(args[0] === undefined || num(args[0], 'root') === 2 ? Math.sqrt(num(input, 'root')) : num(input, 'root') ** (1 / num(args[0], 'root'))),
  to_uuid: (input, args, kwargs) => uuid5(str(arg(args, kwargs, 0, 'namespace', '361E6D51-FAEC-444A-9079-341386DA8E2E'), 'to_uuid'), str(input, 'to_uuid')),
  fileglob: (input) => controllerGlob(str(input, 'fileglob')),
  expanduser: (input) => {
    const p = str(input, 'expanduser');
    return p === '~' || p.startsWith('~/') ? (controllerEnv('HOME') ?? '~') + p.slice(1) : p;
  },
};
JINJA_FILTERS.e = JINJA_FILTERS.escape!;
