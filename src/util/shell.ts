import { ConfigError } from '../errors.js';

/**
 * The one shell quoting drydock uses for every command line it builds (modules, become, engine, journals,
 * messages): Python's shlex.quote, which Ansible's `quote` filter also uses — a word of safe characters as is,
 * anything else in POSIX single quotes with `'` written as `'"'"'`. Any POSIX sh reads the result literally.
 */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

/**
 * POSIX `shlex.split` (Python's, which Ansible uses for INI host lines, -e key=value and ssh arguments):
 * whitespace separates, single quotes are literal, double quotes honour `\"` and `\\`, a backslash outside
 * quotes escapes the next character; with `comments`, an unquoted `#` ends the line (even mid-word, as in shlex).
 */
export interface ShlexToken {
  text: string;
  /** 0-based offset of the token's first character in the line. */
  start: number;
}

export type ShlexResult = { ok: true; tokens: ShlexToken[] } | { ok: false; error: string; at: number };

export function shlexSplit(line: string, options: { comments?: boolean } = {}): ShlexResult {
  const comments = options.comments ?? false;
  const tokens: ShlexToken[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || (comments && line[i] === '#')) break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (comments && ch === '#') {
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

/** The words of an ssh argument string (ssh_common_args, ProxyCommand, Include), or a ConfigError saying why not. */
export function splitShellWords(text: string): string[] {
  const split = shlexSplit(text);
  if (!split.ok) throw new ConfigError(`unterminated quote or escape in ssh arguments (${split.error}): ${text}`);
  return split.tokens.map((t) => t.text);
}
