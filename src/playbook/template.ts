/**
 * `{{ … }}` templating and `when:` conditions for playbooks.
 *
 * Decision: a small own Jinja2-expression engine (expr/: lexer, parser, eval, filters, tests) instead of
 * nunjucks. nunjucks is barely maintained (mozilla/nunjucks#1484), HTML-escapes by default (a trap for
 * shell commands), renders only to strings (we need native values for `loop: "{{ groups['workers'] }}"`),
 * its `throwOnUndefined` fires only on output and does not name the variable, its docs warn that it does
 * not sandbox templates (`range.constructor(…)` reaches Function), and it lacks Ansible's filters and tests
 * (`version`, `succeeded`, `regex_search`, `quote`, …) which we would have to write anyway. Playbooks need
 * expressions, not Jinja statements, so an engine that only knows expressions is smaller, strict by
 * construction (undefined values carry their name) and sandboxed by construction (plain data only).
 * `{% … %}` statements are rejected with a clear message, except `{% raw %}…{% endraw %}` for literal braces.
 *
 * Semantics kept from Ansible: a string that is exactly one `{{ expr }}` yields the native value; mixed
 * text prints values as Python's str() does (True, None, ['a']); variable values are themselves templated
 * when read (lazily, with loop detection); `omit` drops a map entry; `when:` is a bare expression or a
 * list meaning AND. Ints are JS numbers; a float whose value is integral is a PyFloat box (util/pyfloat.ts), so
 * `{{ 4 / 2 }}` prints 2.0 as in Python.
 */
import { ConfigError } from '../errors.js';
import type { Node } from './expr/parser.js';
import { isTemplated, parseBareExpression, parseTemplate } from './expr/scan.js';
import { evaluate, makeEnv, type Env } from './expr/eval.js';
import { unknownName } from './expr/names.js';
import { ExprError, OMIT, PyFloat, Undefined, isMapping, makeDict, mappingEntries, pyStr, truthy, type Mapping } from './expr/values.js';

export { OMIT, isTemplated };
export type { Mapping };

/** Where a template was written, so errors point at the task: file:line:col. */
export interface TemplateOrigin {
  file: string;
  line?: number;
  col?: number;
}

export interface RenderOptions {
  origin?: TemplateOrigin;
  /** Top-level variables whose values are data, never templates (registered results, gathered facts). */
  unsafeVars?: ReadonlySet<string>;
  /** Objects that are data wherever they are reached from (e.g. a registered result also seen via hostvars). */
  unsafeValues?: WeakSet<object>;
}

/** A template or condition that could not be evaluated. A ConfigError, so it carries the position. */
export class TemplateError extends ConfigError {
  constructor(
    message: string,
    readonly template: string,
    origin?: TemplateOrigin,
    /** The undefined variable path, when that was the cause. */
    readonly undefinedName?: string,
  ) {
    super({ message, file: origin?.file, line: origin?.line, col: origin?.col });
    this.name = 'TemplateError';
  }
}

/**
 * One rendering pass. Variable values are templated lazily, as Ansible does: a templated string is
 * rendered when it is read, a container read from the variables is only walked when it is used whole
 * (printed, filtered, compared). Reading `hostvars[h].x` therefore costs two lookups, however large
 * hostvars is. Containers reached from `unsafeVars`/`unsafeValues` are data and never templated.
 */
class Renderer {
  readonly env: Env;
  private readonly resolving: string[] = [];
  private readonly resolvedStrings = new Map<string, unknown>();
  /** Containers read from the variables: the strings inside them are templates. */
  private readonly fromVars = new WeakSet<object>();
  /** Containers that are data only (registered results, facts). */
  private readonly unsafe = new WeakSet<object>();
  private readonly walked = new WeakMap<object, unknown>();
  private readonly walking = new WeakSet<object>();

  constructor(
    vars: Mapping,
    private readonly options: RenderOptions,
  ) {
    this.env = makeEnv(vars, { read: (path, value, parent) => this.read(path, value, parent), deep: (value) => this.deep(value) });
  }

  private isUnsafe(value: object): boolean {
    return this.unsafe.has(value) || (this.options.unsafeValues?.has(value) ?? false);
  }

  private read(path: string, value: unknown, parent: unknown): unknown {
    const parentIsObject = typeof parent === 'object' && parent !== null;
    const trusted = parent === undefined ? !this.options.unsafeVars?.has(path) : parentIsObject && this.fromVars.has(parent) && !this.isUnsafe(parent);
    const isObject = typeof value === 'object' && value !== null;
    if (!trusted) {
      if (isObject && (parent === undefined || (parentIsObject && this.isUnsafe(parent)))) this.unsafe.add(value);
      return value;
    }
    if (isObject) {
      if (!this.isUnsafe(value)) this.fromVars.add(value);
      return value;
    }
    if (typeof value !== 'string' || !isTemplated(value)) return value;
    if (this.resolvedStrings.has(path)) return this.resolvedStrings.get(path);
    if (this.resolving.includes(path)) {
      throw new ExprError(`recursive loop in variable templates: ${[...this.resolving, path].join(' -> ')}`);
    }
    this.resolving.push(path);
    try {
      const out = this.string(value);
      this.resolvedStrings.set(path, out);
      return out;
    } finally {
      this.resolving.pop();
    }
  }

  /** Renders the strings nested in a container that came from the variables; other values pass through. */
  private deep(value: unknown): unknown {
    if (!isWalkable(value) || this.isUnsafe(value)) return value;
    return this.walk(value, this.fromVars.has(value));
  }

