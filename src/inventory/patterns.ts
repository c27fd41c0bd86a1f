/**
 * Ansible host patterns: `all`/`*`, host or group names, globs (`web*`, `192.168.*`), regexes (`~node-\d+`),
 * unions (`a:b`, `a,b`), intersections (`a:&b`), exclusions (`a:!b`) and group subscripts (`g[0]`, `g[-1]`,
 * `g[1:]`, `g[:3]`, `g[0:2]` with an inclusive end). Terms are evaluated unions first, then intersections,
 * then exclusions, whatever their position; with no union term the pattern starts from `all`.
 * Result order follows Ansible: union terms in the order written; a term's hosts are those of each matching
 * group (inventory group order, each in Ansible's group order: `groupHosts`), then matching host names.
 */
import { ConfigError } from '../errors.js';
import { readLimitFile } from './limit-file.js';
import { hasGlobMagic } from './glob.js';
import { checkTerms, compileName, splitSubscript, tokenizePattern, type PatternTerm, type Subscript } from './pattern-syntax.js';
import type { Inventory } from './types.js';
import { groupHosts } from './vars.js';

/** Splits a pattern into its terms (Ansible's split_host_pattern); a stray or unclosed bracket is an error. */
export function splitPattern(pattern: string): string[] {
  return tokenizePattern(pattern).map((t) => t.text);
}

/**
 * What to do with a term that matches no host or group. Ansible warns and ignores it everywhere; drydock
 * reports it and, inside an exclusion or intersection (where ignoring a typo widens the selection), refuses
 * the pattern unless `allowUnmatched` (the command line's --allow-unmatched).
 */
export interface PatternPolicy {
  allowUnmatched?: boolean;
  report?: (message: string) => void;
}

const policies = new WeakMap<Inventory, PatternPolicy>();

/** Sets how patterns resolved against `inv` treat unmatched terms (the run's flags and warning sink). */
export function setPatternPolicy(inv: Inventory, policy: PatternPolicy): void {
  policies.set(inv, policy);
}

export interface PatternResult {
  hosts: string[];
  /** Terms (as written) that matched no host or group, for the caller's warning. */
  unmatched: string[];
}

/** The policy set for `inv` by the run (its --allow-unmatched and warning sink); strict when none was set. */
export function patternPolicyOf(inv: Inventory): PatternPolicy {
  return policies.get(inv) ?? {};
}

/**
 * Hosts matching `pattern`; a pattern that matches nothing gives [] (callers warn). With a `policy` (patterns
 * typed on the command line), unmatched terms are reported and refused in an exclusion or intersection. A
 * playbook's `hosts:` line is resolved without one, as Ansible does: drydock's own playbooks name kubeadm's and
 * kubespray's groups side by side (`workers:kube_node:!control_plane:!kube_control_plane`) on purpose.
 */
export function resolvePattern(inv: Inventory, pattern: string, policy?: PatternPolicy): string[] {
  const result = resolvePatternDetailed(inv, pattern);
  if (policy) enforce(pattern, result.unmatched, policy);
  return result.hosts;
}

function enforce(pattern: string, unmatched: readonly string[], policy: PatternPolicy): void {
  const narrowing = unmatched.filter((t) => t.startsWith('&') || t.startsWith('!'));
  if (narrowing.length > 0 && !policy.allowUnmatched) {
    throw new ConfigError(
      narrowing.map((term) => ({
        message:
          `host pattern "${pattern}": "${term.slice(1)}" matches no host or group, so ${term[0] === '!' ? 'excluding' : 'intersecting with'} ` +
          'it would not narrow the selection as written; fix the name, or pass --allow-unmatched to run it anyway',
      })),
    );
  }
  for (const term of unmatched) policy.report?.(`host pattern "${pattern}": "${term}" matches no host or group, ignored`);
}

/** Like resolvePattern, also naming the terms that matched nothing. Accepts a pattern or its split terms. */
export function resolvePatternDetailed(inv: Inventory, pattern: string | readonly string[]): PatternResult {
  const text = typeof pattern === 'string' ? pattern : pattern.join(':');
  const parsed: PatternTerm[] = typeof pattern === 'string' ? tokenizePattern(pattern) : pattern.map((t) => ({ text: t, col: 0 }));
  if (parsed.length === 0) throw new ConfigError(`empty host pattern${typeof pattern === 'string' ? ` "${pattern}"` : ''}`);
  checkTerms(text, parsed);
  const terms = parsed.map((t) => t.text);
  const unions = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&'));
  const exclusions = terms.filter((t) => t.startsWith('!'));
  const unmatched: string[] = [];
  const match = (term: string, expr: string): Set<string> | string[] => {
    const found = matchExpression(inv, text, expr);
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
 * A limit matching none of `hosts` gives [] (callers warn); its unmatched terms go through `policy`.
 */
export function applyLimit(
  inv: Inventory,
  hosts: readonly string[],
  limit: string | readonly string[],
  readLimit: (path: string) => string[] = readLimitFile,
  policy: PatternPolicy = patternPolicyOf(inv),
): string[] {
  const terms = expandLimitTerms(limit, readLimit);
  const result = resolvePatternDetailed(inv, terms);
  enforce(typeof limit === 'string' ? limit : limit.join(':'), result.unmatched, policy);
  const allowed = new Set(result.hosts);
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

function matchExpression(inv: Inventory, pattern: string, expr: string): ExpressionMatch {
  if (inv.hosts.has(expr)) return { hosts: [expr], baseMatched: true };
  const { base, subscript } = splitSubscript(pattern, expr);
  const found = enumerate(inv, pattern, base);
  if (found.length === 0) return { hosts: [], baseMatched: false };
  return { hosts: subscript ? applySubscript(expr, found, subscript) : found, baseMatched: true };
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

/**
 * Hosts of every group matching `base` (each in Ansible's group order) plus, for globs/regexes/dotted names or
 * when no group matched, matching host names in inventory order: Ansible's _enumerate_matches, first
 * occurrence kept.
 */
function enumerate(inv: Inventory, pattern: string, base: string): string[] {
  if (base === 'all' || base === '*') return groupHosts(inv, 'all');
  const matcher = compileName(pattern, base);
  const groups = [...inv.groups.keys()].filter((g) => matcher(g));
  const members = new Set<string>();
  for (const g of groups) for (const h of groupHosts(inv, g)) members.add(h);
  const isWild = base.startsWith('~') || hasGlobMagic(base) || base.includes('.');
  if (groups.length === 0 || isWild) {
    for (const h of inv.hosts.keys()) if (matcher(h)) members.add(h);
  }
  return [...members];
}
