/**
 * Parses a template FILE (the `template` module's src, a `lookup('template')`) into a tree of text, `{{ expr }}`
 * output and the everyday Jinja statements: `{% if/elif/else %}`, `{% for a[, b] in expr [if cond] %}…{% else %}`,
 * `{% set x = expr %}` / `{% set x %}…{% endset %}`, `{% raw %}`, `{# comments #}`. Whitespace follows the
 * environment Ansible's template module uses: trim_blocks=True (the newline after a block tag or comment is
 * dropped), lstrip_blocks=False, `-` strips whitespace on its side, `+%}` keeps the newline.
 * Other statements (macro, include, extends, block, call, with, filter) are refused with their line.
 */
import { tokenize } from './expr/lexer.js';
import { parseBareExpression } from './expr/scan.js';
import { ExprError } from './expr/values.js';

export type TemplateNode =
  | { t: 'text'; text: string }
  | { t: 'out'; source: string; line: number }
  | { t: 'if'; branches: { cond: string; body: TemplateNode[] }[]; otherwise?: TemplateNode[]; line: number }
  | { t: 'for'; targets: string[]; iter: string; filter?: string; body: TemplateNode[]; otherwise?: TemplateNode[]; line: number }
  | { t: 'set'; targets: string[]; value: string; line: number }
  | { t: 'setblock'; target: string; body: TemplateNode[]; line: number };

type Flat =
  | { t: 'text'; text: string }
  | { t: 'out'; source: string; line: number }
  | { t: 'stmt'; keyword: string; rest: string; line: number };

const UNSUPPORTED = new Set(['macro', 'call', 'include', 'import', 'from', 'extends', 'block', 'filter', 'with', 'do', 'autoescape', 'break', 'continue']);

