/**
 * lookup() / query() / q(): Ansible's lookup plugins that run on the controller. The pure ones (items,
 * indexed_items, together, dict, sequence, vars) are computed here; the ones that read the controller (file,
 * template, env, pipe, lines, fileglob, first_found, and the exists/file/directory/link tests) go through a
 * `ControllerPort` the program installs once (`useControllerPort`, wired by the CLI: src/cli/controller-port.ts),
 * so nothing under expr/ touches the file system or runs a process itself.
 */
import { ExprError, Undefined, isMapping, makeDict, mappingEntries, mappingGet, pyStr, truthy, typeName, type Mapping } from './values.js';
import { percentFormat } from './methods.js';
import { subelements } from './data.js';

export interface ControllerPort {
  /** The text of a file, or undefined when there is none. */
  readFile(path: string): string | undefined;
  /** 'file', 'directory', 'link' (not followed) or undefined. */
  kind(path: string, followLinks: boolean): 'file' | 'directory' | 'link' | undefined;
  env(name: string): string | undefined;
  /** Files (not directories) matching a glob pattern, sorted. */
  glob(pattern: string): string[];
  /** Runs a shell command in `cwd` on the controller. */
  run(command: string, cwd: string): { rc: number; stdout: string; stderr: string };
}

let port: ControllerPort | undefined;

/** Installs the controller port lookups use (the CLI does this once; tests may install a fake). */
export function useControllerPort(next: ControllerPort | undefined): void {
  port = next;
}

function controller(what: string): ControllerPort {
  if (!port) throw new ExprError(`${what} needs the controller, which is not available here`);
  return port;
}

export interface LookupContext {
  vars: Mapping;
  /** Renders a template file's text with the current variables (the `template` lookup). */
  render(text: string): unknown;
}

function varString(vars: Mapping, name: string): string | undefined {
  const hit = mappingGet(vars, name);
  return hit.found && typeof hit.value === 'string' ? hit.value : undefined;
}

/** Where relative paths are looked up: the playbook's `<sub>/` folder, then the playbook folder (as Ansible). */
function searchPaths(ctx: LookupContext, sub: string, term: string): string[] {
  if (term.startsWith('/')) return [term];
  const base = varString(ctx.vars, 'playbook_dir') ?? '.';
  return [`${base}/${sub}/${term}`, `${base}/${term}`];
}

function findFile(ctx: LookupContext, sub: string, term: string): string | undefined {
  return searchPaths(ctx, sub, term).find((p) => controller('lookup').kind(p, true) === 'file');
}

function flat1(terms: unknown[]): unknown[] {
  return terms.flatMap((t) => (Array.isArray(t) ? t : [t]));
}

function readTerm(ctx: LookupContext, sub: string, term: unknown, kwargs: Record<string, unknown>): string {
  const name = pyStr(term);
  const path = findFile(ctx, sub, name);
  const text = path === undefined ? undefined : controller('lookup').readFile(path);
  if (text === undefined) throw new ExprError(`could not find or access '${name}' (searched ${searchPaths(ctx, sub, name).join(', ')})`);
  let out = text;
  if (truthy(kwargs.rstrip ?? true)) out = out.replace(/\s+$/, '');
  if (truthy(kwargs.lstrip ?? false)) out = out.replace(/^\s+/, '');
  return out;
}

function pipe(ctx: LookupContext, term: unknown): string {
  const command = pyStr(term);
  const result = controller('lookup').run(command, varString(ctx.vars, 'playbook_dir') ?? '.');
  if (result.rc !== 0) throw new ExprError(`lookup_plugin.pipe(${command}) returned ${result.rc}`);
  return result.stdout;
}

