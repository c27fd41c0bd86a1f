/**
 * Python string and regex behaviours the filters must reproduce: str.split/strip, `re` patterns and
 * replacement templates, shlex.quote, posixpath.basename/dirname, and Ansible's loose version ordering.
 */
import { ExprError } from './values.js';
import { compareTyped } from './versions.js';

export function pySplit(s: string, sep?: string | null, maxsplit?: number): string[] {
  const limit = maxsplit === undefined || maxsplit < 0 ? Infinity : maxsplit;
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (out.length >= limit) {
        out.push(rest.replace(/\s+$/, ''));
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  if (sep === '') throw new ExprError('split(): empty separator');
  const parts = s.split(sep);
  if (parts.length - 1 <= limit) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(sep)];
}

export function pyStrip(s: string, chars: string | undefined | null, side: 'both' | 'left' | 'right'): string {
  const strip = chars === undefined || chars === null ? (c: string) => /\s/.test(c) : (c: string) => chars.includes(c);
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (side !== 'right') while (a < b && strip(cs[a]!)) a++;
  if (side !== 'left') while (b > a && strip(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

/** Translates a Python `re` pattern to a JavaScript RegExp (named groups, leading inline flags). */
export function pyRegex(pattern: string, opts: { ignorecase?: boolean; multiline?: boolean; global?: boolean } = {}): RegExp {
  let src = pattern;
  let flags = opts.global ? 'g' : '';
  if (opts.ignorecase) flags += 'i';
  if (opts.multiline) flags += 'm';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  src = src.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$(?![\\s\\S])').replace(/\\A/g, '^(?<![\\s\\S])');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new ExprError(`invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
}

/** Expands a Python `re.sub` replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, `\\`) for one match. */
export function expandReplacement(template: string, match: RegExpExecArray | string[], groups?: Record<string, string | undefined>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '\\' || i + 1 >= template.length) {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    const num = /^\d{1,2}/.exec(rest);
    const named = /^g<(\w+)>/.exec(rest);
    if (num) {
      out += match[Number(num[0])] ?? '';
      i += num[0].length;
    } else if (named) {
      const ref = named[1]!;
      out += (/^\d+$/.test(ref) ? match[Number(ref)] : groups?.[ref]) ?? '';
      i += named[0].length;
    } else {
      const esc = rest[0]!;
      out += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc === '\\' ? '\\' : `\\${esc}`;
      i += 1;
    }
  }
  return out;
}

/** Python's shlex.quote, which Ansible's `quote` filter uses (the one quoting helper, util/shell.ts). */
export { shellQuote } from '../../util/shell.js';

export function posixBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function posixDirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
}

/** distutils LooseVersion components: runs of digits (as numbers) and of lowercase letters; dots dropped. */
function looseParts(v: string): (number | string)[] {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((p) => p !== '' && p !== '.')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function compareLoose(a: string, b: string): number {
  const x = looseParts(a);
  const y = looseParts(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (typeof p !== typeof q) throw new ExprError(`cannot compare versions '${a}' and '${b}' (${String(p)} vs ${String(q)})`);
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0,
  '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0,
  '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

/** Ansible's `version` test: loose by default, or version_type strict, semver/semantic, pep440. */
export function versionCompare(value: string, other: string, operator = 'eq', type = 'loose'): boolean {
  const op = VERSION_OPS[operator];
  if (!op || !Object.hasOwn(VERSION_OPS, operator)) {
    throw new ExprError(`invalid version operator '${operator}' (use one of ${Object.keys(VERSION_OPS).join(', ')})`);
  }
  if (value === '' || other === '') throw new ExprError('version comparison needs two non-empty versions');
  if (type === 'loose') return op(compareLoose(value, other));
  const c = compareTyped(type, value, other);
  if (c === undefined) throw new ExprError(`unknown version_type '${type}' (use loose, strict, semver, semantic or pep440)`);
  return op(c);
}
