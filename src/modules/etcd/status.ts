/**
 * What a snapshot's status is (the figures `etcdutl snapshot status -w json` prints:
 * `{"hash":3928263741,"revision":1203,"totalKey":514,"totalSize":2101248,"version":"3.6.0"}`, computed by
 * snapshot-check.ts on the controller), the checks it must pass before drydock keeps it, and the sidecar
 * recorded beside it. Pure.
 */

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKeys: number;
  size: number;
  /** Storage version, printed by etcdutl and etcdctl 3.5+. */
  version?: string;
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
  /** The database size etcd's status reports (the file without etcd's appended hash). */
  db_size: number;
  /** The storage version recorded in the snapshot. */
  version?: string;
  /** The etcd server's version and member id the snapshot came from. */
  etcd_version?: string;
  member_id?: string;
  /**
   * Who checked it: `drydock` on the controller (hash and bbolt status); older snapshots name the etcd tool
   * that checked them on the host.
   */
  verified_with: 'drydock' | 'etcdutl' | 'etcdctl';
  /** The control plane's PKI folder archived beside the snapshot (`<base>.pki.tar.gz`) and its SHA-256. */
  pki_file?: string;
  pki_sha256?: string;
  verified: boolean;
}