/** Ansible's sequence lookup: `start=1 end=10 stride=2 format=%02d` or the shortcut `[start-]end[/stride][:format]`. */
function sequence(term: unknown): string[] {
  const text = pyStr(term).trim();
  const opts: Record<string, string> = { start: '1', stride: '1', format: '%d' };
  const shortcut = /^(?:(-?\d+|0x[0-9a-f]+)-)?(-?\d+|0x[0-9a-f]+)(?:\/(-?\d+|0x[0-9a-f]+))?(?::(.+))?$/i.exec(text);
  if (shortcut) {
    if (shortcut[1] !== undefined) opts.start = shortcut[1];
    opts.end = shortcut[2]!;
    if (shortcut[3] !== undefined) opts.stride = shortcut[3];
    if (shortcut[4] !== undefined) opts.format = shortcut[4];
  } else {
    for (const part of text.split(/\s+/)) {
      const m = /^(start|end|count|stride|format)=(.*)$/.exec(part);
      if (!m) throw new ExprError(`sequence: unrecognized argument '${part}'`);
      opts[m[1]!] = m[2]!;
    }
  }
  const num = (s: string) => Number.parseInt(s, /^-?0x/i.test(s) ? 16 : 10);
  const start = num(opts.start!);
  const stride = num(opts.stride!);
  if (opts.count !== undefined && opts.end !== undefined) throw new ExprError("sequence: can't specify both count and end");
  const end = opts.count !== undefined ? start + (num(opts.count) - 1) * stride : opts.end !== undefined ? num(opts.end) : undefined;
  if (end === undefined) throw new ExprError("sequence: must specify count or end");
  if (stride === 0 && start !== end) throw new ExprError('sequence: stride cannot be 0');
  if ((stride > 0 && end < start) || (stride < 0 && end > start)) {
    if (stride > 0) throw new ExprError('sequence: to count backwards make stride negative');
    throw new ExprError('sequence: to count forward do not make stride negative');
  }
  const out: string[] = [];
  for (let i = start; stride > 0 ? i <= end : stride < 0 ? i >= end : out.length < 1; i += stride || 1) {
    out.push(percentFormat(opts.format!, [i]));
    if (out.length > 100_000) throw new ExprError('sequence is limited to 100000 items');
  }
  return out;
}

function firstFound(ctx: LookupContext, terms: unknown[], kwargs: Record<string, unknown>): unknown[] {
  const files: string[] = [];
  let paths: string[] = [];
  let skip = truthy(kwargs.skip ?? false);
  const add = (t: unknown) => {
    if (isMapping(t)) {
      for (const f of flat1([mappingGet(t, 'files').value ?? []])) files.push(...pyStr(f).split(/[,;]/));
      for (const p of flat1([mappingGet(t, 'paths').value ?? []])) paths.push(...pyStr(p).split(/[,:;]/));
      if (mappingGet(t, 'skip').found) skip = truthy(mappingGet(t, 'skip').value);
    } else if (Array.isArray(t)) t.forEach(add);
    else files.push(pyStr(t));
  };
  terms.forEach(add);
  if (kwargs.files !== undefined) flat1([kwargs.files]).forEach((f) => files.push(pyStr(f)));
  if (kwargs.paths !== undefined) paths = [...paths, ...flat1([kwargs.paths]).map(pyStr)];
  for (const f of files) {
    const candidates = paths.length && !f.startsWith('/') ? paths.map((p) => `${p.replace(/\/$/, '')}/${f}`) : [f];
    for (const c of candidates) {
      const hit = findFile(ctx, 'files', c);
      if (hit) return [hit];
    }
  }
  if (skip) return [];
  throw new ExprError(`No file was found when using first_found (tried ${files.join(', ')})`);
}

type Lookup = (terms: unknown[], kwargs: Record<string, unknown>, ctx: LookupContext) => unknown[];

