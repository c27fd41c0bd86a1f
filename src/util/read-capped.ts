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

/** The read loop's bookkeeping, shared by both readers: the next buffer to fill, the cap, the text at the end. */
class Collector {
  private readonly chunks: Buffer[] = [];
  private total = 0;
  constructor(
    private readonly path: string,
    private readonly limit: number,
  ) {}

  buffer(): Buffer {
    return Buffer.allocUnsafe(Math.min(CHUNK, this.limit + 1 - this.total));
  }

  /** Keeps what a read returned; true once the file has ended. Throws past the cap. */
  took(buffer: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return true;
    this.chunks.push(buffer.subarray(0, bytesRead));
    this.total += bytesRead;
    if (this.total > this.limit) throw new InputTooLargeError(this.path, this.limit);
    return false;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.total).toString('utf8');
  }
}

export async function readTextCapped(path: string, limit = MAX_INPUT_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const collector = new Collector(path, limit);
    for (;;) {
      const buffer = collector.buffer();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (collector.took(buffer, bytesRead)) return collector.text();
    }
  } finally {
    await handle.close();
  }
}

export function readTextCappedSync(path: string, limit = MAX_INPUT_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const collector = new Collector(path, limit);
    for (;;) {
      const buffer = collector.buffer();
      if (collector.took(buffer, readSync(fd, buffer, 0, buffer.length, null))) return collector.text();
    }
  } finally {
    closeSync(fd);
  }
}
