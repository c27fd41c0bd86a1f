/**
 * The inventory's YAML reader (through src/util/yaml.ts). Ansible files are YAML 1.1 (PyYAML),
 * so `yes`/`no` are booleans and `0755` is octal; duplicate keys are errors. Every syntax error comes back as
 * a positioned issue instead of being thrown, so a caller can report all problems at once.
 */
import { LineCounter, ansibleYamlOptions, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit } from '../util/yaml.js';
import type { Document, Node, Pair, YAMLMap } from '../util/yaml.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { YAML_MAX_ALIAS_COUNT, aliasIssues } from '../util/yaml-guard.js';
import type { SourceRef } from './types.js';

export { isAlias, isMap, isNode, isPair, isScalar, isSeq };
export type { Document, Node, Pair, YAMLMap };

export interface ParsedYaml {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Syntax errors; when non-empty the document must not be converted. */
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, ansibleYamlOptions(lineCounter));
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  type PositionedIssue = ConfigIssue & { line: number; col: number };
  const toIssue = (e: { message: string; pos: [number, number] }): PositionedIssue => ({
    file,
    ...at(e.pos[0]),
    message: firstLine(e.message),
  });
  const duplicates = duplicateKeys(doc).map(({ key, first, again }): PositionedIssue => {
    const f = at(first);
    return { file, ...at(again), message: `duplicate key "${key}" (first defined at line ${f.line}, column ${f.col})` };
  });
  // yaml places DUPLICATE_KEY after the previous value in block maps; point at the repeated key instead.
  const errors = duplicates.length > 0 ? doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY') : doc.errors;
  const syntax = [...errors.map(toIssue), ...duplicates];
  // Aliases are checked only in a document that parsed: an unresolved or exploding alias never reaches toJS.
  const aliases = syntax.length > 0 ? [] : aliasIssues(doc, lineCounter).map((i) => ({ file, ...i }));
  const issues = [...syntax, ...aliases].sort((a, b) => a.line - b.line || a.col - b.col);
  return { file, doc, lineCounter, issues, warnings: doc.warnings.map(toIssue) };
}

function duplicateKeys(doc: Document): { key: string; first: number; again: number }[] {
  const found: { key: string; first: number; again: number }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, pair.key.range[0]);
        else found.push({ key, first, again: pair.key.range[0] });
      }
    },
  });
  return found;
}

/** Where a node (or a pair's key) starts, for messages. */
export function refOf(parsed: ParsedYaml, node: unknown): SourceRef {
  const target = isPair(node) ? node.key : node;
  const range = isNode(target) ? target.range : undefined;
  if (!range) return { file: parsed.file };
  const { line, col } = parsed.lineCounter.linePos(range[0]);
  return { file: parsed.file, line, col };
}

/** Plain JS value of a node, resolving aliases and merge keys against the document. */
export function toValue(parsed: ParsedYaml, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (!isNode(node)) return node;
  try {
    return node.toJS(parsed.doc, { maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (err) {
    // The `yaml` package throws while converting (its alias limit, a `<<` merge of something not a map).
    if (err instanceof Error) throw new ConfigError({ ...refOf(parsed, node), message: `YAML: ${firstLine(err.message)}` });
    throw err;
  }
}

/** Text of a mapping key: keeps the source spelling of non-string scalars (`1.10` stays "1.10"). */
export function keyText(key: unknown): string {
  if (isScalar(key)) {
    if (typeof key.value === 'string') return key.value;
    return key.source ?? String(key.value);
  }
  return String(key);
}

export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'empty';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : `a ${typeof node.value} (${JSON.stringify(node.value)})`;
  if (isAlias(node)) return 'an alias';
  return 'an unexpected value';
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
