/**
 * The certificate task modules: kubeadm_certs_expiry (read and judge a host's kubeadm certificates) and
 * kube_static_pod_restart (restart a control-plane static pod by moving its manifest out and back), with
 * their argument specs for the playbook loader. The lead merges both into the engine's registries.
 */
import type { ModuleSpec } from '../../playbook/modules.js';
import type { TaskModule } from '../types.js';
import { certsExpiry, certsExpirySpec } from './certs-expiry.js';
import { kubeStaticPodRestart, staticPodRestartSpec } from './static-pod-restart.js';

const MODULES: ReadonlyArray<readonly [TaskModule, ModuleSpec]> = [
  [certsExpiry, certsExpirySpec],
  [kubeStaticPodRestart, staticPodRestartSpec],
];

export function certsTaskModules(): Map<string, TaskModule> {
  return new Map(MODULES.map(([module]) => [module.name, module]));
}

export function certsModuleSpecs(): ModuleSpec[] {
  return MODULES.map(([, spec]) => spec);
}
