/**
 * `to_yaml` / `to_nice_yaml` as Ansible 2.14 writes them: PyYAML's `yaml.dump` (sorted keys, width 80,
 * allow_unicode) through Ansible's dumper. The layout follows PyYAML's Emitter state by state: its indents
 * (block sequences under a key are not indented, `-   key: v` with indent 4), flow style for collections
 * that hold no collection (to_yaml's default_flow_style=None), plain scalars where PyYAML's analysis allows
 * them and quotes where a plain scalar would read back as another type ('yes', '1.0', '012', '~', '').
 * Not reproduced: complex keys (`? `, keys over 128 characters or multi-line are written as simple keys).
 */
import { ExprError, Undefined, isMapping, mappingEntries } from './values.js';
import { BREAKS, IMPLICIT, analyze, scalarText, unicodePrintable } from './yaml-scalar.js';

export interface DumpOptions {
  indent: number;
  /** null: a collection with no collection inside is written in flow style (to_yaml); false: block (to_nice_yaml). */
  flowStyle: boolean | null;
}

const BEST_WIDTH = 80;

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\t': 't', '\n': 'n', '\x0B': 'v', '\x0C': 'f', '\r': 'r', '\x1B': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  flowLevel = 0;

  constructor(private readonly opts: DumpOptions) {}

  private write(data: string): void {
    this.out += data;
    this.column += data.length;
  }
  private indicator(ind: string, needWs: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWs ? ind : ` ${ind}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }
  private lineBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.whitespace = this.indention = true;
  }
  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }
  private increase(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.opts.indent : 0;
    else if (!indentless) this.indent += this.opts.indent;
  }
  private decrease(): void {
    this.indent = this.indents.pop() ?? null;
  }

  node(v: unknown, ctx: { root?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    if (v instanceof Undefined) v.fail();
    if (Array.isArray(v) || isMapping(v)) {
      const entries = Array.isArray(v) ? null : mappingEntries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const items: unknown[] = entries ?? (v as unknown[]);
      const flow = this.flowLevel > 0 || items.length === 0 || (this.opts.flowStyle ?? !(entries ? entries.map(([, x]) => x) : items).some(isCollection));
      if (entries) return flow ? this.flowMapping(entries) : this.blockMapping(entries);
      return flow ? this.flowSequence(items) : this.blockSequence(items, ctx.mapping === true);
    }
    this.increase(true);
    this.scalar(v, ctx);
    this.decrease();
  }

  private flowSequence(items: unknown[]): void {
    this.indicator('[', true, true);
    this.flowLevel++;
    this.increase(true);
    items.forEach((item, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > BEST_WIDTH) this.writeIndent();
      this.node(item, {});
    });
    this.decrease();
    this.flowLevel--;
    this.indicator(']', false);
  }

  private flowMapping(entries: [string, unknown][]): void {
    this.indicator('{', true, true);
    this.flowLevel++;
    this.increase(true);
    entries.forEach(([k, v], i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > BEST_WIDTH) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(v, { mapping: true });
    });
    this.decrease();
    this.flowLevel--;
    this.indicator('}', false);
  }

  private blockSequence(items: unknown[], inMapping: boolean): void {
    this.increase(false, inMapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, {});
    }
    this.decrease();
  }

  private blockMapping(entries: [string, unknown][]): void {
    this.increase(false);
    for (const [k, v] of entries) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(v, { mapping: true });
    }
    this.decrease();
  }

  private scalar(v: unknown, ctx: { simpleKey?: boolean }): void {
    if (typeof v !== 'string') return this.plain(scalarText(v), !ctx.simpleKey);
    const a = analyze(v);
    const split = !ctx.simpleKey;
    const implicit = !IMPLICIT.some((re) => re.test(v));
    if (implicit && !(ctx.simpleKey && (a.empty || a.multiline)) && (this.flowLevel ? a.flowPlain : a.blockPlain)) return this.plain(v, split);
    if (a.singleQuoted && !(ctx.simpleKey && a.multiline)) return this.singleQuoted(v, split);
    this.doubleQuoted(v, split);
  }

  private plain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = this.indention = false;
          } else this.write(text.slice(start, end));
          start = end;
        }
      } else if (ch === null || ch === ' ') {
        this.write(text.slice(start, end));
        start = end;
      }
      if (ch !== null) spaces = ch === ' ';
    }
  }

  private singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) this.writeIndent();
          else this.write(text.slice(start, end));
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.lineBreak();
          for (let i = start; i < end; i++) this.lineBreak();
          this.writeIndent();
          start = end;
        }
      } else if ((ch === null || ` ${BREAKS}'`.includes(ch)) && start < end) {
        this.write(text.slice(start, end));
        start = end;
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const chars = [...text];
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end]! : null;
      if (ch === null || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !((ch >= ' ' && ch <= '~') || unicodePrintable(ch))) {
        if (start < end) this.write(chars.slice(start, end).join(''));
        start = end;
        if (ch !== null) {
          const code = ch.codePointAt(0)!;
          this.write(`\\${ESCAPES[ch] ?? (code <= 0xff ? `x${hex(code, 2)}` : code <= 0xffff ? `u${hex(code, 4)}` : `U${hex(code, 8)}`)}`);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        this.write(`${chars.slice(start, end).join('')}\\`);
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

function isCollection(v: unknown): boolean {
  return Array.isArray(v) || isMapping(v);
}

/** yaml.dump(value) as Ansible's to_yaml (flowStyle null) and to_nice_yaml (flowStyle false) call it. */
export function dumpPyYaml(value: unknown, opts: DumpOptions): string {
  // PyYAML falls back to 2 for an indent outside 2..9.
  const indent = Number.isInteger(opts.indent) && opts.indent >= 2 && opts.indent <= 9 ? opts.indent : 2;
  const e = new Emitter({ ...opts, indent });
  e.node(value, { root: true });
  e.writeIndent();
  return e.out;
}
