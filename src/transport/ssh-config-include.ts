/**
 * `Include` for ~/.ssh/config, done by inlining the included files' lines where the directive stands, so
 * the `ssh-config` package (which does not follow Include) sees one text. Each output line remembers its
 * origin for file:line messages.
 *
 * After an included file, the enclosing block is re-opened (its Host/Match line repeated, or `Host *` at top
 * level, which matches every host just as top-level lines do), so directives after the Include keep applying
 * where they were written. Known difference from OpenSSH: Host blocks inside a file included from a block that
 * does not match are still evaluated.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { splitShellWords } from '../util/shell.js';
import { expandTilde } from './ssh-paths.js';

export interface SourceLine {
  file: string;
  line: number;
  /** A block header repeated after an included file, not a line the user wrote there. */
  synthetic?: boolean;
}

export interface InlinedConfig {
  text: string;
  /** origins[i] is where output line i + 1 came from. */
  origins: SourceLine[];
}

/** File access, injected so tests can feed files without a disk. */
export interface IncludeReader {
  /** File text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Entry names of a directory, or undefined when it does not exist. */
  list(dir: string): Promise<string[] | undefined>;
}

const MAX_DEPTH = 16; // OpenSSH READCONF_MAX_DEPTH

export const diskIncludeReader: IncludeReader = {
  async read(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (['ENOENT', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
  },
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
};

function fileGlob(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`);
}

/** glob(3) over the last path component only, sorted, hidden files only when the pattern starts with a dot. */
async function expandIncludePattern(path: string, reader: IncludeReader): Promise<string[] | string> {
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  if (/[*?]/.test(dir)) return `Include pattern "${path}" has wildcards before the last path component`;
  if (!/[*?]/.test(base)) return [path];
  const names = (await reader.list(dir)) ?? [];
  const matcher = fileGlob(base);
  return names
    .filter((name) => matcher.test(name) && (base.startsWith('.') || !name.startsWith('.')))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Inlines Include directives of `text` (read from `file`). Relative paths are taken from the directory of
 * the top-level file (~/.ssh for the user config), as OpenSSH does.
 */
export async function inlineIncludes(
  file: string,
  text: string,
  home: string,
  reader: IncludeReader = diskIncludeReader,
): Promise<InlinedConfig> {
  const baseDir = dirname(file);
  const lines: string[] = [];
  const origins: SourceLine[] = [];
  const issues: ConfigIssue[] = [];

  const visit = async (current: string, content: string, depth: number, stack: string[]): Promise<void> => {
    let header: string | undefined;
    const rawLines = content.split(/\r?\n/);
    for (const [index, raw] of rawLines.entries()) {
      const origin = { file: current, line: index + 1 };
      const trimmed = raw.trim();
      const include = /^include(?:\s*=\s*|\s+)(.*)$/i.exec(trimmed);
      if (!include) {
        if (/^(host|match)(\s|=)/i.test(trimmed)) header = raw;
        lines.push(raw);
        origins.push(origin);
        continue;
      }
      if (depth >= MAX_DEPTH) {
        issues.push({ ...origin, message: `Include nested deeper than ${MAX_DEPTH} files (${stack.join(' → ')})` });
        continue;
      }
      let patterns: string[];
      try {
        patterns = splitShellWords(include[1] ?? '');
      } catch (error) {
        issues.push({ ...origin, message: (error as Error).message });
        continue;
      }
      for (const pattern of patterns) {
        const expanded = expandTilde(pattern, home);
        const absolute = isAbsolute(expanded) ? expanded : join(baseDir, expanded);
        const paths = await expandIncludePattern(absolute, reader);
        if (typeof paths === 'string') {
          issues.push({ ...origin, message: paths });
          continue;
        }
        for (const path of paths) {
          if (stack.includes(path)) {
            issues.push({ ...origin, message: `Include loop: ${[...stack, path].join(' → ')}` });
            continue;
          }
          const included = await reader.read(path);
          if (included === undefined) continue; // as ssh: a missing include is not an error
          await visit(path, included, depth + 1, [...stack, path]);
          lines.push(header ?? 'Host *');
          origins.push({ ...origin, synthetic: true });
        }
      }
    }
  };

  await visit(file, text, 0, [file]);
  if (issues.length > 0) throw new ConfigError(issues);
  return { text: lines.join('\n'), origins };
}
