/**
 * PyYAML's scalar decisions for the to_yaml emitter (yaml-dump.ts): which strings would read back as another
 * type (its implicit resolvers), what Emitter.analyze_scalar allows, and how non-string scalars are written.
 */
import { ExprError, isPyFloat, numberValue, typeName } from './values.js';

export const BREAKS = '\n\x85\u2028\u2029';
const BLANK = `\0 \t\r${BREAKS}`;

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of them would not read back as a string.
export const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<|=|!|&|\*|~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
];

export interface Analysis {
  multiline: boolean;
  empty: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function printable(ch: string): boolean {
  return ch === '\n' || (ch >= ' ' && ch <= '~');
}

export function unicodePrintable(ch: string): boolean {
  return ch === '\x85' || (ch >= '\xA0' && ch <= '\uD7FF') || (ch >= '\uE000' && ch <= '\uFFFD' && ch !== '\uFEFF') || ch.length === 2;
}

/** PyYAML's Emitter.analyze_scalar, reduced to the answers choose_scalar_style needs. */
export function analyze(text: string): Analysis {
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

/** PyYAML's representers for non-string scalars. */
export function scalarText(v: unknown): string {
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

