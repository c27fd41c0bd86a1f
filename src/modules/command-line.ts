/**
 * Pure parts of command/shell: splitting a free-form command into words (Python's shlex.split without
 * comments, which Ansible's command module uses), quoting them back into one sh command line, and the
 * result fields Ansible registers (start/end/delta, *_lines).
 */
import { ModuleFailure } from './failure.js';
import { shellQuote } from '../util/shell.js';

/** shlex.split(text, comments=False): whitespace separates; '' literal; "" honours \" \\ \$ \`; \ escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ModuleFailure(`unterminated single quote in command: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) i++;
        word += text[i]!;
        i++;
      }
      if (i >= text.length) throw new ModuleFailure(`unterminated double quote in command: ${text}`);
      i++;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[i + 1]!;
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** argv → one sh command line in which every word is literal (no globbing, variables or redirections). */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((w) => shellQuote(w)).join(' ');
}

/** A glob for `creates:`/`removes:`: literal text quoted, `* ? [ ]` left for the target's shell to expand. */
export function quoteGlob(pattern: string): string {
  return pattern.replace(/[^*?[\]]+/g, (part) => shellQuote(part));
}

/** sh that exits 0 when some path matches the glob (dangling links count, as Python's glob does). */
export function globExistsScript(pattern: string): string {
  return `for f in ${quoteGlob(pattern)}; do if [ -e "$f" ] || [ -L "$f" ]; then exit 0; fi; done; exit 1`;
}

/** Ansible's timestamp format: 2024-05-01 12:00:00.123456 (local time of the controller). */
export function ansibleTimestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

/** Python timedelta's str(): 0:00:01.250000. */
export function ansibleDelta(ms: number): string {
  const total = Math.max(0, ms);
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const micros = Math.round((total % 1000) * 1000);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(micros).padStart(6, '0')}`;
}

/** strip_empty_ends: Ansible drops trailing newlines of stdout/stderr. */
export function stripEnds(text: string): string {
  return text.replace(/\n+$/, '');
}
