/**
 * Tokens of the Jinja2 expression subset. The lexer can stop at the `}}` that closes a `{{ … }}` block,
 * tracking brackets so that dict literals (`{{ {'a': {'b': 1}} }}`) and strings holding `}}` work.
 */
import { ExprError, pyFloat, type PyFloat } from './values.js';

export type TokenType = 'num' | 'str' | 'name' | 'op' | 'end';

export interface Token {
  type: TokenType;
  /** A num token's value is a Python float (pyFloat) when written with a dot or an exponent. */
  value: string | number | PyFloat;
  pos: number;
}

export interface LexResult {
  tokens: Token[];
  /** Index just past the closing `}}` (or the source length for a bare expression). */
  end: number;
  /** The block closed with `-}}`: whitespace after it is trimmed. */
  trimAfter: boolean;
}

const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

export function tokenize(src: string, start: number, closeBlock: boolean): LexResult {
  const tokens: Token[] = [];
  // Open brackets; a `}}` closes the block unless it can close a dict literal that is still open.
  const open: string[] = [];
  let i = start;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (closeBlock && open[open.length - 1] !== '{') {
      if (src.startsWith('}}', i)) return { tokens: [...tokens, { type: 'end', value: '', pos: i }], end: i + 2, trimAfter: false };
      if (src.startsWith('-}}', i)) return { tokens: [...tokens, { type: 'end', value: '', pos: i }], end: i + 3, trimAfter: true };
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const esc = src[j + 1]!;
          text += ESCAPES[esc] ?? `\\${esc}`;
          j += 2;
        } else text += src[j++];
      }
      if (j >= src.length) throw new ExprError(`unterminated string starting at column ${i + 1}`);
      tokens.push({ type: 'str', value: text, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^(\d[\d_]*)(\.\d[\d_]*)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && /\d/.test(ch)) {
      const text = num[0].replaceAll('_', '');
      tokens.push({ type: 'num', value: num[2] !== undefined || num[3] !== undefined ? pyFloat(Number(text)) : Number(text), pos: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      tokens.push({ type: 'name', value: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character '${ch}' at column ${i + 1}`);
    if (op === '(' || op === '[' || op === '{') open.push(op);
    if (op === ')' || op === ']' || op === '}') open.pop();
    tokens.push({ type: 'op', value: op, pos: i });
    i += op.length;
  }
  if (closeBlock) throw new ExprError("'{{' is never closed by '}}'");
  tokens.push({ type: 'end', value: '', pos: i });
  return { tokens, end: i, trimAfter: false };
}
