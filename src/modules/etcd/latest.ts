/**
 * The controller-side answer to "is there a recent snapshot we could restore from?", asked by the upgrade
 * before it touches anything. A snapshot counts only when its file still hashes to its `.sha256`, its
 * `.json` sidecar says verified and names this cluster, the PKI archive it names (`.pki.tar.gz`) still hashes
 * to the recorded SHA-256, and it is younger than the allowed age.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSnapshotName, PKI_SUFFIX, SHA256_SUFFIX, SNAPSHOT_SUFFIX, STATUS_SUFFIX } from './naming.js';
import type { SnapshotSidecar } from './status.js';

export interface VerifiedSnapshot {
  path: string;
  host: string;
  takenAt: Date;
  sha256: string;
  status: SnapshotSidecar;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `sha256sum` format (`<hex>  <name>`) or the bare hex. */
export function parseSha256File(text: string): string | undefined {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase();
  return first && /^[0-9a-f]{64}$/.test(first) ? first : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function verifiedAt(dir: string, name: string, cluster: string): Promise<Omit<VerifiedSnapshot, 'host' | 'takenAt'> | undefined> {
  const path = join(dir, name);
  const base = name.slice(0, -SNAPSHOT_SUFFIX.length);
  const recorded = parseSha256File((await readText(join(dir, `${base}${SHA256_SUFFIX}`))) ?? '');
  if (!recorded) return undefined;
  let status: SnapshotSidecar;
  try {
    status = JSON.parse((await readText(join(dir, `${base}${STATUS_SUFFIX}`))) ?? '') as SnapshotSidecar;
  } catch {
    return undefined;
  }
  if (status?.verified !== true || status.cluster !== cluster || status.sha256 !== recorded) return undefined;
  const actual = await fileSha256(path).catch(() => undefined);
  if (actual !== recorded) return undefined;
  // The PKI archive a snapshot names is part of it: a restore needs the CA.
  if (status.pki_file !== undefined) {
    if (status.pki_file !== `${base}${PKI_SUFFIX}` || !status.pki_sha256) return undefined;
    if ((await fileSha256(join(dir, status.pki_file)).catch(() => undefined)) !== status.pki_sha256) return undefined;
  }
  return { path, sha256: actual, status };
}

/**
 * The newest verified snapshot of `cluster` in `dir` taken no longer than `maxAgeMs` before `now`, or null.
 * Newest first, so only as many files are hashed as it takes to find a good one.
 */
export async function latestVerifiedSnapshot(dir: string, cluster: string, now: Date | number, maxAgeMs: number): Promise<VerifiedSnapshot | null> {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const names = await readdir(dir).catch(() => [] as string[]);
  const candidates = names
    .map((n) => parseSnapshotName(n, cluster))
    .filter((p) => p !== undefined)
    .filter((p) => nowMs - p.takenAtMs <= maxAgeMs && p.takenAtMs <= nowMs + 60_000)
    .sort((a, b) => b.takenAtMs - a.takenAtMs);
  for (const candidate of candidates) {
    const found = await verifiedAt(dir, candidate.name, cluster);
    if (found) return { ...found, host: candidate.host, takenAt: new Date(candidate.takenAtMs) };
  }
  return null;
}
