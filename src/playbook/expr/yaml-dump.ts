/**
 * `to_yaml` / `to_nice_yaml` as Ansible 2.14 writes them: PyYAML's `yaml.dump` (sorted keys, width 80,
 * allow_unicode) through Ansible's dumper. The layout follows PyYAML's Emitter state by state: its indents
 * (block sequences under a key are not indented, `-   key: v` with indent 4), flow style for collections
 * that hold no collection (to_yaml's default_flow_style=None), plain scalars where PyYAML's analysis allows
 * them and quotes where a plain scalar would read back as another type ('yes', '1.0', '012', '~', '').
 * Not reproduced: complex keys (`? `, keys over 128 characters or multi-line are written as simple keys).
 */
import { ExprError, Undefined, isMapping, isPyFloat, mappingEntries, numberValue, typeName } from './values.js';

export interface DumpOptions {
  indent: number;
  /** null: a collection with no collection inside is written in flow style (to_yaml); false: block (to_nice_yaml). */
  flowStyle: boolean | null;
}

const BEST_WIDTH = 80;
const BREAKS = '\n\x85\u2028\u2029';
const BLANK = `\0 \t\r${BREAKS}`;

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of them would not read back as a string.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<|=|!|&|\*|~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
];

interface Analysis {
  multiline: boolean;
  empty: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function printable(ch: string): boolean {
  return ch === '\n' || (ch >= ' ' && ch <= '~');
}

function unicodePrintable(ch: string): boolean {
  return ch === '\x85' || (ch >= '\xA0' && ch <= '\uD7FF') || (ch >= '\uE000' && ch <= '\uFFFD' && ch !== '\uFEFF') || ch.length === 2;
}

/** PyYAML's Emitter.analyze_scalar, reduced to the answers choose_scalar_style needs. */
function analyze(text: string): Analysis {
  if (!text) return { multiline: false, empty: true, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = [...text];
  let flowInd = false;
  let blockInd = false;
  if (text.startsWith('---') || text.startsWith('...')) flowInd = blockInd = true;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || BLANK.includes(chars[1]!);
  chars.forEach((ch, i) => {
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowInd = blockInd = true;
      if ('?:'.includes(ch)) {
        flowInd = true;
        if (followedByWs) blockInd = true;
      }
      if (ch === '-' && followedByWs) flowInd = blockInd = true;
    } else {
      if (',?[]{}'.includes(ch)) flowInd = true;
      if (ch === ':') {
        flowInd = true;
        if (followedByWs) blockInd = true;
      }
      if (ch === '#' && precededByWs) flowInd = blockInd = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!printable(ch) && !unicodePrintable(ch)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else prevSpace = prevBreak = false;
    precededByWs = BLANK.includes(ch);
    followedByWs = i + 2 >= chars.length || BLANK.includes(chars[i + 2]!);
  });
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (flowInd) flowPlain = false;
  if (blockInd) blockPlain = false;
  return { multiline: lineBreaks, empty: false, flowPlain, blockPlain, singleQuoted };
}

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

/** PyYAML's representers for non-string scalars. */
function scalarText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const n = numberValue(v);
  if (n === undefined) throw new ExprError(`to_yaml cannot represent a value of type ${typeName(v)}`);
  if (!isPyFloat(v)) return String(n);
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const repr = String(v).toLowerCase();
  return !repr.includes('.') && repr.includes('e') ? repr.replace('e', '.0e') : repr;
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
