/**
 * Decoding etcd's snapshot stream as its grpc-gateway sends it: a real body of
 * `POST /v3/maintenance/snapshot` from etcd 3.6.16 (test/fixtures/etcd), in pieces of any size, and the ways a
 * stream can be broken.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SnapshotStreamDecoder } from '../../../../src/modules/etcd/gateway-stream.js';
import { checkSnapshot } from '../../../../src/modules/etcd/snapshot-check.js';

const BODY = gunzipSync(readFileSync(join(import.meta.dirname, '../../../fixtures/etcd/gateway-snapshot-stream.ndjson.gz')));

function decode(body: Buffer | string, piece = Infinity) {
  const decoder = new SnapshotStreamDecoder();
  const data = Buffer.from(body);
  for (let at = 0; at < data.length; at += piece) decoder.push(data.subarray(at, Math.min(data.length, at + piece)));
  return decoder.end();
}

const line = (result: Record<string, unknown>) => `${JSON.stringify({ result })}\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const HASH = Buffer.alloc(32, 7).toString('base64');

describe('modules/etcd: the gateway snapshot stream decoder', () => {
  it('decodes a real etcd 3.6 stream into a snapshot that verifies, whatever the piece size', () => {
    const whole = decode(BODY);
    expect(whole.version).to.equal('3.6.0');
    expect(checkSnapshot(whole.file)).to.include({ revision: 306, totalKeys: 300 });
    for (const piece of [3, 1000, 65_536]) expect(decode(BODY, piece).file.equals(whole.file)).to.equal(true);
  });

  it('takes a last line without its newline', () => {
    const body = line({ remaining_bytes: '1', blob: b64('ab') }) + line({ blob: b64('c') }) + JSON.stringify({ result: { blob: HASH } });
    expect(decode(body).file.length).to.equal(3 + 32);
  });

  it('refuses an error sent mid-stream, with etcd\'s message', () => {
    const body = `${line({ remaining_bytes: '10', blob: b64('ab') })}{"error":{"code":14,"message":"etcdserver: leader changed"}}\n`;
    expect(() => decode(body)).to.throw(/ended the snapshot with an error: etcdserver: leader changed \(code 14\)/);
  });

  it('refuses a stream that ends early, lacks its hash, or has more after it', () => {
    expect(() => decode(line({ remaining_bytes: '10', blob: b64('ab') }))).to.throw(/ended after 2 of 12 bytes/);
    expect(() => decode(line({ blob: b64('abc') }))).to.throw(/ended without its SHA-256/);
    expect(() => decode('')).to.throw(/no snapshot data/);
    const extra = line({ blob: b64('abc') }) + line({ blob: HASH }) + line({ blob: b64('x') });
    expect(() => decode(extra)).to.throw(/more after the snapshot's hash/);
    expect(() => decode(line({ blob: b64('abc') }) + line({ blob: b64('short') }))).to.throw(/hash is 5 bytes, not 32/);
  });

  it('refuses inconsistent counts and lines that are not etcd\'s', () => {
    expect(() => decode(line({ remaining_bytes: '10', blob: b64('ab') }) + line({ remaining_bytes: '3', blob: b64('cd') }))).to.throw(/inconsistent/);
    expect(() => decode('<html>\n')).to.throw(/not JSON/);
    expect(() => decode('{"other":1}\n')).to.throw(/without a result/);
    expect(() => decode(line({ remaining_bytes: '-1', blob: '' }))).to.throw(/remaining_bytes/);
    expect(() => decode(line({ blob: 'not base64!' }))).to.throw(/not base64/);
  });
});
