/**
 * blockinfile's edit, as Ansible 2.14 computes it (pure): the block between the two marker lines is replaced,
 * or, when the markers are not both there, inserted after the last line matching `insertafter` (or before the
 * last matching `insertbefore`; EOF/BOF; no match: at the end); `absent` removes it.
 */
import { pythonRegExp } from './lineinfile-edit.js';

export interface BlockEdit {
  state: 'present' | 'absent';
  block: string;
  marker: string;
  markerBegin: string;
  markerEnd: string;
  insertafter?: string;
  insertbefore?: string;
}

export interface BlockOutcome {
  text: string;
  changed: boolean;
  msg: string;
}

/** Lines with their line endings kept (Python's splitlines(True) for \n files). */
function splitKeep(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function editBlock(original: string | undefined, edit: BlockEdit): BlockOutcome {
  const marker0 = `${edit.marker.replaceAll('{mark}', edit.markerBegin)}\n`;
  const marker1 = `${edit.marker.replaceAll('{mark}', edit.markerEnd)}\n`;
  let blocklines: string[] = [];
  if (edit.state === 'present' && edit.block !== '') {
    const block = edit.block.endsWith('\n') ? edit.block : `${edit.block}\n`;
    blocklines = [marker0, ...splitKeep(block), marker1];
  }
  const lines = splitKeep(original ?? '');
  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((line, i) => {
    if (line === marker0) n0 = i;
    if (line === marker1) n1 = i;
  });
  if (n0 === undefined || n1 === undefined) {
    const after = edit.insertafter;
    const before = edit.insertbefore;
    if (after !== undefined && after !== 'EOF') {
      const re = pythonRegExp(after);
      n0 = undefined;
      lines.forEach((line, i) => {
        if (re.test(line)) n0 = i;
      });
      n0 = n0 === undefined ? lines.length : n0 + 1;
    } else if (before !== undefined && before !== 'BOF') {
      const re = pythonRegExp(before);
      n0 = undefined;
      lines.forEach((line, i) => {
        if (re.test(line)) n0 = i;
      });
      n0 ??= lines.length;
    } else n0 = before === 'BOF' ? 0 : lines.length;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  if (n0 > 0 && !lines[n0 - 1]!.endsWith('\n')) lines[n0 - 1] += '\n';
  lines.splice(n0, 0, ...blocklines);
  const text = lines.join('');
  if (original === text) return { text, changed: false, msg: '' };
  if (original === undefined) return { text, changed: true, msg: 'File created' };
  return { text, changed: true, msg: blocklines.length === 0 ? 'Block removed' : 'Block inserted' };
}