function lineAt(src: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

function fail(message: string, line: number): never {
  throw new ExprError(`${message} (template line ${line})`);
}

/** Index of the `%}` or `#}` closing a tag opened at `start`, skipping quoted strings. */
function closing(src: string, start: number, close: string): number {
  let quote = '';
  for (let i = start; i < src.length; i++) {
    const ch = src[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (close === '%}' && (ch === "'" || ch === '"')) quote = ch;
    else if (src.startsWith(close, i)) return i;
  }
  return -1;
}

/** Splits the source into text, outputs and statement tags, applying whitespace control. */
export interface TemplateFileOptions {
  /** Drop the newline after a block tag or comment (Ansible's default: true). */
  trimBlocks?: boolean;
  /** Drop spaces and tabs before a block tag or comment that starts its line (default: false). */
  lstripBlocks?: boolean;
}

function flatten(src: string, options: TemplateFileOptions): Flat[] {
  const out: Flat[] = [];
  let text = '';
  let i = 0;
  let lstripNext = false;
  let trimNewline = false;
  const pushText = (): void => {
    if (text) out.push({ t: 'text', text });
    text = '';
  };
  while (i < src.length) {
    const open = /\{[{%#]/g;
    open.lastIndex = i;
    const m = open.exec(src);
    let chunk = src.slice(i, m ? m.index : src.length);
    if (lstripNext) chunk = chunk.replace(/^\s+/, '');
    else if (trimNewline) chunk = chunk.replace(/^\r?\n/, '');
    lstripNext = trimNewline = false;
    text += chunk;
    if (!m) break;
    const line = lineAt(src, m.index);
    let start = m.index + 2;
    if (src[start] === '-') {
      text = text.replace(/\s+$/, '');
      start++;
    } else if (src[start] === '+') start++;
    else if (options.lstripBlocks && m[0] !== '{{') text = text.replace(/(^|\n)[ \t]+$/, '$1');
    if (m[0] === '{{') {
      const lexed = tokenize(src, start, true);
      pushText();
      out.push({ t: 'out', source: src.slice(start, lexed.end - (lexed.trimAfter ? 3 : 2)), line });
      lstripNext = lexed.trimAfter;
      i = lexed.end;
      continue;
    }
    const close = m[0] === '{%' ? '%}' : '#}';
    const end = closing(src, start, close);
    if (end < 0) fail(m[0] === '{%' ? "'{%' is never closed by '%}'" : "'{#' is never closed by '#}'", line);
    let inner = src.slice(start, end);
    const marker = inner.endsWith('-') ? '-' : inner.endsWith('+') ? '+' : '';
    if (marker) inner = inner.slice(0, -1);
    i = end + 2;
    lstripNext = marker === '-';
    trimNewline = marker === '' && options.trimBlocks !== false;
    if (m[0] === '{#') continue;
    const words = /^\s*([A-Za-z_]\w*)\s*([\s\S]*?)\s*$/.exec(inner);
    if (!words) fail(`empty or malformed statement '{%${inner}%}'`, line);
    const keyword = words[1]!;
    if (keyword === 'raw') {
      const endRaw = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
      endRaw.lastIndex = i;
      const rawEnd = endRaw.exec(src);
      if (!rawEnd) fail("'{% raw %}' is never closed by '{% endraw %}'", line);
      let body = src.slice(i, rawEnd.index);
      if (lstripNext) body = body.replace(/^\s+/, '');
      else if (trimNewline) body = body.replace(/^\r?\n/, '');
      if (rawEnd[1] === '-') body = body.replace(/\s+$/, '');
      text += body;
      i = rawEnd.index + rawEnd[0].length;
      lstripNext = rawEnd[2] === '-';
      trimNewline = rawEnd[2] === '' && options.trimBlocks !== false;
      continue;
    }
    pushText();
    out.push({ t: 'stmt', keyword, rest: words[2]!, line });
  }
  pushText();
  return out;
}

function checkExpression(source: string, line: number): string {
  try {
    parseBareExpression(source);
  } catch (e) {
    if (e instanceof ExprError) fail(`${e.message} in '${source}'`, line);
    throw e;
  }
  return source;
}

/** Splits `items if cond` at a top-level `if` (a for loop's filter). */
function splitFilter(rest: string): { iter: string; filter?: string } {
  const tokens = tokenize(rest, 0, false).tokens;
  let depth = 0;
  for (const tok of tokens) {
    if (tok.type === 'op' && ['(', '[', '{'].includes(tok.value as string)) depth++;
    if (tok.type === 'op' && [')', ']', '}'].includes(tok.value as string)) depth--;
    if (depth === 0 && tok.type === 'name' && tok.value === 'if') return { iter: rest.slice(0, tok.pos).trim(), filter: rest.slice(tok.pos + 2).trim() };
  }
  return { iter: rest.trim() };
}

class TreeBuilder {
  private i = 0;
  constructor(private readonly items: Flat[]) {}

  /** Nodes until one of the `stop` keywords (which is left for the caller) or the end. */
  body(stop: string[], opener?: { keyword: string; line: number }): { nodes: TemplateNode[]; end?: Flat & { t: 'stmt' } } {
    const nodes: TemplateNode[] = [];
    while (this.i < this.items.length) {
      const item = this.items[this.i++]!;
      if (item.t !== 'stmt') {
        nodes.push(item);
        continue;
      }
      if (stop.includes(item.keyword)) return { nodes, end: item };
      nodes.push(this.statement(item));
    }
    if (opener) fail(`'{% ${opener.keyword} %}' is never closed by '{% ${stop[stop.length - 1]} %}'`, opener.line);
    return { nodes };
  }

  private statement(s: Flat & { t: 'stmt' }): TemplateNode {
    const { keyword, rest, line } = s;
    if (keyword === 'if') {
      const branches = [{ cond: checkExpression(rest, line), body: [] as TemplateNode[] }];
      let otherwise: TemplateNode[] | undefined;
      for (;;) {
        const part = this.body(['elif', 'else', 'endif'], s);
        if (otherwise) otherwise = part.nodes;
        else branches[branches.length - 1]!.body = part.nodes;
        const end = part.end!;
        if (end.keyword === 'endif') break;
        if (otherwise) fail("'{% else %}' after '{% else %}' in one if", end.line);
        if (end.keyword === 'elif') branches.push({ cond: checkExpression(end.rest, end.line), body: [] });
        else otherwise = [];
      }
      return { t: 'if', branches, ...(otherwise ? { otherwise } : {}), line };
    }
    if (keyword === 'for') {
      const m = /^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+([\s\S]+?)(\s+recursive)?$/.exec(rest);
      if (!m) fail(`malformed for loop '{% for ${rest} %}' (expected: for x in items)`, line);
      if (m[3]) fail('recursive for loops are not supported', line);
      const { iter, filter } = splitFilter(m[2]!);
      const body = this.body(['else', 'endfor'], s);
      let otherwise: TemplateNode[] | undefined;
      if (body.end!.keyword === 'else') otherwise = this.body(['endfor'], s).nodes;
      return {
        t: 'for',
        targets: m[1]!.split(',').map((x) => x.trim()),
        iter: checkExpression(iter, line),
        ...(filter !== undefined ? { filter: checkExpression(filter, line) } : {}),
        body: body.nodes,
        ...(otherwise ? { otherwise } : {}),
        line,
      };
    }
    if (keyword === 'set') {
      const m = /^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:=([\s\S]*))?$/.exec(rest);
      if (!m) fail(`malformed set '{% set ${rest} %}' (expected: set name = value)`, line);
      const targets = m[1]!.split(',').map((x) => x.trim());
      if (m[2] !== undefined) return { t: 'set', targets, value: checkExpression(m[2], line), line };
      if (targets.length !== 1) fail('a block set takes one name', line);
      return { t: 'setblock', target: targets[0]!, body: this.body(['endset'], s).nodes, line };
    }
    if (UNSUPPORTED.has(keyword)) fail(`the Jinja statement '${keyword}' is not supported in drydock templates (supported: if, for, set, raw)`, line);
    fail(`unexpected '{% ${keyword} %}'`, line);
  }
}

const cache = new Map<string, TemplateNode[]>();

export function parseTemplateFile(src: string, options: TemplateFileOptions = {}): TemplateNode[] {
  const key = `${options.trimBlocks !== false ? 1 : 0}${options.lstripBlocks ? 1 : 0}${src}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const builder = new TreeBuilder(flatten(src, options));
  const { nodes } = builder.body([]);
  if (cache.size > 200) cache.clear();
  cache.set(key, nodes);
  return nodes;
}
