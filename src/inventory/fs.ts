/** The narrow file-system seam the inventory loader reads through (tests can pass an in-memory one). */
import { readFile, readdir, stat } from 'node:fs/promises';

export type EntryKind = 'file' | 'dir';

export interface InventoryFs {
  readText(path: string): Promise<string>;
  /** `undefined` when nothing exists at `path`. */
  kind(path: string): Promise<EntryKind | undefined>;
  /** Entry names of a directory, unsorted. */
  list(dir: string): Promise<string[]>;
}

export const nodeInventoryFs: InventoryFs = {
  readText: (path) => readFile(path, 'utf8'),
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

/** Byte-wise (ASCII) order, as Python's `sorted()` on file names; not locale order. */
export function asciiSort(names: string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
