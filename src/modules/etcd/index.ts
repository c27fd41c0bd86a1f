/** What the rest of drydock reads from the etcd module: `latestVerifiedSnapshot` for the upgrade's pre-flight check. */
export { latestVerifiedSnapshot, type VerifiedSnapshot } from './latest.js';
export { ETCD_SNAPSHOT_DEFAULTS } from './snapshot.js';
export type { SnapshotSidecar } from './status.js';
