/**
 * The Kubernetes lines of `lab status`: where the admin kubeconfig is and what the cluster is made of.
 */
import { resolve } from 'node:path';
import { DEFAULT_STATE_DIR, labIdFor, labPaths } from '../layout.js';
import { readLabRecord } from '../state.js';

export interface KubeStatus {
  /** Admin kubeconfig for the controller; null when the lab has no cluster yet. */
  kubeconfig: string | null;
  kubernetes: { startVersion: string; apiServer: string; aptRepository: string; certDays: number } | null;
}

export function kubeStatus(stateDirOption: string | undefined): KubeStatus {
  const stateDir = resolve(stateDirOption ?? DEFAULT_STATE_DIR);
  const kube = readLabRecord(labPaths(stateDir, labIdFor(stateDir)).labJson)?.kube;
  if (!kube) return { kubeconfig: null, kubernetes: null };
  return {
    kubeconfig: kube.kubeconfig,
    kubernetes: { startVersion: kube.version, apiServer: kube.apiServerUrl, aptRepository: kube.repoUrl, certDays: kube.certDays },
  };
}
