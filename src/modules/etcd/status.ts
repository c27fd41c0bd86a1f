/**
 * `snapshot status -w json`, as etcdutl (3.5+) and etcdctl (3.4/3.5; removed in 3.6) print it:
 * `{"hash":3928263741,"revision":1203,"totalKey":514,"totalSize":2101248[,"version":"3.5.0"]}`.
 * Pure parsing and the checks a snapshot must pass before drydock keeps it.
 */

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKeys: number;
  size: number;
  /** Storage version, printed by etcdutl and etcdctl 3.5+. */
  version?: string;
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The status object in a tool's stdout. etcdctl 3.5 may print a deprecation notice around it, so the JSON
 * line is searched for rather than assumed to be the whole output. Throws with the reason when absent.
 */
export function parseSnapshotStatus(stdout: string): SnapshotStatus {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('{') && l.endsWith('}'));
  if (!line) throw new Error(`no JSON status in the output: ${JSON.stringify(stdout.slice(0, 200))}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the status is not valid JSON: ${line.slice(0, 200)}`);
  }
  const hash = wholeNumber(raw.hash);
  const revision = wholeNumber(raw.revision);
  const totalKeys = wholeNumber(raw.totalKey);
  const size = wholeNumber(raw.totalSize);
  const missing = Object.entries({ hash, revision, totalKey: totalKeys, totalSize: size })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new Error(`the status lacks ${missing.join(', ')}: ${line.slice(0, 200)}`);
  const status: SnapshotStatus = { hash: hash!, revision: revision!, totalKeys: totalKeys!, size: size! };
  if (typeof raw.version === 'string' && raw.version !== '') status.version = raw.version;
  return status;
}

/**
 * Why this status does not describe a usable snapshot, or undefined. An empty keyspace or revision 0 means
 * the snapshot came from a member with no data (wrong endpoint, a fresh member): useless for a restore.
 */
export function statusProblem(status: SnapshotStatus): string | undefined {
  const problems: string[] = [];
  if (status.revision <= 0) problems.push(`revision is ${status.revision}`);
  if (status.totalKeys <= 0) problems.push(`it holds ${status.totalKeys} keys`);
  if (status.size <= 0) problems.push(`its size is ${status.size}`);
  return problems.length > 0 ? problems.join(', ') : undefined;
}

/** What the `.json` sidecar on the controller records; `verified: true` only after every check passed. */
export interface SnapshotSidecar {
  cluster: string;
  host: string;
  file: string;
  taken_at: string;
  sha256: string;
  hash: number;
  revision: number;
  total_keys: number;
  /** Bytes of the snapshot file. */
  size: number;
  /** The database size etcd's status reports (the file without etcdctl's appended hash). */
  db_size: number;
  version?: string;
  verified_with: 'etcdutl' | 'etcdctl';
  verified: boolean;
}
