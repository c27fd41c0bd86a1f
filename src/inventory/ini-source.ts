/**
 * Ansible INI inventories (`ansible.builtin.ini`): `[group]` host lines with inline `key=value` variables
 * (shell-quoted, values evaluated as Python literals), `[group:children]`, `[group:vars]` (the text after
 * `=`, stripped, evaluated as a Python literal: `2` is an int, `1.0` a float, `yes` and `foo # x` stay
 * strings, as Ansible's INI plugin does), `host:port`, hosts before any section are ungrouped, `#` and `;` start comment lines.
 */
import { looksLikeIPv6 } from './address.js';
import { addHostEntry, parseHostEntry } from './host-entry.js';
import type { InventoryBuilder } from './model.js';
import { parsePythonLiteral } from './python-literal.js';
import { shlexSplit } from '../util/shell.js';
import type { SourceRef } from './types.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:[#;].*)?$/;

interface Pending {
  ref: SourceRef;
  message: string;
}

export function parseIniInventory(builder: InventoryBuilder, text: string, file: string): void {
  const lines = text.split(/\r?\n/);
  // Groups from earlier sources count as declared, so a later file may add vars or children to them.
  const declared = new Set<string>(builder.groupNames());
  const pendingChildren = new Map<string, Pending>();
  const pendingVars = new Map<string, Pending>();
  let group = 'ungrouped';
  let state: 'hosts' | 'children' | 'vars' = 'hosts';

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const at = (offset = 0): SourceRef => ({ file, line: lineNo, col: indent + offset + 1 });
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      const kind = section[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') {
        builder.error(at(), `section [${group}:${kind}] has unknown type "${kind}" (use :children or :vars)`);
        state = 'vars';
        group = `\0invalid`;
        return;
      }
      state = kind;
      builder.group(group, at());
      if (kind === 'vars') {
        if (!declared.has(group) && !pendingVars.has(group)) {
          pendingVars.set(group, { ref: at(), message: `section [${group}:vars] is for a group that is never defined` });
        }
      } else {
        declared.add(group);
        pendingChildren.delete(group);
        pendingVars.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && !looksLikeIPv6(/^\[([^\]]*)\]/.exec(line)?.[1] ?? '')) {
      builder.error(at(), `invalid section header "${line}": expected [group], [group:children] or [group:vars] with no spaces`);
      group = `\0invalid`;
      return;
    }
    if (group === '\0invalid') return;

    if (state === 'hosts') parseHostLine(builder, line, group, at);
    else if (state === 'children') {
      const m = GROUP_NAME.exec(line);
      if (!m) {
        builder.error(at(), `expected a group name in [${group}:children], got "${line}"`);
        return;
      }
      const child = m[1]!;
      builder.addChild(group, child, at());
      if (!declared.has(child) && !pendingChildren.has(child)) {
        pendingChildren.set(child, { ref: at(), message: `section [${group}:children] includes undefined group "${child}"` });
      }
    } else {
      parseVarLine(builder, line, group, at);
    }
  });

  for (const pending of [...pendingChildren.values(), ...pendingVars.values()]) {
    builder.error(pending.ref, `${pending.message}; declare it with a [name] or [name:children] section`);
  }
}

function parseHostLine(builder: InventoryBuilder, line: string, group: string, at: (offset?: number) => SourceRef): void {
  const split = shlexSplit(line, { comments: true });
  if (!split.ok) {
    builder.error(at(split.at), `cannot parse host line: ${split.error}`);
    return;
  }
  const [first, ...rest] = split.tokens;
  if (!first) return;
  if (first.text === '---') {
    builder.error(at(), 'a "---" line is a sign this is a YAML file; name it .yml or .yaml');
    return;
  }
  const vars: { key: string; value: unknown; ref: SourceRef }[] = [];
  let ok = true;
  for (const token of rest) {
    const eq = token.text.indexOf('=');
    if (eq <= 0) {
      builder.error(at(token.start), `expected key=value host variable, got "${token.text}"`);
      ok = false;
      continue;
    }
    const raw = token.text.slice(eq + 1);
    const literal = parsePythonLiteral(raw);
    vars.push({ key: token.text.slice(0, eq), value: literal.ok ? literal.value : raw, ref: at(token.start) });
  }
  const entry = parseHostEntry(builder, first.text, at(first.start));
  if (!entry || !ok) return;
  addHostEntry(builder, entry, group, at(first.start), vars);
}

function parseVarLine(builder: InventoryBuilder, line: string, group: string, at: (offset?: number) => SourceRef): void {
  const eq = line.indexOf('=');
  if (eq <= 0) {
    builder.error(at(), `expected key=value in [${group}:vars], got "${line}"`);
    return;
  }
  const key = line.slice(0, eq).trim();
  if (/\s/.test(key)) {
    builder.error(at(), `variable name "${key}" in [${group}:vars] contains whitespace`);
    return;
  }
  builder.setGroupVar(group, key, varsSectionValue(line.slice(eq + 1)), at());
}

/**
 * A `:vars` value as Ansible's INI plugin reads it: the stripped text after `=` through `ast.literal_eval`
 * (`2` → 2, `1.0` → 1.0, `[1, 'a']` → a list, `'x'` → x, `8080 # note` → 8080), else the text itself
 * (`yes`, `hello world`, `foo # note`, `0755`). Recorded: test/fixtures/ansible/ini-values.
 */
export function varsSectionValue(rawValue: string): unknown {
  const value = rawValue.trim();
  const literal = parsePythonLiteral(value);
  return literal.ok ? literal.value : value;
}
