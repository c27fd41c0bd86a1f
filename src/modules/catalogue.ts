/**
 * The module catalogue: every task module drydock has, listed once. The playbook loader's registry (argument
 * specs, checked before any host is contacted) and the engine's module map (code, run per host) are both built
 * from this list, so a module cannot be known to one and missing from the other.
 *
 * Adding a module: write `src/modules/<name>.ts` exporting `defineModule(spec, { supportsCheck, run })`, then add
 * it to TASK_MODULES below.
 */
import { INCLUDE_SPECS } from '../playbook/include-specs.js';
import { META_SPEC, ModuleRegistry } from '../playbook/modules.js';
import { aptModule } from './apt.js';
import { certsExpiry } from './certs/certs-expiry.js';
import { kubeStaticPodRestart } from './certs/static-pod-restart.js';
import { commandModule, shellModule } from './command.js';
import { asyncStatusModule } from './async-status.js';
import { addHostModule, groupByModule } from './inventory-changes.js';
import { assertModule, debugModule, failModule, pauseModule, setFactModule } from './controller.js';
import { copyModule } from './copy.js';
import { dpkgSelectionsModule } from './dpkg-selections.js';
import { etcdSnapshotModule } from './etcd/snapshot.js';
import { fetchModule } from './fetch.js';
import { fileModule } from './file.js';
import { includeVarsModule } from './include-vars.js';
import { kubeBlockingPods } from './kube/blocking-pods.js';
import { kubeadmModule } from './kubeadm.js';
import { kubeCordon } from './kube/cordon.js';
import { kubeDrain } from './kube/drain.js';
import { kubeHeartbeat } from './kube/heartbeat.js';
import { skewCheck } from './kube/skew-check.js';
import { kubeUncordon } from './kube/uncordon.js';
import { kubeVersions } from './kube/versions.js';
import { kubeWaitReady } from './kube/wait-ready.js';
import { lineinfileModule } from './lineinfile.js';
import { rebootModule } from './reboot.js';
import { serviceModule, systemdModule } from './systemd.js';
import type { ModuleDefinition, TaskModule } from './types.js';
import { templateModule } from './template.js';
import { statModule } from './stat.js';
import { pingModule } from './ping.js';
import { slurpModule } from './slurp.js';
import { blockinfileModule } from './blockinfile.js';
import { findModule } from './find.js';
import { packageModule } from './package.js';
import { sysctlModule } from './sysctl.js';
import { getUrlModule } from './get-url.js';
import { uriModule } from './uri.js';
import { unarchiveModule } from './unarchive.js';
import { userModule } from './user.js';
import { groupModule } from './group.js';
import { modprobeModule } from './modprobe.js';
import { waitForModule } from './wait-for.js';

export const TASK_MODULES: readonly ModuleDefinition[] = [
  commandModule,
  shellModule,
  asyncStatusModule,
  addHostModule,
  groupByModule,
  aptModule,
  dpkgSelectionsModule,
  serviceModule,
  systemdModule,
  copyModule,
  templateModule,
  fetchModule,
  fileModule,
  lineinfileModule,
  waitForModule,
  rebootModule,
  assertModule,
  failModule,
  debugModule,
  setFactModule,
  includeVarsModule,
  pauseModule,
  kubeCordon,
  kubeUncordon,
  kubeDrain,
  kubeWaitReady,
  kubeHeartbeat,
  kubeVersions,
  skewCheck,
  kubeBlockingPods,
  etcdSnapshotModule,
  kubeadmModule,
  certsExpiry,
  kubeStaticPodRestart,
  statModule,
  pingModule,
  slurpModule,
  blockinfileModule,
  findModule,
  packageModule,
  sysctlModule,
  getUrlModule,
  uriModule,
  unarchiveModule,
  userModule,
  groupModule,
  modprobeModule,
];

/** Modules that change what the cluster schedules: a run using them must be the only maintenance (cluster lock). */
export const CLUSTER_CHANGING_MODULES: ReadonlySet<string> = new Set(['kube_cordon', 'kube_drain', 'kube_uncordon']);

/** The loader's registry: every module's argument spec, plus `meta`, which the engine carries out itself. */
export function moduleRegistry(modules: readonly ModuleDefinition[] = TASK_MODULES): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const module of modules) registry.register(module.spec);
  for (const spec of INCLUDE_SPECS) registry.register(spec);
  return registry.register(META_SPEC);
}

/** The engine's map from canonical name to module. */
export function taskModules(modules: readonly ModuleDefinition[] = TASK_MODULES): Map<string, TaskModule> {
  return new Map(modules.map((module) => [module.name, module]));
}
