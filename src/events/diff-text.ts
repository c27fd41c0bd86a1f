/**
 * --diff output: a line diff of a module's before/after text, changed lines with 3 lines of context, in the
 * `--- before` / `+++ after` form ansible-playbook prints.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

const MAX_CELLS = 4_000_000;
const CONTEXT = 3;

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** Longest-common-subsequence diff; very large inputs fall back to "all removed, all added". */
export function diffLines(before: string, after: string): Op[] {
  const a = lines(before);
  const b = lines(after);
  if (a.length * b.length > MAX_CELLS) return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  const table: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  while (i < a.length) ops.push({ kind: '-', line: a[i++]! });
  while (j < b.length) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

export function formatDiff(entry: { path?: string; before: string; after: string }): string {
  const ops = diffLines(entry.before, entry.after);
  const near = ops.map((_, index) => ops.slice(Math.max(0, index - CONTEXT), index + CONTEXT + 1).some((o) => o.kind !== ' '));
  const out = [`--- before${entry.path ? `: ${entry.path}` : ''}`, `+++ after${entry.path ? `: ${entry.path}` : ''}`];
  let gap = false;
  ops.forEach((op, index) => {
    if (!near[index]) {
      gap = true;
      return;
    }
    if (gap && out.length > 2) out.push('@@');
    gap = false;
    out.push(`${op.kind}${op.line}`);
  });
  return `${out.join('\n')}\n`;
}
