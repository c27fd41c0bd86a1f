/**
 * Ansible host patterns: `all`/`*`, host or group names, globs (`web*`, `192.168.*`), regexes (`~node-\d+`),
 * unions (`a:b`, `a,b`), intersections (`a:&b`), exclusions (`a:!b`) and group subscripts (`g[0]`, `g[-1]`,
 * `g[1:]`, `g[:3]`, `g[0:2]` with an inclusive end). Terms are evaluated unions first, then intersections,
 * then exclusions, whatever their position; with no union term the pattern starts from `all`.
 * Result order follows Ansible: union terms in the order written, each term's hosts in inventory order.
 */
import { ConfigError } from '../errors.js';
import { looksLikeIPv6 } from './address.js';
import { globToRegExp, hasGlobMagic } from './glob.js';
import { readLimitFile } from './limit-file.js';
import type { Inventory } from './types.js';
import { groupHosts } from './vars.js';

/** Ansible's split_host_pattern: commas win when present; otherwise `:` splits outside `[...]`, except IPv6. */
export function splitPattern(pattern: string): string[] {
  const text = pattern.trim();
  const pieces = text.includes(',') ? text.split(',') : [text];
  const terms: string[] = [];
  for (const raw of pieces) {
    const piece = raw.trim();
    if (!piece) continue;
    const bare = piece.replace(/^[&!]/, '');
    // A comma-separated piece is one term in Ansible; splitting it on ':' too only changes patterns that
    // would otherwise match nothing (`a,b:&c`), so the colon rule applies to every piece.
    if (looksLikeIPv6(bare) || looksLikeIPv6(bare.replace(/^\[|\]$/g, ''))) terms.push(piece);
    else terms.push(...(piece.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []));
  }
  return terms;
}

export interface PatternResult {
  hosts: string[];
  /** Terms (as written) that matched no host or group, for the caller's warning. */
  unmatched: string[];
}

/** Hosts matching `pattern`; a pattern that matches nothing gives [] (callers warn). */
export function resolvePattern(inv: Inventory, pattern: string): string[] {
  return resolvePatternDetailed(inv, pattern).hosts;
}

/** Like resolvePattern, also naming the terms that matched nothing. Accepts a pattern or its split terms. */
export function resolvePatternDetailed(inv: Inventory, pattern: string | readonly string[]): PatternResult {
  const terms = typeof pattern === 'string' ? splitPattern(pattern) : [...pattern];
  if (terms.length === 0) throw new ConfigError(`empty host pattern${typeof pattern === 'string' ? ` "${pattern}"` : ''}`);
  const unions = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&'));
  const exclusions = terms.filter((t) => t.startsWith('!'));
  const unmatched: string[] = [];
  const match = (term: string, expr: string): Set<string> | string[] => {
    if (expr === '') throw new ConfigError(`host pattern term "${term}" has nothing after "${term[0]}"`);
    const found = matchExpression(inv, expr);
    if (found.baseMatched === false) unmatched.push(term);
    return found.hosts;
  };
  const hosts: string[] = [];
  const seen = new Set<string>();
  for (const term of unions.length > 0 ? unions : ['all']) {
    for (const h of match(term, term)) {
      if (!seen.has(h)) {
        seen.add(h);
        hosts.push(h);
      }
    }
  }
  let result = hosts;
  for (const term of intersections) {
    const keep = new Set(match(term, term.slice(1)));
    result = result.filter((h) => keep.has(h));
  }
  for (const term of exclusions) {
    const drop = new Set(match(term, term.slice(1)));
    result = result.filter((h) => !drop.has(h));
  }
  return { hosts: result, unmatched };
}

/**
 * Restricts `hosts` (keeping their order) to those matching `limit`, a pattern whose `@file` terms name
 * files of host names, one per line. Apply it once per `--limit` flag: several flags intersect.
 * A limit matching none of `hosts` gives [] (callers warn).
 */
export function applyLimit(
  inv: Inventory,
  hosts: readonly string[],
  limit: string | readonly string[],
  readLimit: (path: string) => string[] = readLimitFile,
): string[] {
  const terms = expandLimitTerms(limit, readLimit);
  const allowed = new Set(resolvePatternDetailed(inv, terms).hosts);
  return hosts.filter((h) => allowed.has(h));
}

