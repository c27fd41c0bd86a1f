/**
 * A read-only walk over a bbolt database file (go.etcd.io/bbolt 1.3/1.4, the format of etcd's backend and of
 * its snapshots), enough to check a snapshot on the controller without etcd's tools. Pure over a `PageSource`.
 *
 * The layout (little-endian, as bbolt writes it on amd64/arm64):
 * - every page starts with a 16-byte header: id u64, flags u16 (0x01 branch, 0x02 leaf, 0x04 meta,
 *   0x10 freelist), count u16, overflow u32 (the page spans 1 + overflow pages);
 * - pages 0 and 1 are meta pages: magic 0xED0CDAED u32, version 2 u32, pageSize u32, flags u32, root bucket
 *   (root pgid u64, sequence u64), freelist pgid u64, pgid (the high-water mark: pages in use) u64, txid u64,
 *   and an FNV-1a 64 checksum of the 56 bytes before it; the valid one with the larger txid is current;
 * - a branch page holds `count` 16-byte elements (pos u32, ksize u32, pgid u64), a leaf page `count` 16-byte
 *   elements (flags u32, pos u32, ksize u32, vsize u32); `pos` counts from the element itself;
 * - a leaf element with flag 0x01 is a bucket: its value is (root pgid u64, sequence u64), and when root is 0
 *   the bucket is inline: its single leaf page follows those 16 bytes inside the value.
 */

export const BOLT_MAGIC = 0xed0cdaed;
const PAGE_HEADER = 16;
const ELEMENT = 16;
/** The meta struct: 56 bytes of fields, then their checksum. */
const META_BYTES = 64;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_LEAF = 0x01;
/** Deeper than any real tree (a billion keys need about 6 levels): a loop in corrupt pages ends here. */
const MAX_DEPTH = 64;

/** Random access to the file's bytes. */
export interface PageSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

export function bufferSource(data: Buffer): PageSource {
  return {
    size: data.length,
    read: (offset, length) => {
      if (offset < 0 || offset + length > data.length) throw new BoltError(`read of ${length} bytes at ${offset} is past the end of the file (${data.length} bytes)`);
      return data.subarray(offset, offset + length);
    },
  };
}

export class BoltError extends Error {
  override name = 'BoltError';
}

export interface BoltMeta {
  pageSize: number;
  rootPgid: bigint;
  /** Pages in use: the database is `pgid * pageSize` bytes (what bbolt's tx.Size() reports). */
  pgid: bigint;
  txid: bigint;
}

export interface BoltEntry {
  key: Buffer;
  /** The value; for a nested bucket, its 16-byte header (and inline page). */
  value: Buffer;
  bucket: boolean;
}

/** FNV-1a, 64 bits (bbolt's meta checksum). */
export function fnv1a64(data: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of data) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function parseMeta(page: Buffer): BoltMeta | string {
  const m = page.subarray(PAGE_HEADER, PAGE_HEADER + META_BYTES);
  if (m.length < META_BYTES) return 'truncated';
  if ((page.readUInt16LE(8) & META) === 0) return `not a meta page (flags 0x${page.readUInt16LE(8).toString(16)})`;
  if (m.readUInt32LE(0) !== BOLT_MAGIC) return 'bad magic';
  if (m.readUInt32LE(4) !== 2) return `unsupported version ${m.readUInt32LE(4)}`;
  if (fnv1a64(m.subarray(0, 56)) !== m.readBigUInt64LE(56)) return 'checksum mismatch';
  const pageSize = m.readUInt32LE(8);
  if (pageSize < 512 || pageSize > 1 << 20 || (pageSize & (pageSize - 1)) !== 0) return `implausible page size ${pageSize}`;
  return { pageSize, rootPgid: m.readBigUInt64LE(16), pgid: m.readBigUInt64LE(40), txid: m.readBigUInt64LE(48) };
}

/** The current meta page: the valid one of the two with the larger transaction id. */
export function readMeta(source: PageSource): BoltMeta {
  if (source.size < PAGE_HEADER + META_BYTES) throw new BoltError(`the file is too short to be a bbolt database (${source.size} bytes)`);
  const first = parseMeta(source.read(0, Math.min(source.size, 4096)));
  const pageSize = typeof first === 'string' ? 4096 : first.pageSize;
  const second = source.size >= pageSize * 2 ? parseMeta(source.read(pageSize, PAGE_HEADER + META_BYTES)) : 'missing';
  const valid = [first, second].filter((m): m is BoltMeta => typeof m !== 'string');
  if (valid.length === 0) throw new BoltError(`no valid meta page (page 0: ${String(first)}; page 1: ${String(second)})`);
  return valid.reduce((a, b) => (b.txid > a.txid ? b : a));
}

