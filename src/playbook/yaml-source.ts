/**
 * The playbook front end's YAML reader (through src/util/yaml.ts). Parses in YAML 1.1 mode (what PyYAML and thus
 * Ansible users expect: yes/no booleans, 0755 octal, `<<` merges) and keeps a LineCounter so every node
 * can be mapped back to file:line:col.
 */
import { ConfigError } from '../errors.js';
import { YAML_MAX_ALIAS_COUNT, aliasIssues } from '../util/yaml-guard.js';
import { LineCounter, ansibleYamlOptions, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type ParsedNode } from '../util/yaml.js';
import type { ConfigIssue } from '../errors.js';

export type YamlNode = ParsedNode | Node;

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  pos(node: YamlNode | null | undefined): SourcePos;
  /** Converts a node to plain data (aliases and merges resolved). */
  toJS(node: YamlNode | null | undefined): unknown;
  /** Follows an alias to the node it names. */
  deref(node: YamlNode | null | undefined): YamlNode | null;
}

export type ParseOutcome = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssue[] };

export function parseYamlSource(text: string, file: string): ParseOutcome {
  const lines = new LineCounter();
  const doc = parseDocument(text, ansibleYamlOptions(lines));
  // Unknown tags (!vault, !unsafe) would silently become plain strings: refuse them instead.
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  // Aliases with no anchor and alias bombs are refused before anything walks or converts the document.
  const aliases = problems.length ? [] : aliasIssues(doc, lines);
  if (aliases.length) return { ok: false, issues: aliases.map((i) => ({ file, ...i })) };
  if (problems.length) {
    return {
      ok: false,
      issues: problems.map((e) => {
        const at = lines.linePos(e.pos[0]);
        const message = e.code === 'TAG_RESOLVE_FAILED' ? `unsupported YAML tag: ${e.message.split('\n')[0]} (Ansible Vault and !unsafe are not supported)` : `YAML syntax error: ${e.message.split('\n')[0]}`;
        return { file, line: at.line, col: at.col, message };
      }),
    };
  }
  const source: YamlSource = {
    file,
    doc,
    pos(node) {
      const offset = node?.range?.[0] ?? 0;
      const at = lines.linePos(offset);
      return { file, line: at.line, col: at.col };
    },
    toJS(node) {
      if (!node) return null;
      try {
        return (node as Node).toJS(doc, { maxAliasCount: YAML_MAX_ALIAS_COUNT });
      } catch (err) {
        // The `yaml` package throws while converting (its alias limit, a `<<` merge of something not a map).
        if (!(err instanceof Error)) throw err;
        const at = lines.linePos(node.range?.[0] ?? 0);
        throw new ConfigError({ file, line: at.line, col: at.col, message: `YAML: ${err.message.split('\n')[0]}` });
      }
    },
    deref(node) {
      if (!node) return null;
      return isAlias(node) ? ((node.resolve(doc) as YamlNode | undefined) ?? null) : node;
    },
  };
  return { ok: true, source };
}

export interface MapEntry {
  key: string;
  keyNode: YamlNode;
  value: YamlNode | null;
}

/** Entries of a map node with `<<: *anchor` merges expanded (explicit keys win over merged ones). */
export function mapEntries(source: YamlSource, node: YamlNode): MapEntry[] {
  if (!isMap(node)) return [];
  const explicit: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
    const key = pair.key;
    if (isScalar(key) && typeof key.value === 'symbol') {
      const targets = source.deref(pair.value);
      const list = isSeq(targets) ? (targets.items as YamlNode[]).map((n) => source.deref(n)) : [targets];
      for (const target of list) if (target) merged.push(...mapEntries(source, target));
      continue;
    }
    explicit.push({ key: isScalar(key) ? String(key.value) : String(source.toJS(key)), keyNode: key, value: source.deref(pair.value) });
  }
  const seen = new Set(explicit.map((e) => e.key));
  return [...explicit, ...merged.filter((e) => !seen.has(e.key) && seen.add(e.key))];
}

export function seqItems(source: YamlSource, node: YamlNode): YamlNode[] {
  return isSeq(node) ? (node.items as YamlNode[]).map((n) => source.deref(n) ?? n) : [];
}

export { isMap, isSeq, isScalar };
