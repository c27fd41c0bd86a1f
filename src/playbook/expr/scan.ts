/**
 * Splits template strings into text and `{{ expr }}` segments (with `{# #}` comments, `{% raw %}` and
 * whitespace control) and parses bare expressions; both are cached, as the same templates run per host.
 */
import { tokenize } from './lexer.js';
import { parseExpression, type Node } from './parser.js';
import { ExprError } from './values.js';

export type Segment = { text: string } | { expr: Node; source: string };

const cache = new Map<string, Segment[]>();
const exprCache = new Map<string, Node>();
const CACHE_LIMIT = 5000;

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

export function isTemplated(value: string): boolean {
  return value.includes('{{') || value.includes('{%') || value.includes('{#');
}

export function parseTemplate(template: string): Segment[] {
  const cached = cache.get(template);
  if (cached) return cached;
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  let trimNext = false;
  while (i < template.length) {
    const open = /\{[{%#]/g;
    open.lastIndex = i;
    const m = open.exec(template);
    const chunk = template.slice(i, m ? m.index : template.length);
    text += trimNext ? chunk.replace(/^\s+/, '') : chunk;
    trimNext = false;
    if (!m) break;
    let start = m.index + 2;
    if (template[start] === '-') {
      text = text.replace(/\s+$/, '');
      start++;
    }
    if (m[0] === '{%') {
      // {% raw %}…{% endraw %} is the Ansible idiom for literal braces; other statements are not supported.
      const raw = /^\s*raw\s*-?%\}/.exec(template.slice(start));
      if (!raw) throw new ExprError('Jinja statements ({% … %}) are not supported; use when:, loop: or an inline "x if c else y" expression');
      const body = start + raw[0].length;
      const end = /\{%-?\s*endraw\s*-?%\}/g;
      end.lastIndex = body;
      const close = end.exec(template);
      if (!close) throw new ExprError("'{% raw %}' is never closed by '{% endraw %}'");
      text += template.slice(body, close.index);
      i = close.index + close[0].length;
      continue;
    }
    if (m[0] === '{#') {
      const end = template.indexOf('#}', start);
      if (end < 0) {
        throw new ExprError("'{#' starts a Jinja comment that is never closed by '#}'; for a literal '{#' (bash ${#var}) write {{ '{#' }} or use {% raw %}…{% endraw %}");
      }
      trimNext = template[end - 1] === '-';
      i = end + 2;
      continue;
    }
    const lexed = tokenize(template, start, true);
    if (text) segments.push({ text });
    text = '';
    segments.push({ expr: parseExpression(lexed.tokens), source: template.slice(m.index, lexed.end) });
    trimNext = lexed.trimAfter;
    i = lexed.end;
  }
  if (text) segments.push({ text });
  return remember(cache, template, segments);
}

export function parseBareExpression(expr: string): Node {
  const cached = exprCache.get(expr);
  if (cached) return cached;
  const trimmed = expr.trim();
  // Ansible warns about `when: "{{ x }}"` but accepts it; so do we.
  const wrapped = /^\{\{([\s\S]*)\}\}$/.exec(trimmed);
  const lexed = tokenize(wrapped ? wrapped[1]! : trimmed, 0, false);
  return remember(exprCache, expr, parseExpression(lexed.tokens));
}
