/**
 * Checks a parsed YAML document before anything converts it: an alias whose anchor is not defined before it
 * (the `yaml` package would throw a ReferenceError from deep inside toJS), and aliases that expand to far more
 * nodes than the file holds (a "billion laughs" alias bomb, which costs exponential time to walk). Linear in
 * the document: each anchored node's expanded size is computed once.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Alias, type Document, type LineCounter, type Node } from './yaml.js';

/** Nodes that aliases may add on top of the file's own: generous for merge keys and shared blocks. */
export const MAX_ALIAS_EXPANSION = 100_000;
/** What the `yaml` package's toJS is given: its own check of the same attack, per alias. */
export const YAML_MAX_ALIAS_COUNT = 10_000;

export interface YamlGuardIssue {
  line: number;
  col: number;
  message: string;
}

export function aliasIssues(doc: Document, lines: LineCounter, limit = MAX_ALIAS_EXPANSION): YamlGuardIssue[] {
  const issues: YamlGuardIssue[] = [];
  const at = (node: { range?: [number, number, number] | null }): { line: number; col: number } => lines.linePos(node.range?.[0] ?? 0);
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  let own = 0;
  visit(doc, (_key, node) => {
    if (!node || isPair(node)) return;
    own++;
    const n = node as Node;
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (target) targets.set(n, target);
      else issues.push({ ...at(n), message: `YAML alias "*${n.source}" refers to no anchor "&${n.source}" defined before it` });
    }
    if (n.anchor) anchors.set(n.anchor, n);
  });
  if (issues.length > 0) return issues;
  const sizes = new Map<Node, number>();
  const busy = new Set<Node>();
  const recursive = new Set<Node>();
  const size = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 1;
    const n = node as Node;
    const known = sizes.get(n);
    if (known !== undefined) return known;
    if (busy.has(n)) {
      // An alias inside the node it names: a structure that contains itself, which no Ansible file needs and
      // which every walk over the data (masking secrets, rendering, JSON) would follow forever.
      recursive.add(n);
      return 1;
    }
    busy.add(n);
    let total = 1;
    if (isAlias(n)) total = size(targets.get(n));
    else if (isMap(n)) for (const pair of n.items) total += size(pair.key) + size(pair.value);
    else if (isSeq(n)) for (const item of n.items) total += size(item);
    else if (!isScalar(n)) total = 1;
    busy.delete(n);
    sizes.set(n, total);
    return total;
  };
  const expanded = size(doc.contents) - own;
  for (const [alias, target] of targets) {
    if (recursive.has(target)) {
      issues.push({ ...at(alias), message: `YAML alias "*${alias.source}" is inside the node "&${alias.source}" it refers to (a structure that contains itself)` });
    }
  }
  if (issues.length > 0) return issues;
  if (expanded > limit) {
    let worst: Node | undefined;
    for (const alias of targets.keys()) if (!worst || size(alias) > size(worst)) worst = alias;
    const shown = Number.isFinite(expanded) && expanded < 1e15 ? `about ${Math.round(expanded).toLocaleString('en-US')}` : 'an astronomical number of';
    issues.push({
      ...at(worst ?? doc.contents ?? {}),
      message: `YAML aliases here expand to ${shown} nodes (limit ${limit.toLocaleString('en-US')}): refusing what looks like an alias bomb`,
    });
  }
  return issues;
}
