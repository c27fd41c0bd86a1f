/**
 * Snapshot file names, `<cluster>-<host>-<YYYYMMDDTHHMMSSZ>.db` (with `.db.sha256`, `.db.json` and
 * `.pki.tar.gz` beside it), and which ones retention removes. Pure.
 */

export const SNAPSHOT_SUFFIX = '.db';
export const SHA256_SUFFIX = '.db.sha256';
export const STATUS_SUFFIX = '.db.json';
/** The control plane's PKI folder, archived beside each snapshot. */
export const PKI_SUFFIX = '.pki.tar.gz';

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** Characters allowed in the cluster and host parts: they become file names on both sides, unquoted in globs. */
const SAFE_PART = /^[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*$/;

/** `20260125T031500Z` for the UTC instant `ms`. */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function parseUtcStamp(stamp: string): number | undefined {
  const m = STAMP.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return utcStamp(ms) === stamp ? ms : undefined;
}

/** Why a cluster or host name cannot be part of a snapshot's file name, or undefined when it can. */
export function namePartProblem(what: 'cluster_name' | 'host', value: string): string | undefined {
  if (SAFE_PART.test(value)) return undefined;
  return `${what} "${value}" cannot name a snapshot file: use letters, digits, '.', '_' and single '-' between them`;
}

export function snapshotFileName(cluster: string, host: string, takenAtMs: number): string {
  return `${cluster}-${host}-${utcStamp(takenAtMs)}${SNAPSHOT_SUFFIX}`;
}

export interface ParsedSnapshotName {
  name: string;
  host: string;
  takenAtMs: number;
}

/**
 * Reads a snapshot file name of `cluster` (any host); undefined for anything else, including the
 * `.sha256`/`.json` sidecars, the `.pki.tar.gz` archives and etcdctl's `.part` leftovers.
 */
export function parseSnapshotName(name: string, cluster: string): ParsedSnapshotName | undefined {
  const prefix = `${cluster}-`;
  if (!name.startsWith(prefix) || !name.endsWith(SNAPSHOT_SUFFIX)) return undefined;
  const middle = name.slice(prefix.length, -SNAPSHOT_SUFFIX.length);
  const dash = middle.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const host = middle.slice(0, dash);
  const takenAtMs = parseUtcStamp(middle.slice(dash + 1));
  if (takenAtMs === undefined || !SAFE_PART.test(host)) return undefined;
  return { name, host, takenAtMs };
}

/**
 * The snapshot files of this cluster and host that fall outside the newest `retention`, oldest first.
 * Other files in the folder (other clusters, other hosts, sidecars, anything else) are never selected.
 * A retention below 1 would delete the snapshot just taken: callers reject it before getting here.
 */
export function snapshotsToPrune(names: readonly string[], cluster: string, host: string, retention: number): string[] {
  if (!Number.isInteger(retention) || retention < 1) throw new Error(`retention must be a whole number of at least 1 (got ${retention})`);
  const ours = names
    .map((n) => parseSnapshotName(n, cluster))
    .filter((p): p is ParsedSnapshotName => p !== undefined && p.host === host)
    .sort((a, b) => b.takenAtMs - a.takenAtMs || (a.name < b.name ? 1 : -1));
  return ours
    .slice(retention)
    .reverse()
    .map((p) => p.name);
}
