/**
 * The controller's own check of an etcd snapshot, on a real snapshot of etcd 3.6.16 (test/fixtures/etcd:
 * 300 live keys with one deleted and one rewritten, a 10 kB value, made by etcdctl; beside it what
 * `etcdutl snapshot status -w json` said of it): the bbolt walk must agree with etcdutl to the figure, and
 * damage anywhere must be refused.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BoltReader, bufferSource, fnv1a64 } from '../../../../src/modules/etcd/bbolt.js';
import { checkSnapshot, crc32c, keyValueKey, snapshotDbStatus, splitVerifiedSnapshot } from '../../../../src/modules/etcd/snapshot-check.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/etcd');
const SNAPSHOT = gunzipSync(readFileSync(join(FIXTURES, 'snapshot-3.6.db.gz')));
const ETCDUTL = JSON.parse(readFileSync(join(FIXTURES, 'snapshot-3.6.status.json'), 'utf8'));
const DB = SNAPSHOT.subarray(0, SNAPSHOT.length - 32);
const PAGE = 4096;

/** The database with `edit` applied and a fresh SHA-256 appended, so only the bbolt checks can catch it. */
function rehashed(edit: (db: Buffer) => void): Buffer {
  const db = Buffer.from(DB);
  edit(db);
  return Buffer.concat([db, createHash('sha256').update(db).digest()]);
}

/** Page ids by their flags, read straight off the file. */
function pagesByType(): Map<number, number[]> {
  const byType = new Map<number, number[]>();
  for (let id = 2; id * PAGE < DB.length; ) {
    const flags = DB.readUInt16LE(id * PAGE + 8);
    byType.set(flags, [...(byType.get(flags) ?? []), id]);
    id += 1 + DB.readUInt32LE(id * PAGE + 12);
  }
  return byType;
}

/** The `key` bucket's root (a branch page in the fixture) and its first leaf: pages the walk reaches. */
function keyBucketPages(): { branch: number; leaf: number } {
  const bolt = new BoltReader(bufferSource(DB));
  const branch = Number([...bolt.root()].find((b) => b.key.toString() === 'key')!.value.readBigUInt64LE(0));
  expect(DB.readUInt16LE(branch * PAGE + 8)).to.equal(0x01);
  const leaf = Number(DB.readBigUInt64LE(branch * PAGE + 16 + 8));
  expect(DB.readUInt16LE(leaf * PAGE + 8)).to.equal(0x02);
  return { branch, leaf };
}