export class BoltReader {
  readonly meta: BoltMeta;

  constructor(private readonly source: PageSource) {
    this.meta = readMeta(source);
    const bytes = this.meta.pgid * BigInt(this.meta.pageSize);
    if (bytes > BigInt(source.size)) throw new BoltError(`the meta page says ${bytes} bytes are in use but the file has ${source.size}`);
  }

  /** Bytes in use: bbolt's tx.Size(), what `etcdutl snapshot status` reports as totalSize. */
  get size(): number {
    return Number(this.meta.pgid) * this.meta.pageSize;
  }

  /** The entries of the root bucket (the top-level bucket names), in key order. */
  root(): Generator<BoltEntry> {
    return this.walkPage(this.meta.rootPgid, 0);
  }

  /** The entries of the bucket whose value (from a `bucket: true` entry) is given, in key order. */
  bucket(value: Buffer): Generator<BoltEntry> {
    if (value.length < 16) throw new BoltError(`a bucket value of ${value.length} bytes is too short`);
    const root = value.readBigUInt64LE(0);
    if (root !== 0n) return this.walkPage(root, 0);
    const inline = value.subarray(16);
    if (inline.length < PAGE_HEADER) throw new BoltError('an inline bucket without its page');
    return this.walkNode(inline, -1n, 0);
  }

  /** The entries of a top-level bucket by name, or undefined when there is no such bucket. */
  namedBucket(name: string): Generator<BoltEntry> | undefined {
    for (const entry of this.root()) {
      if (entry.bucket && entry.key.toString('latin1') === name) return this.bucket(entry.value);
    }
    return undefined;
  }

  private page(pgid: bigint): Buffer {
    if (pgid < 2n || pgid >= this.meta.pgid) throw new BoltError(`page ${pgid} is outside the database (pages 2..${this.meta.pgid - 1n})`);
    const size = this.meta.pageSize;
    const offset = Number(pgid) * size;
    const header = this.source.read(offset, PAGE_HEADER);
    const overflow = header.readUInt32LE(12);
    if (pgid + BigInt(overflow) >= this.meta.pgid) throw new BoltError(`page ${pgid} overflows past the database's end`);
    return this.source.read(offset, size * (1 + overflow));
  }

  private *walkPage(pgid: bigint, depth: number): Generator<BoltEntry> {
    const page = this.page(pgid);
    const id = page.readBigUInt64LE(0);
    if (id !== pgid) throw new BoltError(`page ${pgid} says it is page ${id}`);
    yield* this.walkNode(page, pgid, depth);
  }

  private *walkNode(page: Buffer, pgid: bigint, depth: number): Generator<BoltEntry> {
    if (depth > MAX_DEPTH) throw new BoltError(`the tree is deeper than ${MAX_DEPTH} levels at page ${pgid}: a loop in a corrupt file`);
    const flags = page.readUInt16LE(8);
    const count = page.readUInt16LE(10);
    const where = pgid < 0n ? 'an inline bucket page' : `page ${pgid}`;
    if (PAGE_HEADER + count * ELEMENT > page.length) throw new BoltError(`${where} claims ${count} elements, more than it holds`);
    const slice = (start: number, length: number): Buffer => {
      if (start < 0 || start + length > page.length) throw new BoltError(`${where}: an element points past the page`);
      return page.subarray(start, start + length);
    };
    if (flags === BRANCH) {
      for (let i = 0; i < count; i++) {
        const at = PAGE_HEADER + i * ELEMENT;
        if (pgid < 0n) throw new BoltError('an inline bucket page cannot be a branch');
        yield* this.walkPage(page.readBigUInt64LE(at + 8), depth + 1);
      }
      return;
    }
    if (flags !== LEAF) throw new BoltError(`${where} is neither a branch nor a leaf (flags 0x${flags.toString(16)})`);
    for (let i = 0; i < count; i++) {
      const at = PAGE_HEADER + i * ELEMENT;
      const elementFlags = page.readUInt32LE(at);
      const pos = page.readUInt32LE(at + 4);
      const ksize = page.readUInt32LE(at + 8);
      const vsize = page.readUInt32LE(at + 12);
      const key = slice(at + pos, ksize);
      const value = slice(at + pos + ksize, vsize);
      yield { key, value, bucket: (elementFlags & BUCKET_LEAF) !== 0 };
    }
  }
}