/** The limit's pattern terms with every `@file` term replaced by the file's lines. */
export function expandLimitTerms(
  limit: string | readonly string[],
  readLimit: (path: string) => string[] = readLimitFile,
): string[] {
  const terms: string[] = [];
  for (const term of typeof limit === 'string' ? splitPattern(limit) : limit) {
    if (term.startsWith('@')) terms.push(...readLimit(term.slice(1)));
    else terms.push(term);
  }
  if (terms.length === 0) {
    throw new ConfigError(`--limit ${JSON.stringify(typeof limit === 'string' ? limit : limit.join(':'))} selects nothing (empty pattern or empty file)`);
  }
  return terms;
}

interface ExpressionMatch {
  hosts: string[];
  baseMatched: boolean;
}

type Subscript = { index: number } | { start: number; end: number | undefined };

function matchExpression(inv: Inventory, expr: string): ExpressionMatch {
  if (inv.hosts.has(expr)) return { hosts: [expr], baseMatched: true };
  const { base, subscript } = splitSubscript(expr);
  const found = enumerate(inv, base);
  if (found.length === 0) return { hosts: [], baseMatched: false };
  return { hosts: subscript ? applySubscript(expr, found, subscript) : found, baseMatched: true };
}

function splitSubscript(expr: string): { base: string; subscript?: Subscript } {
  if (expr.startsWith('~')) return { base: expr };
  const single = /^(.+)\[(-?[0-9]+)\]$/.exec(expr);
  if (single) return { base: single[1]!, subscript: { index: Number(single[2]) } };
  const slice = /^(.+)\[(-?[0-9]*):(-?[0-9]*)\]$/.exec(expr);
  if (!slice) return { base: expr };
  if (slice[2] === '' && slice[3] === '') {
    throw new ConfigError(`host pattern "${expr}": "[:]" is not a valid subscript; use [start:], [:end] or [start:end]`);
  }
  return {
    base: slice[1]!,
    subscript: { start: slice[2] === '' ? 0 : Number(slice[2]), end: slice[3] === '' ? undefined : Number(slice[3]) },
  };
}

function applySubscript(expr: string, hosts: string[], subscript: Subscript): string[] {
  const n = hosts.length;
  if ('index' in subscript) {
    const i = subscript.index < 0 ? n + subscript.index : subscript.index;
    if (i < 0 || i >= n) {
      throw new ConfigError(`host pattern "${expr}": index ${subscript.index} is out of range (${n} hosts, 0..${n - 1})`);
    }
    return [hosts[i]!];
  }
  const start = subscript.start < 0 ? Math.max(0, n + subscript.start) : subscript.start;
  const end = subscript.end === undefined ? n - 1 : subscript.end < 0 ? n + subscript.end : subscript.end;
  return hosts.slice(start, end + 1);
}

/** Hosts of every group matching `base` plus, for globs/regexes/dotted names, matching host names. */
function enumerate(inv: Inventory, base: string): string[] {
  if (base === 'all' || base === '*') return [...inv.hosts.keys()];
  const matcher = compile(base);
  const groups = [...inv.groups.keys()].filter((g) => matcher(g));
  const members = new Set<string>();
  for (const g of groups) for (const h of groupHosts(inv, g)) members.add(h);
  const isWild = base.startsWith('~') || hasGlobMagic(base) || base.includes('.');
  if (groups.length === 0 || isWild) {
    for (const h of inv.hosts.keys()) if (matcher(h)) members.add(h);
  }
  return [...inv.hosts.keys()].filter((h) => members.has(h));
}

function compile(base: string): (name: string) => boolean {
  if (base.startsWith('~')) {
    let re: RegExp;
    try {
      // Python's re.match: anchored at the start only.
      re = new RegExp(`^(?:${base.slice(1)})`);
    } catch (err) {
      throw new ConfigError(`host pattern "${base}" is not a valid regular expression: ${(err as Error).message}`);
    }
    return (name) => re.test(name);
  }
  if (!hasGlobMagic(base)) return (name) => name === base;
  const re = globToRegExp(base);
  return (name) => re.test(name);
}
