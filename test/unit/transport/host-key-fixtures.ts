/** Host-key blobs and temp dirs for the transport unit tests (no sockets). */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A wire-format public key blob of the given type with filler bytes: distinct `seed` → distinct key. */
export function fakeKeyBlob(type: string, seed: number): Buffer {
  return Buffer.concat([sshString(type), sshString(Buffer.alloc(32, seed))]);
}

/** A real ed25519 public key in SSH wire format. */
export function realEd25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

export function knownHostsLine(hosts: string, blob: Buffer, type = 'ssh-ed25519'): string {
  return `${hosts} ${type} ${blob.toString('base64')}`;
}

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `drydock-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
