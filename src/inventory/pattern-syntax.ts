/**
 * The syntax of Ansible host patterns, checked strictly. Ansible's split_host_pattern keeps only complete
 * `[...]` groups and silently drops a stray bracket, so `~[unclosed` becomes the regex `~` (every host) and
 * `web[0` becomes `web` + `0` (all of web). drydock refuses such a pattern instead, naming the column, and
 * refuses what Ansible reports as "Invalid host list pattern" (`web[z-a]`) as an input error, not a crash.
 */
import { ConfigError } from '../errors.js';
import { looksLikeIPv6 } from './address.js';
import { globToRegExp, hasGlobMagic } from './glob.js';

/** One term as written (with its `&`/`!` prefix) and its 1-based column in the pattern. */
export interface PatternTerm {
  text: string;
  col: number;
}

/** A ConfigError for `pattern`, pointing at `col` (1-based) when given. */
export function patternError(pattern: string, message: string, col?: number): ConfigError {
  const known = col !== undefined && col > 0;
  const where = known ? ` at column ${col}` : '';
  const caret = !known ? '' : `\n    ${pattern}\n    ${' '.repeat(col! - 1)}^`;
  return new ConfigError(`host pattern "${pattern}": ${message}${where}${caret}`);
}

/**
 * Ansible's split_host_pattern, strict: commas win when present; otherwise `:` and whitespace split outside
 * `[...]`, except in an IPv6 address. An unclosed `[` or a stray `]` is an error, never dropped.
 */
export function tokenizePattern(pattern: string): PatternTerm[] {
  const pieces: { text: string; offset: number }[] = [];
  if (pattern.includes(',')) {
    let offset = 0;
    for (const text of pattern.split(',')) {
      pieces.push({ text, offset });
      offset += text.length + 1;
    }
  } else {
    pieces.push({ text: pattern, offset: 0 });
  }
  const terms: PatternTerm[] = [];
  for (const { text, offset } of pieces) {
    const trimmed = text.trim();
    if (!trimmed) continue;
    const lead = offset + text.indexOf(trimmed);
    const bare = trimmed.replace(/^[&!]/, '');
    // A comma-separated piece is one term in Ansible; splitting it on ':' too only changes patterns that
    // would otherwise match nothing (`a,b:&c`), so the colon rule applies to every piece.
    if (looksLikeIPv6(bare) || looksLikeIPv6(bare.replace(/^\[|\]$/g, ''))) terms.push({ text: trimmed, col: lead + 1 });
    else terms.push(...scanPiece(pattern, trimmed, lead));
  }
  return terms;
}

function scanPiece(pattern: string, piece: string, offset: number): PatternTerm[] {
  const terms: PatternTerm[] = [];
  let start = -1;
  const end = (i: number): void => {
    if (start >= 0) terms.push({ text: piece.slice(start, i), col: offset + start + 1 });
    start = -1;
  };
  for (let i = 0; i < piece.length; i++) {
    const ch = piece[i]!;
    if (ch === ':' || /\s/.test(ch)) {
      end(i);
      continue;
    }
    if (start < 0) start = i;
    if (ch === ']') throw patternError(pattern, 'a "]" with no "[" before it', offset + i + 1);
    if (ch === '[') {
      const close = piece.indexOf(']', i + 1);
      if (close < 0) throw patternError(pattern, 'a "[" that is never closed', offset + i + 1);
      i = close;
    }
  }
  end(piece.length);
  return terms;
}

/** Index `[i]` or inclusive slice `[i:j]` on a group, as Ansible's _split_subscript reads them. */
export type Subscript = { index: number } | { start: number; end: number | undefined };

export function splitSubscript(pattern: string, expr: string): { base: string; subscript?: Subscript } {
  if (expr.startsWith('~')) return { base: expr };
  const single = /^(.+)\[(-?[0-9]+)\]$/.exec(expr);
  if (single) return { base: single[1]!, subscript: { index: Number(single[2]) } };
  const slice = /^(.+)\[(-?[0-9]*):(-?[0-9]*)\]$/.exec(expr);
  if (!slice) return { base: expr };
  if (slice[2] === '' && slice[3] === '') {
    throw patternError(pattern, `"${expr}": "[:]" is not a valid subscript; use [start:], [:end] or [start:end]`);
  }
  return {
    base: slice[1]!,
    subscript: { start: slice[2] === '' ? 0 : Number(slice[2]), end: slice[3] === '' ? undefined : Number(slice[3]) },
  };
}

/** A matcher for a host or group name: `~regex` (anchored at the start, as Python's re.match), glob or name. */
export function compileName(pattern: string, base: string, col?: number): (name: string) => boolean {
  if (base.startsWith('~')) {
    if (base.length === 1) throw patternError(pattern, 'a "~" with no regular expression after it', col);
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${base.slice(1)})`);
    } catch (err) {
      throw patternError(pattern, `"${base}" is not a valid regular expression: ${(err as Error).message}`, col);
    }
    return (name) => re.test(name);
  }
  if (!hasGlobMagic(base)) return (name) => name === base;
  let re: RegExp;
  try {
    re = globToRegExp(base);
  } catch {
    throw patternError(pattern, `"${base}" is not a valid wildcard pattern (check its [a-z] character ranges)`, col);
  }
  return (name) => re.test(name);
}

/** Checks every term's syntax before anything is matched, so a bad pattern is refused as a whole. */
export function checkTerms(pattern: string, terms: readonly PatternTerm[]): void {
  for (const { text, col } of terms) {
    const op = text[0] === '&' || text[0] === '!' ? text[0] : '';
    const expr = text.slice(op.length);
    if (expr === '') throw patternError(pattern, `term "${text}" has nothing after "${op}"`, col);
    const { base } = splitSubscript(pattern, expr);
    compileName(pattern, base, col + op.length);
  }
}