  private walk(container: unknown[] | Record<string, unknown>, templates: boolean): unknown {
    const memo = this.walked.get(container);
    if (memo !== undefined) return memo;
    if (this.walking.has(container)) throw new ExprError('recursive loop in variable templates: a value contains itself');
    this.walking.add(container);
    try {
      const child = (v: unknown): unknown => {
        if (typeof v === 'string') return templates && isTemplated(v) ? this.string(v) : v;
        if (!isWalkable(v) || this.isUnsafe(v)) return v;
        return this.walk(v, templates || this.fromVars.has(v));
      };
      let out: unknown;
      if (Array.isArray(container)) {
        const items = container.map(child);
        out = items.every((v, i) => v === container[i]) ? container : items;
      } else {
        const entries = mappingEntries(container).map(([k, v]) => [k, v, child(v)] as const);
        const changed = entries.some(([, before, after]) => before !== after);
        out = changed ? makeDict(entries.filter(([, , after]) => after !== OMIT).map(([k, , after]) => [k, after])) : container;
      }
      this.walked.set(container, out);
      return out;
    } finally {
      this.walking.delete(container);
    }
  }

  string(template: string): unknown {
    if (!isTemplated(template)) return template;
    try {
      return this.renderTemplated(template);
    } catch (e) {
      if (e instanceof ExprError && e.template === undefined) e.template = template;
      throw e;
    }
  }

  private renderTemplated(template: string): unknown {
    const segments = parseTemplate(template);
    const only = segments.length === 1 ? segments[0]! : undefined;
    if (only && 'expr' in only) {
      const value = evaluate(only.expr, this.env);
      if (value instanceof Undefined) value.fail();
      // Ansible's finalize prints None as '' (only a bare `{{ name }}` hands the variable's None through).
      if (value === null && only.expr.t !== 'name') return '';
      return this.deep(value);
    }
    let out = '';
    for (const segment of segments) {
      if ('text' in segment) {
        out += segment.text;
        continue;
      }
      const value = evaluate(segment.expr, this.env);
      if (value === OMIT) throw new ExprError(`'omit' can only be the whole value, not part of a string (${segment.source})`);
      out += value === null ? '' : pyStr(this.deep(value));
    }
    return out;
  }

  /** Renders a value written in the playbook: every string in it is a template. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.string(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (isMapping(value) && !(value instanceof Map)) {
      const entries: [string, unknown][] = [];
      for (const [k, v] of mappingEntries(value)) {
        const rendered = this.value(v);
        if (rendered !== OMIT) entries.push([k, rendered]);
      }
      return makeDict(entries);
    }
    return value;
  }

  /** The final value of a bare expression. */
  expression(node: Node): unknown {
    const value = evaluate(node, this.env);
    if (value instanceof Undefined) value.fail();
    return this.deep(value);
  }
}

/** Arrays and plain objects; Maps are lazy views whose values are templated when looked up. */
function isWalkable(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) || (isMapping(value) && !(value instanceof Map));
}

function guarded<T>(template: string, options: RenderOptions, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ExprError) {
      const text = e.template ?? template;
      const where = text.length > 120 ? `${text.slice(0, 117)}...` : text;
      const message = e.undefinedName !== undefined ? `${e.message} (in "${where}")` : `template error in "${where}": ${e.message}`;
      throw new TemplateError(message, text, options.origin, e.undefinedName);
    }
    // A value JavaScript itself refuses (a stack overflow on deep nesting, an out-of-range argument).
    if (e instanceof RangeError) throw new TemplateError(`template could not be evaluated: ${e.message} (in "${template.slice(0, 120)}")`, template, options.origin);
    throw e;
  }
}

/** Renders one string; a string that is exactly one `{{ expr }}` returns the native value. */
export function renderString(template: string, vars: Mapping, options: RenderOptions = {}): unknown {
  return guarded(template, options, () => new Renderer(vars, options).string(template));
}

/** Renders every string inside maps and lists; map entries that render to `omit` are dropped. */
export function renderValue(value: unknown, vars: Mapping, options: RenderOptions = {}): unknown {
  return guarded(typeof value === 'string' ? value : '(value)', options, () => new Renderer(vars, options).value(value));
}

/** Evaluates a bare expression (no braces), as `when:`, `until:`, `failed_when:` are written. */
export function evaluateExpression(expr: string, vars: Mapping, options: RenderOptions = {}): unknown {
  return guarded(expr, options, () => new Renderer(vars, options).expression(parseBareExpression(expr)));
}

export type Condition = string | boolean | number | PyFloat | null;

/** `when:`-style condition: a bare expression, a boolean, or a list of them that must all hold. */
export function evaluateCondition(condition: Condition | Condition[], vars: Mapping, options: RenderOptions = {}): boolean {
  const list = Array.isArray(condition) ? condition : [condition];
  for (const item of list) {
    if (typeof item === 'boolean') {
      if (!item) return false;
      continue;
    }
    if (typeof item !== 'string') {
      if (!truthy(item)) return false;
      continue;
    }
    const value = evaluateExpression(item, vars, options);
    if (!guarded(item, options, () => truthy(value))) return false;
  }
  return true;
}

/** Checks a template's syntax and the names of its filters, tests and lookups without evaluating it (used by the loader to report errors before any run). */
export function templateSyntaxError(template: string): string | undefined {
  try {
    for (const segment of parseTemplate(template)) {
      const problem = 'expr' in segment ? unknownName(segment.expr) : undefined;
      if (problem) return problem;
    }
    return undefined;
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
}

/** Same as templateSyntaxError, for bare expressions (`when:`). */
export function expressionSyntaxError(expr: string): string | undefined {
  try {
    return unknownName(parseBareExpression(expr));
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
}
