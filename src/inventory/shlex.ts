/**
 * POSIX `shlex.split(line, comments=True)` as Ansible uses it for INI host lines: whitespace separates,
 * single quotes are literal, double quotes honour `\"` and `\\`, a backslash outside quotes escapes the next
 * character, and an unquoted `#` ends the line (even mid-word, as in shlex).
 */

export interface ShlexToken {
  text: string;
  /** 0-based offset of the token's first character in the line. */
  start: number;
}

export type ShlexResult = { ok: true; tokens: ShlexToken[] } | { ok: false; error: string; at: number };

export function shlexSplit(line: string): ShlexResult {
  const tokens: ShlexToken[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '#') break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === '#') {
        tokens.push({ text, start });
        return { ok: true, tokens };
      }
      if (ch === '\\') {
        if (i + 1 >= line.length) return { ok: false, error: 'no escaped character after "\\"', at: i };
        text += line[i + 1];
        i += 2;
      } else if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return { ok: false, error: 'no closing quotation', at: i };
        text += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        for (;;) {
          if (i >= line.length) return { ok: false, error: 'no closing quotation', at: start };
          const c = line[i]!;
          if (c === '"') break;
          if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
          } else {
            text += c;
            i++;
          }
        }
        i++;
      } else {
        text += ch;
        i++;
      }
    }
    tokens.push({ text, start });
  }
  return { ok: true, tokens };
}
