/**
 * The etcd task modules and their argument specs for the playbook loader, merged into the engine's
 * registries by `cli/commands/play.ts`; `latestVerifiedSnapshot` is for the upgrade's pre-flight check.
 */
import type { ModuleSpec } from '../../playbook/modules.js';
import type { TaskModule } from '../types.js';
import { etcdSnapshotModule, etcdSnapshotSpec } from './snapshot.js';

export { latestVerifiedSnapshot, type VerifiedSnapshot } from './latest.js';
export { ETCD_SNAPSHOT_DEFAULTS } from './snapshot.js';
export type { SnapshotSidecar } from './status.js';

const MODULES: ReadonlyArray<readonly [TaskModule, ModuleSpec]> = [[etcdSnapshotModule, etcdSnapshotSpec]];

export function etcdTaskModules(): Map<string, TaskModule> {
  return new Map(MODULES.map(([module]) => [module.name, module]));
}

export function etcdModuleSpecs(): ModuleSpec[] {
  return MODULES.map(([, spec]) => spec);
}
