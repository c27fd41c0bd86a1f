/**
 * Renders a template file (parsed by template-file-parse.ts) with the host's variables through the expression
 * engine (template.ts), as Ansible's template module does: `None` prints as an empty string, the file's
 * trailing newlines are kept, names set by `{% set %}` inside a loop body live for that iteration only, and
 * `loop.index`/`index0`/`revindex`/`revindex0`/`first`/`last`/`length`/`previtem`/`nextitem` are available.
 */
import { evaluateExpression, TemplateError, type Mapping, type RenderOptions } from './template.js';
import { parseTemplateFile, type TemplateFileOptions, type TemplateNode } from './template-file-parse.js';

export type { TemplateFileOptions };
import { ExprError, iterate, isMapping, mappingGet, mappingKeys, pyStr, truthy } from './expr/values.js';

/** A layer of template-local names (loop variables, `set`) over the host's variables. */
class Scope extends Map<string, unknown> {
  constructor(private readonly parent: Mapping) {
    super();
  }
  override has(key: string): boolean {
    return super.has(key) || mappingGet(this.parent, key).found;
  }
  override get(key: string): unknown {
    return super.has(key) ? super.get(key) : mappingGet(this.parent, key).value;
  }
  /** Every name this scope and its parents define locally (never the host's variables). */
  localNames(): string[] {
    const own = [...super.keys()];
    return this.parent instanceof Scope ? [...own, ...this.parent.localNames()] : own;
  }
}

class FileRenderer {
  constructor(private readonly options: RenderOptions) {}

  private value(source: string, scope: Scope, line: number): unknown {
    try {
      // Local names hold values already rendered: they are never templated again.
      return evaluateExpression(source, scope, { ...this.options, unsafeVars: new Set([...scope.localNames(), ...(this.options.unsafeVars ?? [])]) });
    } catch (e) {
      if (e instanceof TemplateError) throw new TemplateError(`${e.message} (template line ${line})`, e.template, this.options.origin, e.undefinedName);
      throw e;
    }
  }

  nodes(nodes: TemplateNode[], scope: Scope): string {
    let out = '';
    for (const node of nodes) out += this.node(node, scope);
    return out;
  }

  private assign(scope: Scope, targets: string[], value: unknown, line: number): void {
    if (targets.length === 1) {
      scope.set(targets[0]!, value);
      return;
    }
    const items = Array.isArray(value) ? value : undefined;
    if (!items || items.length !== targets.length) {
      throw new TemplateError(`cannot unpack ${pyStr(value)} into ${targets.join(', ')} (template line ${line})`, targets.join(', '), this.options.origin);
    }
    targets.forEach((t, i) => scope.set(t, items[i]));
  }

  private node(node: TemplateNode, scope: Scope): string {
    switch (node.t) {
      case 'text':
        return node.text;
      case 'out': {
        let value: unknown;
        try {
          value = this.value(node.source, scope, node.line);
        } catch (e) {
          // `x if c` without else is Jinja's Undefined, which prints as nothing (Ansible: "1,2,3" from `"," if not loop.last`).
          if (e instanceof TemplateError && e.undefinedName === '') return '';
          throw e;
        }
        return value === null || value === undefined ? '' : pyStr(value);
      }
      case 'if': {
        for (const branch of node.branches) if (truthy(this.value(branch.cond, scope, node.line))) return this.nodes(branch.body, scope);
        return node.otherwise ? this.nodes(node.otherwise, scope) : '';
      }
      case 'set':
        this.assign(scope, node.targets, this.value(node.value, scope, node.line), node.line);
        return '';
      case 'setblock':
        scope.set(node.target, this.nodes(node.body, new Scope(scope)));
        return '';
      case 'for':
        return this.loop(node, scope);
    }
  }

  private loop(node: TemplateNode & { t: 'for' }, scope: Scope): string {
    const iterable = this.value(node.iter, scope, node.line);
    let items: unknown[];
    try {
      items = isMapping(iterable) ? mappingKeys(iterable) : iterate(iterable, 'a for loop');
    } catch (e) {
      if (e instanceof ExprError) throw new TemplateError(`${e.message} (template line ${node.line})`, node.iter, this.options.origin);
      throw e;
    }
    if (node.filter !== undefined) {
      items = items.filter((item) => {
        const s = new Scope(scope);
        this.assign(s, node.targets, item, node.line);
        return truthy(this.value(node.filter!, s, node.line));
      });
    }
    if (items.length === 0) return node.otherwise ? this.nodes(node.otherwise, scope) : '';
    let out = '';
    items.forEach((item, index) => {
      const s = new Scope(scope);
      this.assign(s, node.targets, item, node.line);
      s.set('loop', {
        index: index + 1,
        index0: index,
        revindex: items.length - index,
        revindex0: items.length - index - 1,
        first: index === 0,
        last: index === items.length - 1,
        length: items.length,
        depth: 1,
        depth0: 0,
        ...(index > 0 ? { previtem: items[index - 1] } : {}),
        ...(index < items.length - 1 ? { nextitem: items[index + 1] } : {}),
      });
      out += this.nodes(node.body, s);
    });
    return out;
  }
}

/**
 * Renders a whole template file to text. Errors are TemplateErrors naming the template line; `options.origin`
 * should name the template file.
 */
export function renderTemplateFile(source: string, vars: Mapping, options: RenderOptions & TemplateFileOptions = {}): string {
  let tree: TemplateNode[];
  try {
    // Jinja (keep_trailing_newline=False) drops one trailing newline of the source before rendering.
    tree = parseTemplateFile(source.replace(/\r?\n$/, ''), options);
  } catch (e) {
    if (e instanceof ExprError) throw new TemplateError(e.message, source.slice(0, 120), options.origin);
    throw e;
  }
  let out: string;
  try {
    out = new FileRenderer(options).nodes(tree, new Scope(vars));
  } catch (e) {
    if (e instanceof ExprError) throw new TemplateError(e.message, source.slice(0, 120), options.origin, e.undefinedName);
    throw e;
  }
  // Jinja drops one trailing newline; Ansible's template module puts the file's own trailing newlines back.
  const wanted = /\n*$/.exec(source)![0].length;
  const have = /\n*$/.exec(out)![0].length;
  return have < wanted ? out + '\n'.repeat(wanted - have) : out;
}
