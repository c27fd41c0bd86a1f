/**
 * The Kubernetes task modules (controller-only, through `ctx.kube()`), and their argument specs for the
 * playbook loader. The lead merges both into the engine's registries.
 */
import type { ModuleSpec } from '../../playbook/modules.js';
import type { TaskModule } from '../types.js';
import { kubeBlockingPods, kubeBlockingPodsSpec } from './blocking-pods.js';
import { kubeCordon, kubeCordonSpec } from './cordon.js';
import { kubeDrain, kubeDrainSpec } from './drain.js';
import { skewCheck, skewCheckSpec } from './skew-check.js';
import { kubeUncordon, kubeUncordonSpec } from './uncordon.js';
import { kubeVersions, kubeVersionsSpec } from './versions.js';
import { kubeWaitReady, kubeWaitReadySpec } from './wait-ready.js';

export { CORDONS_FACT, CORDONED_BY_DRYDOCK_FACT, WAS_CORDONED_FACT, type CordonRecord } from './common.js';
export { DEFAULT_DRAIN_TIMEOUT_SECONDS } from './drain.js';
export { LEFT_CORDONED_BEFORE_RUN } from './uncordon.js';

const MODULES: ReadonlyArray<readonly [TaskModule, ModuleSpec]> = [
  [kubeCordon, kubeCordonSpec],
  [kubeUncordon, kubeUncordonSpec],
  [kubeDrain, kubeDrainSpec],
  [kubeWaitReady, kubeWaitReadySpec],
  [kubeVersions, kubeVersionsSpec],
  [skewCheck, skewCheckSpec],
  [kubeBlockingPods, kubeBlockingPodsSpec],
];

export function kubeTaskModules(): Map<string, TaskModule> {
  return new Map(MODULES.map(([module]) => [module.name, module]));
}

export function kubeModuleSpecs(): ModuleSpec[] {
  return MODULES.map(([, spec]) => spec);
}
