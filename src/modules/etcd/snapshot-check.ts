/**
 * The checks a snapshot passes on the controller before drydock keeps it, with no etcd tool:
 * 1. its integrity hash: etcd sends the SHA-256 of the database after the database itself (etcdctl saves
 *    both into the file; `etcdutl snapshot restore` checks it, recognising it by `size % 512 == 32`);
 * 2. what `etcdutl snapshot status` reports, read from the bbolt file (bbolt.ts) the way etcdutl computes it
 *    (etcdutl/snapshot/v3_snapshot.go, Status): `hash`, a CRC-32C over every top-level bucket's name and its
 *    keys and values in order; `revision`, the main revision of the last (largest) key of the `key` bucket;
 *    `totalKey`, the keys alive at that revision (each `key` bucket value is an mvccpb.KeyValue; a tombstone
 *    revision key, 18 bytes ending in 't', deletes its key); `totalSize`, the pages in use; `version`, the
 *    `storageVersion` of the `meta` bucket.
 * Pure.
 */
import { createHash } from 'node:crypto';
import { BoltError, BoltReader, bufferSource } from './bbolt.js';
import type { SnapshotStatus } from './status.js';

const SHA256_BYTES = 32;
const REVISION_BYTES = 17;
const TOMBSTONE_BYTES = 18;

export class SnapshotCheckError extends Error {
  override name = 'SnapshotCheckError';
}

/** Splits etcd's snapshot stream (database, then its SHA-256) and checks the hash. Throws when it does not match. */
export function splitVerifiedSnapshot(file: Buffer): { db: Buffer; sha256: Buffer } {
  if (file.length % 512 !== SHA256_BYTES) {
    throw new SnapshotCheckError(`the snapshot has no integrity hash: ${file.length} bytes is not a whole number of 512-byte sectors plus 32`);
  }
  const db = file.subarray(0, file.length - SHA256_BYTES);
  const sha256 = file.subarray(file.length - SHA256_BYTES);
  const actual = createHash('sha256').update(db).digest();
  if (!actual.equals(sha256)) {
    throw new SnapshotCheckError(`the snapshot's integrity hash does not match its content (etcd sent ${sha256.toString('hex')}, the content hashes to ${actual.toString('hex')})`);
  }
  return { db, sha256 };
}

let CRC32C_TABLES: Uint32Array[] | undefined;

/** Eight 256-entry tables for slicing-by-8 (the first is the classic byte-at-a-time table). */
function crc32cTables(): Uint32Array[] {
  if (CRC32C_TABLES) return CRC32C_TABLES;
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const first = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    first[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) tables[t]![n] = (first[tables[t - 1]![n]! & 0xff]! ^ (tables[t - 1]![n]! >>> 8)) >>> 0;
  }
  CRC32C_TABLES = tables;
  return tables;
}

/** CRC-32C (Castagnoli), continuing from `crc`: Go's crc32.Update with crc32.MakeTable(crc32.Castagnoli). */
export function crc32c(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crc32cTables() as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new SnapshotCheckError('a truncated varint in a key value');
}

/** Field 1 (`key`) of a protobuf mvccpb.KeyValue. */
export function keyValueKey(value: Buffer): Buffer {
  let at = 0;
  while (at < value.length) {
    const tag = readVarint(value, at);
    at = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    if (wire === 0) at = readVarint(value, at).next;
    else if (wire === 2) {
      const length = readVarint(value, at);
      const end = length.next + length.value;
      if (end > value.length) throw new SnapshotCheckError('a key value field runs past its end');
      if (field === 1) return value.subarray(length.next, end);
      at = end;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new SnapshotCheckError(`a key value has an unknown wire type ${wire}`);
  }
  throw new SnapshotCheckError('a key value without its key');
}

/** What `etcdutl snapshot status -w json` reports for the database `db` (the snapshot without its hash). */
export function snapshotDbStatus(db: Buffer): SnapshotStatus {
  try {
    const bolt = new BoltReader(bufferSource(db));
    let hash = 0;
    let revision = 0;
    let version: string | undefined;
    let keyBucket = false;
    const alive = new Set<string>();
    let previousBucket: Buffer | undefined;
    for (const bucket of bolt.root()) {
      if (!bucket.bucket) throw new SnapshotCheckError(`a value at the top level (${JSON.stringify(bucket.key.toString('latin1'))}) where only buckets belong`);
      if (previousBucket && Buffer.compare(previousBucket, bucket.key) >= 0) throw new SnapshotCheckError('the top-level buckets are out of order');
      previousBucket = bucket.key;
      hash = crc32c(bucket.key, hash);
      const name = bucket.key.toString('latin1');
      const isKey = name === 'key';
      keyBucket ||= isKey;
      let previous: Buffer | undefined;
      for (const entry of bolt.bucket(bucket.value)) {
        if (previous && Buffer.compare(previous, entry.key) >= 0) throw new SnapshotCheckError(`the keys of bucket "${name}" are out of order`);
        previous = entry.key;
        hash = crc32c(entry.key, hash);
        // A nested bucket's value is nil in bbolt's ForEach: only its name is hashed (etcd has none).
        if (!entry.bucket) hash = crc32c(entry.value, hash);
        if (name === 'meta' && entry.key.toString('latin1') === 'storageVersion') version = entry.value.toString('utf8');
        if (!isKey) continue;
        if (entry.key.length !== REVISION_BYTES && entry.key.length !== TOMBSTONE_BYTES) {
          throw new SnapshotCheckError(`a revision key of ${entry.key.length} bytes in the key bucket`);
        }
        const main = entry.key.readBigInt64BE(0);
        if (main > BigInt(Number.MAX_SAFE_INTEGER) || main < 0n) throw new SnapshotCheckError(`revision ${main} is out of range`);
        revision = Number(main);
        const key = keyValueKey(entry.value).toString('latin1');
        if (entry.key.length === TOMBSTONE_BYTES && entry.key[17] === 0x74) alive.delete(key);
        else alive.add(key);
      }
    }
    if (!keyBucket) throw new SnapshotCheckError('the database has no "key" bucket: not an etcd snapshot');
    return { hash, revision, totalKeys: alive.size, size: bolt.size, ...(version !== undefined ? { version } : {}) };
  } catch (err) {
    if (err instanceof BoltError) throw new SnapshotCheckError(`the database is damaged: ${err.message}`);
    throw err;
  }
}

/** Both checks on a whole snapshot file; throws SnapshotCheckError with the reason. */
export function checkSnapshot(file: Buffer): SnapshotStatus {
  return snapshotDbStatus(splitVerifiedSnapshot(file).db);
}
