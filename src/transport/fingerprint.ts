/**
 * Host-key identities as OpenSSH shows them, so what drydock prints can be compared character for character
 * with `ssh-keygen -lf` or `ssh-keyscan | ssh-keygen -lf -` output taken out of band.
 */
import { createHash } from 'node:crypto';

/** `SHA256:` + unpadded base64 of the SHA-256 of the wire-format key blob, exactly as `ssh-keygen -l` prints. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The key type string at the head of an SSH wire-format public key blob (`ssh-ed25519`, `ssh-rsa`,
 * `ecdsa-sha2-nistp256`...), or undefined when the blob is too short or the name is not printable ASCII.
 */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  const name = blob.subarray(4, 4 + length).toString('latin1');
  return /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

/**
 * The known_hosts key type recorded for a negotiated host-key algorithm: RSA keys signed with SHA-2 are still
 * stored as `ssh-rsa`, so comparing by algorithm name would call a recorded RSA key "changed".
 */
export function storedKeyType(algorithmOrType: string): string {
  return algorithmOrType === 'rsa-sha2-256' || algorithmOrType === 'rsa-sha2-512' ? 'ssh-rsa' : algorithmOrType;
}
