/**
 * Ansible's lineinfile algorithm (modules/lineinfile.py present()/absent()), as a pure function over the
 * file's text. `regexp` replaces the LAST matching line (the first with `firstmatch`); with no match the
 * line is inserted after/before the last `insertafter`/`insertbefore` match, else at EOF. Regular
 * expressions are Python's; the common differences (named groups, `\g<1>` backrefs) are translated.
 */

export interface LineEdit {
  line?: string;
  regexp?: string;
  searchString?: string;
  state: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
  backrefs?: boolean;
  firstmatch?: boolean;
}

export interface LineEditResult {
  text: string;
  changed: boolean;
  msg: string;
  /** Lines removed (state=absent). */
  found?: number;
}

/** Python `re` syntax → JavaScript RegExp (named groups `(?P<n>…)`, `(?P=n)`). */
export function pythonRegExp(pattern: string): RegExp {
  const js = pattern.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(js);
}

/** Lines with their endings kept, as Python's readlines(). */
export function splitKeepEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function bare(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

/** re.Match.expand: `\1`, `\g<1>`, `\g<name>`, `\n`, `\\`. */
export function expandBackrefs(template: string, match: RegExpExecArray): string {
  return template.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/g, (all, group: string | undefined, num: string | undefined, other: string | undefined) => {
    if (group !== undefined) return (/^\d+$/.test(group) ? match[Number(group)] : match.groups?.[group]) ?? '';
    if (num !== undefined) return match[Number(num)] ?? '';
    if (other === 'n') return '\n';
    if (other === 't') return '\t';
    if (other === '\\') return '\\';
    return all;
  });
}

export function editLines(text: string, edit: LineEdit): LineEditResult {
  return edit.state === 'absent' ? absent(text, edit) : present(text, edit);
}

function present(text: string, edit: LineEdit): LineEditResult {
  const lines = splitKeepEnds(text);
  const line = edit.line ?? '';
  const re = edit.regexp !== undefined ? pythonRegExp(edit.regexp) : undefined;
  const insertRe =
    edit.insertafter !== undefined && edit.insertafter !== 'BOF' && edit.insertafter !== 'EOF'
      ? pythonRegExp(edit.insertafter)
      : edit.insertbefore !== undefined && edit.insertbefore !== 'BOF'
        ? pythonRegExp(edit.insertbefore)
        : undefined;
  let matchIndex = -1;
  let insertIndex = -1;
  let match: RegExpExecArray | null = null;
  let exactLineMatch = false;

  if (re || edit.searchString !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      const found = re ? re.exec(bare(lines[i]!)) : bare(lines[i]!).includes(edit.searchString!) ? ([] as unknown as RegExpExecArray) : null;
      if (found) {
        matchIndex = i;
        match = found;
        if (edit.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let i = 0; i < lines.length; i++) {
      if (bare(lines[i]!) === line) {
        matchIndex = i;
        exactLineMatch = true;
      } else if (insertRe && insertRe.test(bare(lines[i]!))) {
        if (edit.insertafter !== undefined) {
          insertIndex = i + 1;
          if (edit.firstmatch) break;
        } else if (edit.insertbefore !== undefined) {
          insertIndex = i;
          if (edit.firstmatch) break;
        }
      }
    }
  }
  void exactLineMatch;

  const added = (at: number): LineEditResult => {
    lines.splice(at, 0, `${line}\n`);
    return { text: lines.join(''), changed: true, msg: 'line added' };
  };
  const unchanged: LineEditResult = { text, changed: false, msg: '' };

  if (matchIndex !== -1) {
    let newLine = edit.backrefs && match && re ? expandBackrefs(line, match) : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (lines[matchIndex] === newLine) return unchanged;
    lines[matchIndex] = newLine;
    return { text: lines.join(''), changed: true, msg: 'line replaced' };
  }
  if (edit.backrefs) return unchanged; // without a match there is nothing to expand the backrefs from
  if (edit.insertbefore === 'BOF' || edit.insertafter === 'BOF') return added(0);
  if (edit.insertafter === 'EOF' || insertIndex === -1) {
    if (lines.length > 0 && !lines[lines.length - 1]!.endsWith('\n')) lines[lines.length - 1] += '\n';
    return added(lines.length);
  }
  if (edit.insertafter !== undefined) {
    if (lines.length > 0 && !lines[lines.length - 1]!.endsWith('\n')) lines[lines.length - 1] += '\n';
    if (insertIndex === lines.length) {
      if (bare(lines[insertIndex - 1]!) === line) return unchanged;
      return added(insertIndex);
    }
    if (bare(lines[insertIndex]!) === line) return unchanged;
    return added(insertIndex);
  }
  return added(insertIndex);
}

function absent(text: string, edit: LineEdit): LineEditResult {
  const lines = splitKeepEnds(text);
  const re = edit.regexp !== undefined ? pythonRegExp(edit.regexp) : undefined;
  const kept = lines.filter((l) => {
    const b = bare(l);
    if (re) return !re.test(b);
    if (edit.searchString !== undefined) return !b.includes(edit.searchString);
    return b !== (edit.line ?? '');
  });
  const found = lines.length - kept.length;
  if (found === 0) return { text, changed: false, msg: '', found: 0 };
  return { text: kept.join(''), changed: true, msg: `${found} line(s) removed`, found };
}
