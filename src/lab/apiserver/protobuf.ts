/**
 * The one protobuf body the simulator must read: kubectl (1.30 and later) sends `DeleteOptions` as
 * `application/vnd.kubernetes.protobuf` when `kubectl drain --disable-eviction` deletes pods, and the real
 * server honours it. The wire format is the Kubernetes envelope — the magic `k8s\0`, then a runtime.Unknown
 * {typeMeta: {apiVersion, kind}, raw} — around the DeleteOptions message of k8s.io/apimachinery's
 * generated.proto. Any other protobuf body stays unsupported (undefined).
 */
import type { Json } from './types.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { number: number; varint?: bigint; bytes?: Buffer };

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new Error('truncated varint');
}

/** The fields of one message; only varint and length-delimited wire types occur in these messages. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    const number = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (wire === 0) {
      const v = readVarint(buf, tag.next);
      out.push({ number, varint: v.value });
      at = v.next;
    } else if (wire === 2) {
      const len = readVarint(buf, tag.next);
      const end = len.next + Number(len.value);
      if (end > buf.length) throw new Error('truncated field');
      out.push({ number, bytes: buf.subarray(len.next, end) });
      at = end;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return out;
}

const text = (f: Field | undefined) => f?.bytes?.toString('utf8');

/** The envelope's typeMeta and payload, or undefined when the body is not a Kubernetes protobuf envelope. */
function unwrap(body: Buffer): { apiVersion?: string; kind?: string; raw: Buffer } | undefined {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const unknown = fields(body.subarray(MAGIC.length));
  const typeMeta = fields(unknown.find((f) => f.number === 1)?.bytes ?? Buffer.alloc(0));
  return {
    apiVersion: text(typeMeta.find((f) => f.number === 1)),
    kind: text(typeMeta.find((f) => f.number === 2)),
    raw: unknown.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0),
  };
}

/** A protobuf DeleteOptions body as its JSON form; undefined for anything else. */
export function decodeProtobufDeleteOptions(body: Buffer): Json {
  const envelope = unwrap(body);
  if (!envelope || envelope.kind !== 'DeleteOptions') return undefined;
  const options: Json = { kind: 'DeleteOptions', apiVersion: envelope.apiVersion ?? 'v1' };
  for (const f of fields(envelope.raw)) {
    if (f.number === 1 && f.varint !== undefined) options.gracePeriodSeconds = Number(BigInt.asIntN(64, f.varint));
    if (f.number === 2 && f.bytes) {
      const pre = fields(f.bytes);
      options.preconditions = {
        ...(text(pre.find((p) => p.number === 1)) !== undefined ? { uid: text(pre.find((p) => p.number === 1)) } : {}),
        ...(text(pre.find((p) => p.number === 2)) !== undefined ? { resourceVersion: text(pre.find((p) => p.number === 2)) } : {}),
      };
    }
    if (f.number === 3 && f.varint !== undefined) options.orphanDependents = f.varint !== 0n;
    if (f.number === 4) options.propagationPolicy = text(f);
    if (f.number === 5) (options.dryRun ??= []).push(text(f));
  }
  return options;
}
