/**
 * The subset of Python's `ast.literal_eval` that Ansible applies to INI host variables: ints (with `0x`,
 * `0o`, `0b`, `_`), floats, `True`/`False`/`None`, quoted strings with escapes, lists, tuples and dicts.
 * Anything else is not a literal, and Ansible keeps such text as a plain string.
 */

import { pyFloat } from '../util/pyfloat.js';

export type LiteralParse = { ok: true; value: unknown } | { ok: false };

export interface LiteralOptions {
  /**
   * How a Python float (`1.0`, `1e3`, `.5`) is represented; ints are always JS numbers. By default
   * `pyFloat` (util/pyfloat.ts): an integral float is a PyFloat box, so `2.0` still renders "2.0".
   */
  float?: (value: number, text: string) => unknown;
}

export function parsePythonLiteral(text: string, options: LiteralOptions = {}): LiteralParse {
  const parser = new LiteralParser(text, options.float ?? pyFloat);
  try {
    parser.skipSpace();
    const value = parser.value();
    parser.skipSpace();
    if (!parser.atEnd()) return { ok: false };
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotALiteral) return { ok: false };
    throw err;
  }
}

class NotALiteral extends Error {}
/** Thrown as is, made once: an Error built per failed value cost a stack capture on every inline variable. */
const NOT_A_LITERAL = new NotALiteral('not a Python literal');

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

class LiteralParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly float: (value: number, text: string) => unknown,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    for (;;) {
      while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
      // Python comments are legal inside literal_eval input (`23 # note` evaluates to 23).
      if (this.text[this.pos] !== '#') return;
      while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
    }
  }

  value(): unknown {
    const ch = this.text[this.pos];
    if (ch === undefined) throw NOT_A_LITERAL;
    if (ch === "'" || ch === '"') return this.strings();
    if (ch === '[') return this.sequence('[', ']');
    if (ch === '(') return this.sequence('(', ')');
    if (ch === '{') return this.dict();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'True') return true;
      if (word[0] === 'False') return false;
      if (word[0] === 'None') return null;
      throw NOT_A_LITERAL;
    }
    return this.number();
  }

  private number(): unknown {
    const rest = this.text.slice(this.pos);
    const m =
      /^[+-]?\s*(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?)/.exec(
        rest,
      );
    const raw = m?.[0] ?? '';
    const body = raw.replace(/^[+-]\s*/, '').replace(/_/g, '');
    if (!/[0-9]/.test(body)) throw NOT_A_LITERAL;
    // A trailing letter or `j` (complex) means the token was not a plain number.
    if (/^[A-Za-z0-9_.]/.test(rest.slice(raw.length))) throw NOT_A_LITERAL;
    const sign = raw.trimStart().startsWith('-') ? -1 : 1;
    let value: number;
    let isFloat = false;
    if (/^0[xob]/i.test(body)) {
      value = Number(body);
    } else if (/[.eE]/.test(body)) {
      value = Number(body);
      isFloat = true;
    } else {
      // Python 3 rejects decimal ints with leading zeros (`0755`), so they stay strings.
      if (/^0[0-9]/.test(body)) throw NOT_A_LITERAL;
      value = Number(body);
    }
    if (Number.isNaN(value)) throw NOT_A_LITERAL;
    this.pos += raw.length;
    return isFloat ? this.float(sign * value, raw) : sign * value;
  }

  /** Adjacent string literals concatenate, as in Python. */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === "'" || ch === '"') out += this.string();
      else {
        this.pos = save;
        return out;
      }
    }
  }

  private string(): string {
    const quote = this.text[this.pos]!;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const delim = triple ? quote.repeat(3) : quote;
    this.pos += delim.length;
    let out = '';
    for (;;) {
      if (this.atEnd()) throw NOT_A_LITERAL;
      if (this.text.startsWith(delim, this.pos)) {
        this.pos += delim.length;
        return out;
      }
      const ch = this.text[this.pos]!;
      if (ch === '\n' && !triple) throw NOT_A_LITERAL;
      if (ch !== '\\') {
        out += ch;
        this.pos++;
        continue;
      }
      const next = this.text[this.pos + 1];
      if (next === undefined) throw NOT_A_LITERAL;
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        out += simple;
        this.pos += 2;
        continue;
      }
      const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
      if (hex) {
        const digits = this.text.slice(this.pos + 2, this.pos + 2 + hex);
        if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw NOT_A_LITERAL;
        out += String.fromCodePoint(parseInt(digits, 16));
        this.pos += 2 + hex;
        continue;
      }
      // Unknown escapes keep the backslash, as Python does.
      out += '\\';
      this.pos++;
    }
  }

  private sequence(open: string, close: string): unknown[] {
    this.pos += open.length;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) throw NOT_A_LITERAL;
    }
  }

  private dict(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) throw NOT_A_LITERAL;
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw NOT_A_LITERAL;
      this.pos++;
      this.skipSpace();
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw NOT_A_LITERAL;
    }
  }
}
