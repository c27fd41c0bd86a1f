import { expect } from 'chai';
import { decodeProtobufDeleteOptions } from '../../../../src/lab/apiserver/protobuf.js';

/** Protobuf by hand: a length-delimited field, a varint field. */
const bytesField = (n: number, value: Buffer | string) => {
  const b = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
};
const varintField = (n: number, value: number) => Buffer.from([n << 3, value]);

function envelope(kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([bytesField(1, 'v1'), bytesField(2, kind)]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(1, typeMeta), bytesField(2, raw), bytesField(4, 'application/vnd.kubernetes.protobuf')]);
}

describe('lab apiserver: protobuf DeleteOptions (kubectl drain --disable-eviction)', () => {
  it('decodes grace period, preconditions, propagation policy and dry run', () => {
    const preconditions = Buffer.concat([bytesField(1, 'uid-1'), bytesField(2, '42')]);
    const raw = Buffer.concat([varintField(1, 30), bytesField(2, preconditions), bytesField(4, 'Orphan'), bytesField(5, 'All')]);
    expect(decodeProtobufDeleteOptions(envelope('DeleteOptions', raw))).to.deep.equal({
      kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 30, preconditions: { uid: 'uid-1', resourceVersion: '42' }, propagationPolicy: 'Orphan', dryRun: ['All'],
    });
    expect(decodeProtobufDeleteOptions(envelope('DeleteOptions', Buffer.alloc(0)))).to.deep.equal({ kind: 'DeleteOptions', apiVersion: 'v1' });
  });

  it('leaves any other body undecoded', () => {
    expect(decodeProtobufDeleteOptions(envelope('Namespace', bytesField(1, 'x')))).to.equal(undefined);
    expect(decodeProtobufDeleteOptions(Buffer.from('{"kind":"DeleteOptions"}'))).to.equal(undefined);
    expect(() => decodeProtobufDeleteOptions(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x12, 0x40])]))).to.throw(/truncated/);
  });
});
