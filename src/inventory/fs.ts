/** The narrow file-system seam the inventory loader reads through (tests can pass an in-memory one). */
import { readdir, stat } from 'node:fs/promises';
import { readTextCapped } from '../util/read-capped.js';

export type EntryKind = 'file' | 'dir';

export interface InventoryFs {
  readText(path: string): Promise<string>;
  /** `undefined` when nothing exists at `path`. */
  kind(path: string): Promise<EntryKind | undefined>;
  /** Entry names of a directory, unsorted. */
  list(dir: string): Promise<string[]>;
}

export const nodeInventoryFs: InventoryFs = {
  readText: (path) => readTextCapped(path),
  async kind(path) {
    try {
      const s = await stat(path);
      return s.isDirectory() ? 'dir' : 'file';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
        return undefined;
      }
      throw err;
    }
  },
  list: (dir) => readdir(dir),
};

/** Why a file could not be read, in words (errno codes and the size cap). */
export function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (err as Error).message;
}

/** Byte-wise (ASCII) order, as Python's `sorted()` on file names; not locale order. */
export function asciiSort(names: string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
