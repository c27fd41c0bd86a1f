/**
 * Seeded input mutation for the fuzz tests: the playbook shuffle's PRNG (so a seed replays exactly) and
 * mutators that break inventories, playbooks and host patterns the way hurried edits and hostile files do.
 */
import { mulberry32 } from '../../src/playbook/batches.js';

export type Rng = () => number;

/** The PRNG `order: shuffle` uses (mulberry32), so a seed replays exactly. */
export { mulberry32 };

/** The seed to use: DRYDOCK_FUZZ_SEED when set (to replay a failure), else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env['DRYDOCK_FUZZ_SEED'];
  return given !== undefined && given !== '' ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, below: number): number => Math.floor(rng() * below);

/** Fragments that YAML, INI and pattern parsers treat specially. */
const SPECIAL = [
  '[', ']', '{', '}', ':', ',', '=', '*', '&', '!', '~', '|', '>', '-', '#', ';', '"', "'", '\\', '\t', '\n', ' ',
  '&a ', '*a', '*nope', '<<: *a', '!!binary ', '!vault ', '[0', '[z-a]', '[1:', '[a:c:0]', '---\n', '...\n', '%YAML 1.1\n',
  'None', 'True', '0x', '1e999', '\u0000', '\u00e9', '\ud83d\ude00', '{{ ', ' }}', '{% if %}', 'ansible_port=x', ':children', ':vars',
];

/** One random edit of `text`: insert, delete, duplicate or swap lines, truncate, or splice a special fragment. */
export function mutate(rng: Rng, text: string): string {
  const at = int(rng, text.length + 1);
  switch (int(rng, 8)) {
    case 0:
      return text.slice(0, at) + pick(rng, SPECIAL) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + int(rng, 8)));
    case 2: {
      const lines = text.split('\n');
      const i = int(rng, lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 3: {
      const lines = text.split('\n');
      const i = int(rng, lines.length);
      const j = int(rng, lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, at);
    case 5: {
      const lines = text.split('\n');
      const i = int(rng, lines.length);
      lines[i] = ' '.repeat(int(rng, 6)) + (lines[i] ?? '').trimStart();
      return lines.join('\n');
    }
    case 6: {
      // An anchor after a key and an alias further on (sometimes inside the anchored node itself).
      const lines = text.split('\n');
      const i = int(rng, lines.length);
      const j = i + int(rng, Math.max(1, lines.length - i));
      lines[i] = (lines[i] ?? '').replace(/: ?/, ': &a ');
      lines[j] = (lines[j] ?? '').replace(/: ?\S*$/, ': *a');
      return lines.join('\n');
    }
    default:
      return text.slice(0, at) + pick(rng, SPECIAL) + pick(rng, SPECIAL) + text.slice(at);
  }
}

/** `text` with 1 to `most` random edits. */
export function mutateMany(rng: Rng, text: string, most = 4): string {
  let out = text;
  for (let n = 1 + int(rng, most); n > 0; n--) out = mutate(rng, out);
  return out;
}

/** A random host pattern from names of the inventory, operators, wildcards, subscripts and stray brackets. */
export function randomPattern(rng: Rng, names: readonly string[]): string {
  const parts: string[] = [];
  for (let n = 1 + int(rng, 4); n > 0; n--) {
    const op = pick(rng, ['', '', '', '&', '!', '~', '@']);
    let term = pick(rng, [...names, 'all', '*', 'nosuch', 'web*', '192.168.*', 'fe80::1', '']);
    if (rng() < 0.3) term += pick(rng, ['[0]', '[-1]', '[0:1]', '[1:]', '[:]', '[0', ']', '[z-a]', '[!a]', '[', '(', '\\d+', '*']);
    if (rng() < 0.15) term = mutate(rng, term);
    parts.push(op + term);
  }
  return parts.join(pick(rng, [':', ',', ' : ', ':&', ':!']));
}
