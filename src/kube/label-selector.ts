/**
 * Kubernetes label selectors, structured (`matchLabels` + `matchExpressions`, as in PDBs) and textual
 * (`app=web,tier!=db,env in (a,b),!legacy`, as in `--pod-selector`), with the API server's semantics:
 * `!=` and `notin` also match objects that lack the key.
 */
import { ConfigError } from '../errors.js';
import type { LabelSelector, LabelSelectorRequirement } from './port.js';

type Labels = Record<string, string> | undefined;

/** One requirement against an object's labels (shared with the lab's simulated apiserver). */
export function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, req.key);
  const value = has ? labels![req.key]! : undefined;
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(req.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      // An operator the API would have rejected; matching nothing is the safe reading.
      return false;
  }
}

/** Structured selector match. An empty selector matches everything; callers decide what an absent one means. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels?.[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, labels));
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const SET_FORM = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s+\(([^)]*)\)$`);
const EQUALITY_FORM = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const EXISTS_FORM = new RegExp(String.raw`^(!?)\s*(${KEY})$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas that are not inside a parenthesised value list; parts come trimmed. */
export function splitSelectorTerms(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

/** Parses a textual selector into requirements; a malformed one is a ConfigError quoting it. */
export function parseSelector(text: string): LabelSelectorRequirement[] {
  if (text.trim() === '') return [];
  const bad = (why: string): ConfigError => new ConfigError(`invalid label selector "${text}": ${why}`);
  return splitSelectorTerms(text).map((part): LabelSelectorRequirement => {
    if (part === '') throw bad('empty requirement');
    const set = SET_FORM.exec(part);
    if (set) {
      const values = set[4]!.split(',').map((v) => v.trim());
      if (values.some((v) => !VALUE_ONLY.test(v))) throw bad(`bad value list in "${part}"`);
      return { key: set[1]!, operator: set[3] === 'in' ? 'In' : 'NotIn', values };
    }
    const eq = EQUALITY_FORM.exec(part);
    if (eq) return { key: eq[1]!, operator: eq[3] === '!=' ? 'NotIn' : 'In', values: [eq[4] ?? ''] };
    const exists = EXISTS_FORM.exec(part);
    if (exists) return { key: exists[2]!, operator: exists[1] === '!' ? 'DoesNotExist' : 'Exists' };
    throw bad(`cannot read "${part}"`);
  });
}

export function selectorStringMatches(text: string, labels: Labels): boolean {
  return parseSelector(text).every((req) => requirementMatches(req, labels));
}
