/**
 * The body of etcd's `POST /v3/maintenance/snapshot` through its grpc-gateway (etcd 3.4+, HTTP/1.1 on the
 * client port): newline-delimited JSON, one object per gRPC message,
 *   {"result":{"remaining_bytes":"86016","blob":"<base64>","version":"3.6.0"}}
 * (protojson: uint64 as a string, bytes as base64, zero fields left out), then, after the message whose
 * remaining_bytes is 0, one more message whose blob is the SHA-256 of everything before it
 * (etcdserver/api/v3rpc/maintenance.go, Snapshot). A failure mid-stream arrives as {"error":{"code","message"}}.
 *
 * The decoder returns the bytes etcdctl would have saved: the database followed by its SHA-256. Pure.
 */

export class SnapshotStreamError extends Error {
  override name = 'SnapshotStreamError';
}

interface Message {
  remaining: bigint;
  blob: Buffer;
  version?: string;
}

function parseLine(line: string): Message {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new SnapshotStreamError(`etcd sent a line that is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
  }
  const object = raw as { result?: Record<string, unknown>; error?: { code?: unknown; message?: unknown } };
  if (object?.error) throw new SnapshotStreamError(`etcd ended the snapshot with an error: ${String(object.error.message ?? 'no message')} (code ${String(object.error.code ?? '?')})`);
  const result = object?.result;
  if (!result || typeof result !== 'object') throw new SnapshotStreamError(`etcd sent a line without a result: ${JSON.stringify(line.slice(0, 120))}`);
  const remainingText = result.remaining_bytes ?? result.remainingBytes ?? '0';
  if ((typeof remainingText !== 'string' && typeof remainingText !== 'number') || !/^\d+$/.test(String(remainingText))) {
    throw new SnapshotStreamError(`etcd sent remaining_bytes ${JSON.stringify(remainingText)}`);
  }
  const blobText = result.blob ?? '';
  if (typeof blobText !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(blobText)) throw new SnapshotStreamError('etcd sent a blob that is not base64');
  const message: Message = { remaining: BigInt(remainingText), blob: Buffer.from(blobText, 'base64') };
  if (typeof result.version === 'string' && result.version !== '') message.version = result.version;
  return message;
}

export interface DecodedSnapshot {
  /** The database followed by its 32-byte SHA-256, as `etcdctl snapshot save` writes it. */
  file: Buffer;
  /** The storage version etcd reported with the stream, when it did. */
  version?: string;
}

export class SnapshotStreamDecoder {
  private pending = '';
  private readonly parts: Buffer[] = [];
  private total: bigint | undefined;
  private received = 0n;
  private hash: Buffer | undefined;
  private version: string | undefined;

  /** Feeds the next piece of the HTTP body. Throws SnapshotStreamError on an error message or a broken stream. */
  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    // Only the new text can hold the next newline: a line arriving in many small pieces is not rescanned.
    const searchFrom = this.pending.length;
    this.pending += text;
    let newline = this.pending.indexOf('\n', searchFrom);
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line !== '') this.accept(parseLine(line));
      newline = this.pending.indexOf('\n');
    }
  }

  private accept(message: Message): void {
    if (this.hash) throw new SnapshotStreamError('etcd sent more after the snapshot\'s hash');
    this.version ??= message.version;
    if (this.total === undefined) {
      this.total = message.remaining + BigInt(message.blob.length);
    } else if (this.received === this.total) {
      // Everything was sent: this message is the hash.
      if (message.blob.length !== 32) throw new SnapshotStreamError(`the snapshot's hash is ${message.blob.length} bytes, not 32`);
      this.hash = message.blob;
      this.parts.push(message.blob);
      return;
    }
    this.received += BigInt(message.blob.length);
    if (this.received + message.remaining !== this.total) {
      throw new SnapshotStreamError(`the snapshot stream is inconsistent: ${this.received} bytes received and ${message.remaining} announced as remaining, but ${this.total} in all`);
    }
    this.parts.push(message.blob);
  }

  /** The whole snapshot once the body ended; throws when it ended early. */
  end(): DecodedSnapshot {
    if (this.pending.trim() !== '') this.accept(parseLine(this.pending.trim()));
    this.pending = '';
    if (this.total === undefined) throw new SnapshotStreamError('etcd sent no snapshot data');
    if (!this.hash) {
      throw new SnapshotStreamError(this.received < this.total
        ? `the snapshot stream ended after ${this.received} of ${this.total} bytes`
        : 'the snapshot stream ended without its SHA-256');
    }
    return { file: Buffer.concat(this.parts), ...(this.version !== undefined ? { version: this.version } : {}) };
  }
}
