/**
 * Pure renderers for `drydock inventory`, shaped like `ansible-inventory --list`, `--graph` and `--host`.
 * Values of secret-looking keys (password, passphrase, token, secret) are always masked.
 */
import { UsageError } from '../errors.js';
import { GROUP_PRIORITY_VAR } from './model.js';
import type { Inventory, Vars } from './types.js';
import { hostVars } from './vars.js';
import { formatPyFloat, PyFloat } from '../util/pyfloat.js';

export const SECRET_KEY = /password|passphrase|token|secret/i;
const MASK = '********';

/** A deep copy with the value of every secret-looking key (at any depth) replaced by "********". */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v)) as T;
  if (value instanceof PyFloat) return value;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? MASK : maskSecrets(v);
    return out as T;
  }
  return value;
}

function sortKeys(vars: Vars): Vars {
  const out: Vars = {};
  for (const key of Object.keys(vars).sort()) out[key] = vars[key];
  return out;
}

/** Inventory variables of a host as `ansible-inventory --host` shows them: merged, no magic vars, masked. */
export function hostVarsForDisplay(inv: Inventory, host: string, extraVars: Vars = {}): Vars {
  if (!inv.hosts.has(host)) throw new UsageError(`unknown host "${host}": it is not in the inventory (${inv.sources.join(', ') || 'no files'})`);
  return sortKeys(maskSecrets(hostVars(inv, host, extraVars, { magic: false })));
}

export function formatHostVars(inv: Inventory, host: string, extraVars: Vars = {}): string {
  return pythonJson(hostVarsForDisplay(inv, host, extraVars));
}

/** JSON with 4-space indents where a float stays a float (`2.0`, `1000.0`), as ansible-inventory prints it. */
function pythonJson(value: unknown): string {
  const marker = '\u0000float:';
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      return original instanceof PyFloat ? `${marker}${formatPyFloat(original.value)}` : v;
    },
    4,
  );
  return text.replace(/"\\u0000float:([^"]*)"/g, '$1');
}

/** `ansible-inventory --list`: `_meta.hostvars` plus each non-empty group's hosts and children. */
export function inventoryListData(inv: Inventory, extraVars: Vars = {}): Record<string, unknown> {
  const hostvars: Record<string, Vars> = {};
  for (const host of inv.hosts.keys()) hostvars[host] = hostVarsForDisplay(inv, host, extraVars);
  const groups: Record<string, { hosts?: string[]; children?: string[] }> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const group = inv.groups.get(name);
    if (!group) return;
    const entry: { hosts?: string[]; children?: string[] } = {};
    if (name !== 'all' && group.hosts.length > 0) entry.hosts = [...group.hosts];
    if (group.children.length > 0) entry.children = [...group.children];
    if (entry.hosts || entry.children) groups[name] = entry;
    for (const child of group.children) visit(child);
  };
  visit('all');
  const result: Record<string, unknown> = { _meta: { hostvars } };
  for (const name of Object.keys(groups).sort()) result[name] = groups[name];
  return result;
}

export function formatInventoryList(inv: Inventory, extraVars: Vars = {}): string {
  return pythonJson(inventoryListData(inv, extraVars));
}

export interface GraphOptions {
  /** Group to start at (default `all`). */
  group?: string;
  /** Show variables as `{name = value}` lines (`--vars`). */
  vars?: boolean;
  extraVars?: Vars;
}

/** `ansible-inventory --graph`: the `@all:` tree, children before hosts, in inventory order. */
export function formatInventoryGraph(inv: Inventory, options: GraphOptions = {}): string {
  const start = options.group ?? 'all';
  if (!inv.groups.has(start)) throw new UsageError(`unknown group "${start}": --graph starts at a group name`);
  const lines: string[] = [];
  const indent = (text: string, depth: number): string => (depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const showVars = (vars: Vars, depth: number): void => {
    if (!options.vars) return;
    const masked = maskSecrets(vars);
    for (const key of Object.keys(masked).sort()) lines.push(indent(`{${key} = ${pyStr(masked[key])}}`, depth));
  };
  const walk = (name: string, depth: number, path: string[]): void => {
    const group = inv.groups.get(name);
    if (!group || path.includes(name)) return;
    lines.push(indent(`@${name}:`, depth));
    for (const child of group.children) walk(child, depth + 1, [...path, name]);
    if (name !== 'all') {
      for (const host of group.hosts) {
        lines.push(indent(host, depth + 1));
        showVars(hostVars(inv, host, options.extraVars ?? {}, { magic: false }), depth + 2);
      }
    }
    const { [GROUP_PRIORITY_VAR]: _priority, ...groupVars } = group.vars;
    showVars(groupVars, depth + 1);
  };
  walk(start, 0, []);
  return lines.join('\n');
}

/** Python's str() of a value, as ansible-inventory's `'%s' % value` prints it. */
function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof PyFloat) return formatPyFloat(value.value);
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}
