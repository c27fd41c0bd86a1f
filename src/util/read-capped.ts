/**
 * Reads the files a user hands drydock (inventories, group_vars, playbooks, vars files, -e @file, --limit
 * @file) with a cap on the bytes read: `-i /dev/zero` or a runaway generated file must end in a clear input
 * error, not in reading half a gigabyte and a RangeError.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Thrown when a file holds more than the cap; `code` lets errno-style handlers report it. */
export class InputTooLargeError extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`${path} is larger than ${limit / (1024 * 1024)} MiB, more than any inventory, playbook or vars file drydock reads`);
    this.name = 'InputTooLargeError';
  }
}

const CHUNK = 1024 * 1024;

export async function readTextCapped(path: string, limit = MAX_INPUT_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new InputTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

export function readTextCappedSync(path: string, limit = MAX_INPUT_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - total));
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new InputTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