describe('modules/etcd: the snapshot check on the controller (bbolt, hash)', () => {
  it('reports what etcdutl snapshot status reports for a real snapshot', () => {
    expect(checkSnapshot(SNAPSHOT)).to.deep.equal({
      hash: ETCDUTL.hash, revision: ETCDUTL.revision, totalKeys: ETCDUTL.totalKey, size: ETCDUTL.totalSize, version: ETCDUTL.version,
    });
  });

  it('walks branch pages, overflow pages and inline buckets (the fixture has each)', () => {
    const types = pagesByType();
    expect(types.get(0x01), 'branch pages').to.not.equal(undefined);
    const overflowing = [...types.get(0x02)!].some((id) => DB.readUInt32LE(id * PAGE + 12) > 0);
    expect(overflowing, 'a leaf page with overflow').to.equal(true);
    const bolt = new BoltReader(bufferSource(DB));
    const inline = [...bolt.root()].filter((b) => b.value.readBigUInt64LE(0) === 0n).map((b) => b.key.toString());
    expect(inline, 'inline buckets').to.not.be.empty;
    const keys = [...bolt.namedBucket('key')!];
    expect(keys.length).to.equal(305); // 300 puts, the big one, a rewrite, a delete, a put and its delete
    expect(keys.some((k) => k.value.length > PAGE)).to.equal(true);
    expect(bolt.namedBucket('no-such-bucket')).to.equal(undefined);
  });

  it('splits off the SHA-256 etcd appends and refuses a flipped byte or a missing hash', () => {
    expect(splitVerifiedSnapshot(SNAPSHOT).db.length).to.equal(ETCDUTL.totalSize);
    const flipped = Buffer.from(SNAPSHOT);
    flipped[50_000] = flipped[50_000]! ^ 0x01;
    expect(() => checkSnapshot(flipped)).to.throw(/integrity hash does not match/);
    expect(() => checkSnapshot(DB)).to.throw(/no integrity hash/);
    expect(() => checkSnapshot(SNAPSHOT.subarray(0, SNAPSHOT.length - 1))).to.throw(/no integrity hash/);
  });

  it('refuses a database whose hash holds but whose pages are damaged', () => {
    const meta = (db: Buffer) => {
      db[16 + 20] = db[16 + 20]! ^ 0xff; // page 0's root pgid: its checksum no longer holds
      db[PAGE + 16 + 20] = db[PAGE + 16 + 20]! ^ 0xff;
    };
    expect(() => checkSnapshot(rehashed(meta))).to.throw(/damaged: no valid meta page/);
    const { branch, leaf } = keyBucketPages();
    const wild = (db: Buffer) => db.writeBigUInt64LE(999_999n, branch * PAGE + 16 + 8); // first child's pgid
    expect(() => checkSnapshot(rehashed(wild))).to.throw(/damaged: page 999999 is outside the database/);
    expect(() => checkSnapshot(rehashed((db) => db.writeBigUInt64LE(3n, leaf * PAGE)))).to.throw(/says it is page 3/);
    expect(() => checkSnapshot(rehashed((db) => db.writeUInt16LE(0x40, leaf * PAGE + 8)))).to.throw(/neither a branch nor a leaf/);
    expect(() => checkSnapshot(rehashed((db) => db.writeUInt16LE(0xfff, leaf * PAGE + 10)))).to.throw(/claims 4095 elements/);
  });

  it('uses the current of the two meta pages, and falls back on the other when one is broken', () => {
    const bolt = new BoltReader(bufferSource(DB));
    const broken = Buffer.from(DB);
    const current = bolt.meta.txid === DB.readBigUInt64LE(16 + 48) ? 0 : 1;
    broken[current * PAGE + 16 + 48] = broken[current * PAGE + 16 + 48]! ^ 0x01; // the current meta's txid
    const fallback = new BoltReader(bufferSource(broken));
    expect(fallback.meta.txid).to.not.equal(bolt.meta.txid);
  });

  it('computes CRC-32C and FNV-1a 64 as Go does, and reads a KeyValue key', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    expect(crc32c(Buffer.from('6789'), crc32c(Buffer.from('12345')))).to.equal(0xe3069283);
    expect(fnv1a64(Buffer.alloc(0))).to.equal(0xcbf29ce484222325n);
    expect(fnv1a64(Buffer.from('a'))).to.equal(0xaf63dc4c8601ec8cn);
    // create_revision (field 2, varint) before key (field 1): order does not matter
    const kv = Buffer.from([0x10, 0x96, 0x01, 0x0a, 0x03, 0x61, 0x62, 0x63, 0x1a, 0x00]);
    expect(keyValueKey(kv).toString()).to.equal('abc');
    expect(() => keyValueKey(Buffer.from([0x10, 0x01]))).to.throw(/without its key/);
    expect(() => keyValueKey(Buffer.from([0x0a, 0x09, 0x61]))).to.throw(/past its end/);
  });

  it('refuses a bbolt file that is not an etcd database', () => {
    const bolt = new BoltReader(bufferSource(DB));
    const keyBucket = [...bolt.root()].find((b) => b.key.toString() === 'key')!;
    const renamed = rehashed((db) => db.write('kez', keyBucket.key.byteOffset - DB.byteOffset));
    expect(() => snapshotDbStatus(renamed.subarray(0, renamed.length - 32))).to.throw(/no "key" bucket: not an etcd snapshot/);
  });
});
