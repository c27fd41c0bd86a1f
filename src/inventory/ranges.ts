/**
 * Ansible host ranges: `worker[01:20]`, `node-[a:c]`, `web[1:9:2]`, several per name. Ranges are inclusive,
 * a zero-padded start keeps its width, letters walk `a..zA..Z` as Python's `string.ascii_letters` does.
 * Unlike Ansible, a backwards range (`[5:1]`) is an error rather than silently expanding to no hosts.
 */

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export type RangeExpansion = { ok: true; hosts: string[] } | { ok: false; error: string };

/** Largest number of names one pattern may expand to; protects against typos like `[1:9999999]`. */
export const MAX_RANGE_HOSTS = 100_000;

export function hasHostRange(name: string): boolean {
  return name.includes('[');
}

/** Expands every `[begin:end(:step)]` in `pattern`; a name without brackets expands to itself. */
export function expandHostRange(pattern: string): RangeExpansion {
  try {
    const hosts = expand(pattern);
    return { ok: true, hosts };
  } catch (err) {
    if (err instanceof RangeSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

class RangeSyntaxError extends Error {}

function expand(pattern: string): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) {
    if (pattern.includes(']')) throw new RangeSyntaxError(`host range in "${pattern}" has "]" without "["`);
    return [pattern];
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) throw new RangeSyntaxError(`host range in "${pattern}" is missing its closing "]"`);
  const head = pattern.slice(0, open);
  const body = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const names: string[] = [];
  for (const item of rangeItems(body, pattern)) {
    for (const name of expand(head + item + tail)) {
      names.push(name);
      if (names.length > MAX_RANGE_HOSTS) {
        throw new RangeSyntaxError(`host range "${pattern}" expands to more than ${MAX_RANGE_HOSTS} hosts`);
      }
    }
  }
  return names;
}

function rangeItems(body: string, pattern: string): string[] {
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" must be [begin:end] or [begin:end:step]`);
  }
  const begin = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds[2];
  if (end === '') throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" has no end value`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1) {
      throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" has step "${stepText}"; it must be a positive integer`);
    }
    step = Number(stepText);
  }
  const beginIsLetter = begin.length === 1 && LETTERS.includes(begin);
  const endIsLetter = end.length === 1 && LETTERS.includes(end);
  if (beginIsLetter && endIsLetter) {
    const from = LETTERS.indexOf(begin);
    const to = LETTERS.indexOf(end);
    if (from > to) throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" runs backwards (${begin} > ${end})`);
    const items: string[] = [];
    for (let i = from; i <= to; i += step) items.push(LETTERS[i]!);
    return items;
  }
  const beginIsNumber = /^[0-9]+$/.test(begin);
  const endIsNumber = /^[0-9]+$/.test(end);
  if (!beginIsNumber || !endIsNumber) {
    const kind = beginIsLetter || endIsLetter ? 'mixes a letter and a number' : 'must use numbers or single letters';
    throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" ${kind}`);
  }
  const padded = begin.length > 1 && begin.startsWith('0');
  if (padded && begin.length !== end.length) {
    throw new RangeSyntaxError(
      `host range "[${body}]" in "${pattern}" is zero-padded, so begin and end need the same width (${begin} vs ${end})`,
    );
  }
  const from = Number(begin);
  const to = Number(end);
  if (from > to) throw new RangeSyntaxError(`host range "[${body}]" in "${pattern}" runs backwards (${begin} > ${end})`);
  if ((to - from) / step > MAX_RANGE_HOSTS) {
    throw new RangeSyntaxError(`host range "${pattern}" expands to more than ${MAX_RANGE_HOSTS} hosts`);
  }
  const items: string[] = [];
  for (let i = from; i <= to; i += step) items.push(padded ? String(i).padStart(begin.length, '0') : String(i));
  return items;
}