const LOOKUPS: Record<string, Lookup> = {
  items: (terms) => flat1(terms),
  list: (terms) => terms,
  indexed_items: (terms) => flat1(terms).map((x, i) => [i, x]),
  together: (terms) => {
    const lists = terms.map((t) => (Array.isArray(t) ? t : [t]));
    return Array.from({ length: Math.max(0, ...lists.map((l) => l.length)) }, (_, i) => flat1(lists.map((l) => (i < l.length ? l[i] : null))));
  },
  dict: (terms) =>
    terms.flatMap((t) => {
      if (!isMapping(t)) throw new ExprError(`with_dict expects a dict, got ${typeName(t)}`);
      return mappingEntries(t).map(([key, value]) => makeDict([['key', key], ['value', value]]));
    }),
  sequence: (terms) => terms.flatMap(sequence),
  vars: (terms, kwargs, ctx) =>
    terms.map((t) => {
      const hit = mappingGet(ctx.vars, pyStr(t));
      if (hit.found) return hit.value;
      if (Object.hasOwn(kwargs, 'default')) return kwargs.default;
      throw new ExprError(`No variable found with this name: ${pyStr(t)}`);
    }),
  env: (terms, kwargs) => terms.map((t) => controller('lookup').env(pyStr(t)) ?? (kwargs.default ?? '')),
  file: (terms, kwargs, ctx) => terms.map((t) => readTerm(ctx, 'files', t, kwargs)),
  template: (terms, kwargs, ctx) => terms.map((t) => ctx.render(readTerm(ctx, 'templates', t, { rstrip: false }))),
  pipe: (terms, _kwargs, ctx) => terms.map((t) => pipe(ctx, t).replace(/\s+$/, '')),
  lines: (terms, _kwargs, ctx) => terms.flatMap((t) => pipe(ctx, t).split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '')),
  fileglob: (terms, _kwargs, ctx) =>
    terms.flatMap((t) => {
      const pattern = pyStr(t);
      for (const candidate of searchPaths(ctx, 'files', pattern)) {
        const hits = controller('lookup').glob(candidate);
        if (hits.length) return hits;
      }
      return [];
    }),
  first_found: (terms, kwargs, ctx) => firstFound(ctx, terms, kwargs),
  // with_nested: every combination, each item one flat list; with_subelements: [list, 'key', {skip_missing}].
  nested: (terms) => terms.reduce<unknown[][]>((acc, t) => acc.flatMap((prefix) => (Array.isArray(t) ? t : [t]).map((x) => [...prefix, x])), [[]]),
  subelements: (terms, kwargs) => {
    const [items, key, flags] = terms;
    const skip = truthy(kwargs.skip_missing ?? (isMapping(flags) ? (mappingGet(flags, 'skip_missing').value ?? false) : false));
    return subelements(items, pyStr(key), skip);
  },
};

export const LOOKUP_NAMES = Object.keys(LOOKUPS).sort();

/** `lookup(name, ...)` (wantlist=False: strings joined with ','), `query`/`q` (always a list). */
export function runLookup(fn: string, args: unknown[], kwargs: Record<string, unknown>, ctx: LookupContext): unknown {
  const [name, ...terms] = args;
  if (typeof name !== 'string' || !Object.hasOwn(LOOKUPS, name)) {
    throw new ExprError(`unknown or unsupported lookup '${pyStr(name ?? '')}' (supported: ${LOOKUP_NAMES.join(', ')})`);
  }
  const { wantlist, errors, ...rest } = kwargs;
  let ran: unknown[];
  try {
    ran = LOOKUPS[name]!(terms, rest, ctx);
  } catch (e) {
    if (e instanceof ExprError && (errors === 'ignore' || errors === 'warn')) return fn === 'lookup' && !truthy(wantlist ?? false) ? null : [];
    throw e;
  }
  if (fn !== 'lookup' || truthy(wantlist ?? false)) return ran;
  if (ran.every((x) => typeof x === 'string')) return ran.join(',');
  return ran.length === 1 ? ran[0] : ran;
}

/** Ansible's `fileglob` filter: files matching a pattern on the controller (no search path). */
export function controllerGlob(pattern: string): string[] {
  return controller("the 'fileglob' filter").glob(pattern);
}

export function controllerEnv(name: string): string | undefined {
  return controller("the 'expanduser' filter").env(name);
}

/** The controller-side path tests: exists, file, directory, link (Ansible runs them on the controller). */
export function pathTest(kind: 'exists' | 'file' | 'directory' | 'link', input: unknown): boolean {
  if (input instanceof Undefined) input.fail();
  const found = controller(`the '${kind}' test`).kind(pyStr(input), kind !== 'link');
  if (kind === 'exists') return found !== undefined;
  return found === kind;
}
