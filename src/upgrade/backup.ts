/**
 * The backup rule of an upgrade: it starts only with a verified etcd snapshot on the controller, either
 * taken at the start of this run (playbooks/etcd-backup.yaml runs first; if it fails, the run ends before any
 * package changes) or, with --backup-max-age, one already there and young enough. Decided on the controller
 * before any host is contacted.
 */
import type { VerifiedSnapshot } from '../modules/etcd/index.js';
import { formatDuration } from './flags.js';

/** Where etcd-backup.yaml keeps snapshots for this inventory, rendered from its task's arguments. */
export interface BackupSettings {
  /** The etcd host the snapshot is taken on (the backup play's first host, --limit not applied). */
  host?: string;
  dir: string;
  cluster: string;
}

export type BackupStep =
  | { kind: 'fresh'; host: string; dir: string; cluster: string }
  | { kind: 'recent'; path: string; host: string; takenAt: string; ageMs: number; maxAgeMs: number; dir: string; cluster: string }
  | { kind: 'missing'; dir: string; cluster: string; maxAgeMs: number }
  | { kind: 'no-host'; message: string };

export type SnapshotFinder = (dir: string, cluster: string, now: number, maxAgeMs: number) => Promise<VerifiedSnapshot | null>;

export interface BackupDecisionInput {
  maxAgeMs?: number;
  settings: BackupSettings;
  /** Hosts of the backup play with --limit applied (fresh backups only). */
  limitedHosts: readonly string[];
  limit?: string;
  now: number;
}

export async function decideBackup(input: BackupDecisionInput, find: SnapshotFinder): Promise<BackupStep> {
  const { settings } = input;
  if (input.maxAgeMs !== undefined) {
    const found = await find(settings.dir, settings.cluster, input.now, input.maxAgeMs);
    if (!found) return { kind: 'missing', dir: settings.dir, cluster: settings.cluster, maxAgeMs: input.maxAgeMs };
    return {
      kind: 'recent',
      path: found.path,
      host: found.host,
      takenAt: found.takenAt.toISOString(),
      ageMs: Math.max(0, input.now - found.takenAt.getTime()),
      maxAgeMs: input.maxAgeMs,
      dir: settings.dir,
      cluster: settings.cluster,
    };
  }
  if (!settings.host) {
    return { kind: 'no-host', message: 'the inventory has no etcd, control_plane or kube_control_plane host to take the etcd backup on' };
  }
  const [host] = input.limitedHosts;
  if (!host) {
    return {
      kind: 'no-host',
      message: `--limit ${input.limit ?? ''} leaves out ${settings.host}, where the etcd backup is taken; add it to --limit, or take a backup first (drydock play playbooks/etcd-backup.yaml) and pass --backup-max-age`,
    };
  }
  return { kind: 'fresh', host, dir: settings.dir, cluster: settings.cluster };
}

/** The refusal a backup step means, or undefined when the upgrade may start. */
export function backupRefusal(step: BackupStep): string | undefined {
  if (step.kind === 'no-host') return `no etcd backup possible: ${step.message}`;
  if (step.kind === 'missing') {
    return `no verified etcd snapshot of cluster "${step.cluster}" younger than ${formatDuration(step.maxAgeMs)} in ${step.dir}: ` +
      'take one (drydock play playbooks/etcd-backup.yaml), or leave out --backup-max-age to take it at the start of this run';
  }
  return undefined;
}

/** One line for the plan. */
export function describeBackup(step: BackupStep, check: boolean): string {
  switch (step.kind) {
    case 'fresh':
      return check
        ? `etcd backup on ${step.host} (check mode: reports what it would do, takes no snapshot)`
        : `etcd backup on ${step.host}: a verified snapshot copied to ${step.dir} (playbooks/etcd-backup.yaml); if it fails, the run ends before any package changes`;
    case 'recent':
      return `etcd backup: the verified snapshot from ${step.takenAt.replace(/\.\d{3}Z$/, 'Z')} (${formatDuration(step.ageMs)} old, ${step.path}) satisfies --backup-max-age ${formatDuration(step.maxAgeMs)}; no new snapshot is taken`;
    case 'missing':
    case 'no-host':
      return `etcd backup: REFUSED: ${backupRefusal(step)}`;
  }
}
