/**
 * Module argument contracts. A ModuleSpec says which arguments a task module takes, with Ansible's
 * argument_spec vocabulary (type, required, choices, default, aliases, mutually_exclusive, required_one_of,
 * required_if). The loader checks every task against it before any host is contacted; the engine calls
 * `checkModuleArgs` again after templating, with `applyDefaults`, to get the final typed arguments.
 */
import { ansibleBool } from './expr/data.js';
import { PyFloat } from '../util/pyfloat.js';
import { pyStr } from './expr/values.js';
import { isTemplated } from './template.js';
import { didYouMean } from './suggest.js';

export type ArgType = 'str' | 'int' | 'bool' | 'list' | 'dict' | 'path' | 'raw';

export interface ArgSpec {
  type: ArgType;
  required?: boolean;
  choices?: readonly (string | number | boolean)[];
  default?: unknown;
  aliases?: readonly string[];
  /** For `list`: whether a string is split on commas (Ansible's default) or taken as one item. */
  splitString?: boolean;
}

/** `free_form` in the constraint lists stands for the free-form text (`command: ls -la`). */
export const FREE_FORM = 'free_form';

export interface ModuleSpec {
  name: string;
  /** Other names the module answers to (e.g. systemd_service for systemd). */
  aliases?: readonly string[];
  args: Readonly<Record<string, ArgSpec>>;
  /** The module takes free-form text (`command: ls -la`) besides key=value arguments. */
  freeForm?: boolean;
  /** Allowed free-form values, for modules whose free form is a keyword (meta: flush_handlers). */
  freeFormChoices?: readonly string[];
  /** The module accepts arbitrary argument names (set_fact); at least one is required. */
  freeKeys?: boolean;
  mutuallyExclusive?: readonly (readonly string[])[];
  requiredOneOf?: readonly (readonly string[])[];
  /** [arg, value, args required when arg has that value]. */
  requiredIf?: readonly (readonly [string, unknown, readonly string[]])[];
}

/** `meta:` is a task keyword the engine carries out itself (flush_handlers, end_play, …), checked like a module. */
export const META_SPEC: ModuleSpec = {
  name: 'meta',
  freeForm: true,
  freeFormChoices: ['flush_handlers', 'noop', 'clear_host_errors', 'end_batch', 'end_host', 'end_play'],
  args: {},
  requiredOneOf: [[FREE_FORM]],
};

const COLLECTION_PREFIXES = ['ansible.builtin.', 'ansible.legacy.'];

export class ModuleRegistry {
  private readonly specs = new Map<string, ModuleSpec>();
  private readonly byName = new Map<string, ModuleSpec>();

  register(spec: ModuleSpec): this {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const owner = this.byName.get(name);
      if (owner && owner.name !== spec.name) throw new Error(`module name '${name}' is already registered by '${owner.name}'`);
    }
    const previous = this.specs.get(spec.name);
    for (const alias of previous?.aliases ?? []) this.byName.delete(alias);
    this.specs.set(spec.name, spec);
    for (const name of [spec.name, ...(spec.aliases ?? [])]) this.byName.set(name, spec);
    return this;
  }

  /** Finds a module by its bare, aliased or `ansible.builtin.`-prefixed name. */
  get(written: string): ModuleSpec | undefined {
    const direct = this.byName.get(written);
    if (direct) return direct;
    const prefix = COLLECTION_PREFIXES.find((p) => written.startsWith(p));
    return prefix ? this.byName.get(written.slice(prefix.length)) : undefined;
  }

  has(written: string): boolean {
    return this.get(written) !== undefined;
  }

  /** The modules' own names (no aliases), for listing. */
  moduleNames(): string[] {
    return [...this.specs.keys()];
  }

  /** Every name a task may use, for suggestions. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

export interface ArgProblem {
  /** The argument as written, when the problem is about one argument. */
  arg?: string;
  message: string;
}

export interface CheckOptions {
  /** Fill in declared defaults (the engine does this after templating; the loader does not). */
  applyDefaults?: boolean;
  /** Free-form text given to the task, if any. */
  freeForm?: string;
}

const isTemplate = (v: unknown) => typeof v === 'string' && isTemplated(v);
const BOOL_STRINGS = new Set(['yes', 'on', '1', 'true', 'y', 't', 'no', 'off', '0', 'false', 'n', 'f']);

function coerce(value: unknown, spec: ArgSpec): { ok: true; value: unknown } | { ok: false; expected: string } {
  if (isTemplate(value) || spec.type === 'raw') return { ok: true, value };
  switch (spec.type) {
    case 'str':
    case 'path':
      if (typeof value === 'string') return { ok: true, value };
      // Python's str(): a YAML `yes` given to a string argument becomes "True", as in Ansible.
      if (typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat) return { ok: true, value: pyStr(value) };
      return { ok: false, expected: 'a string' };
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return { ok: true, value: Number.parseInt(value, 10) };
      return { ok: false, expected: 'an integer' };
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if ((typeof value === 'string' && BOOL_STRINGS.has(value.toLowerCase())) || value === 0 || value === 1) {
        return { ok: true, value: typeof value === 'string' ? ansibleBool(value) || ['y', 't'].includes(value.toLowerCase()) : value === 1 };
      }
      return { ok: false, expected: 'a boolean (yes/no/true/false)' };
    case 'list':
      if (Array.isArray(value)) return { ok: true, value };
      if (typeof value === 'string') return { ok: true, value: spec.splitString === false ? [value] : value.split(',').map((s) => s.trim()) };
      if (typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat) return { ok: true, value: [value] };
      return { ok: false, expected: 'a list' };
    case 'dict':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value };
      return { ok: false, expected: 'a map' };
  }
  return { ok: false, expected: spec.type };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates and normalises task arguments: aliases become canonical names, values get their declared types. */
