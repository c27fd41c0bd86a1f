/** `--limit @file`: the only I/O of pattern handling (retry files list one host per line). */
import { ConfigError } from '../errors.js';
import { readFailure } from './fs.js';
import { readTextCappedSync } from '../util/read-capped.js';

export type ReadTextSync = (path: string) => string;

const readUtf8: ReadTextSync = (path) => readTextCappedSync(path);

/**
 * Host names (or patterns) listed one per line; blank lines and `#` comments are skipped. Synchronous on
 * purpose: it runs once while planning, before any host is contacted.
 */
export function readLimitFile(path: string, readText: ReadTextSync = readUtf8): string[] {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    throw new ConfigError({ file: path, message: `cannot read --limit file: ${readFailure(err)}` });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