export function checkModuleArgs(
  spec: ModuleSpec,
  given: Readonly<Record<string, unknown>>,
  options: CheckOptions = {},
): { args: Record<string, unknown>; problems: ArgProblem[] } {
  const problems: ArgProblem[] = [];
  const args: Record<string, unknown> = {};
  const writtenAs = new Map<string, string>();
  const aliasOf = new Map<string, string>();
  for (const [name, arg] of Object.entries(spec.args)) for (const alias of arg.aliases ?? []) aliasOf.set(alias, name);

  for (const [key, value] of Object.entries(given)) {
    const canonical = Object.hasOwn(spec.args, key) ? key : aliasOf.get(key);
    if (!canonical) {
      if (spec.freeKeys) {
        args[key] = value;
        continue;
      }
      const known = Object.keys(spec.args);
      problems.push({
        arg: key,
        message: `module '${spec.name}' has no argument '${key}'${didYouMean(key, [...known, ...aliasOf.keys()])}; supported: ${known.join(', ') || 'none'}`,
      });
      continue;
    }
    const previous = writtenAs.get(canonical);
    if (previous !== undefined) {
      problems.push({ arg: key, message: `'${key}' and '${previous}' are the same argument of module '${spec.name}'; give it once` });
      continue;
    }
    writtenAs.set(canonical, key);
    const argSpec = spec.args[canonical]!;
    const coerced = coerce(value, argSpec);
    if (!coerced.ok) {
      problems.push({ arg: key, message: `argument '${key}' of module '${spec.name}' must be ${coerced.expected}, not ${describe(value)}` });
      continue;
    }
    if (argSpec.choices && !isTemplate(coerced.value) && !argSpec.choices.some((c) => c === coerced.value || String(c) === String(coerced.value))) {
      problems.push({
        arg: key,
        message: `argument '${key}' of module '${spec.name}' must be one of ${argSpec.choices.join(', ')}, not ${JSON.stringify(coerced.value)}${didYouMean(String(coerced.value), argSpec.choices.map(String))}`,
      });
      continue;
    }
    args[canonical] = coerced.value;
  }

  const present = (name: string) => (name === FREE_FORM ? options.freeForm !== undefined : Object.hasOwn(args, name));
  const valueOf = (name: string) => (Object.hasOwn(args, name) ? args[name] : spec.args[name]?.default);
  const label = (name: string) => (name === FREE_FORM ? 'free-form text' : `'${name}'`);

  for (const [name, arg] of Object.entries(spec.args)) {
    if (arg.required && !Object.hasOwn(args, name) && !problems.some((p) => p.arg && (p.arg === name || arg.aliases?.includes(p.arg)))) {
      problems.push({ message: `module '${spec.name}' requires argument '${name}'` });
    }
  }
  for (const group of spec.mutuallyExclusive ?? []) {
    const set = group.filter(present);
    if (set.length > 1) problems.push({ message: `module '${spec.name}': ${set.map(label).join(' and ')} exclude each other; give only one` });
  }
  for (const group of spec.requiredOneOf ?? []) {
    if (!group.some(present)) problems.push({ message: `module '${spec.name}' needs one of ${group.map(label).join(', ')}` });
  }
  for (const [name, when, needs] of spec.requiredIf ?? []) {
    const current = valueOf(name);
    if (isTemplate(current) || current !== when) continue;
    const missing = needs.filter((n) => !present(n));
    if (missing.length) problems.push({ message: `module '${spec.name}' with ${name}=${String(when)} requires ${missing.map(label).join(', ')}` });
  }
  if (spec.freeKeys && Object.keys(args).every((k) => Object.hasOwn(spec.args, k))) {
    problems.push({ message: `module '${spec.name}' needs at least one key: value pair` });
  }
  if (spec.freeFormChoices && options.freeForm !== undefined && !isTemplate(options.freeForm) && !spec.freeFormChoices.includes(options.freeForm.trim())) {
    problems.push({
      message: `'${spec.name}: ${options.freeForm}' is not supported; use one of ${spec.freeFormChoices.join(', ')}${didYouMean(options.freeForm.trim(), spec.freeFormChoices)}`,
    });
  }
  if (options.applyDefaults) {
    for (const [name, arg] of Object.entries(spec.args)) if (!Object.hasOwn(args, name) && arg.default !== undefined) args[name] = arg.default;
  }
  return { args, problems };
}

/**
 * Ansible's legacy `key=value key2="quoted value"` argument string. Returns the pairs found and the
 * text that was not a pair (the free-form part), keeping quotes inside the free-form text as written.
 */
export function splitKeyValueArgs(text: string, isPairKey: (key: string) => boolean): { pairs: Record<string, string>; rest: string } {
  const pairs: Record<string, string> = {};
  const cuts: [number, number][] = [];
  for (const m of text.matchAll(/(?:[^\s"']+|"(?:\\.|[^"\\])*"|'[^']*')+/g)) {
    const kv = /^([A-Za-z_][\w-]*)=([\s\S]*)$/.exec(m[0]);
    if (!kv || !isPairKey(kv[1]!)) continue;
    pairs[kv[1]!] = unquote(kv[2]!);
    const end = m.index + m[0].length;
    cuts.push([m.index, end + (/^[ \t]*/.exec(text.slice(end))?.[0].length ?? 0)]);
  }
  if (!cuts.length) return { pairs, rest: text };
  let rest = '';
  let from = 0;
  for (const [a, b] of cuts) {
    rest += text.slice(from, a);
    from = b;
  }
  return { pairs, rest: (rest + text.slice(from)).trim() };
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) {
    const inner = s.slice(1, -1);
    return s.startsWith('"') ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  return s;
}
