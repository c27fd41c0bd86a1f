/** Builders for the upgrade plan tests: cluster surveys, host facts, stages. */
import type { VersionSurvey } from '../../../src/kube/versions.js';
import type { BackupStep } from '../../../src/upgrade/backup.js';
import type { HostFacts } from '../../../src/upgrade/host-facts.js';
import type { UpgradePlanInput } from '../../../src/upgrade/plan.js';
import type { HostInput } from '../../../src/upgrade/plan-hosts.js';
import type { UpgradeStages } from '../../../src/upgrade/stages.js';

export interface NodeSpec {
  name: string;
  kubelet: string;
  /** Control planes run a kube-apiserver at this version. */
  apiserver?: string;
  ready?: boolean;
}

export function survey(nodes: NodeSpec[]): VersionSurvey {
  const apiservers = nodes.filter((n) => n.apiserver).map((n) => ({ node: n.name, version: n.apiserver! }));
  return {
    apiserverVersion: apiservers[0]?.version ?? 'v0.0.0',
    snapshot: {
      apiservers,
      controllerManagers: apiservers,
      schedulers: apiservers,
      kubelets: nodes.map((n) => ({ node: n.name, version: n.kubelet })),
      kubeProxies: [],
    },
    nodes: nodes.map((n) => ({ name: n.name, kubeletVersion: n.kubelet, ready: n.ready ?? true, unschedulable: false, controlPlane: n.apiserver !== undefined })),
    notes: [],
  };
}

/** The lab's repository: 1.28.14, 1.28.15, 1.29.3, 1.29.4, 1.30.2 as pkgs.k8s.io debs. */
export const LAB_OFFERS: Record<string, string[]> = {
  '1.28': ['1.28.15-1.1', '1.28.14-1.1'],
  '1.29': ['1.29.4-1.1', '1.29.3-1.1'],
  '1.30': ['1.30.2-1.1'],
};

export function facts(installed: string, options: { repoMinor?: string; minors?: string[]; held?: boolean; offers?: Record<string, string[]> } = {}): HostFacts {
  const offers = options.offers ?? LAB_OFFERS;
  const minor = options.repoMinor ?? installed.split('.').slice(0, 2).join('.');
  return {
    installed: {
      kubeadm: { version: installed, held: options.held ?? true },
      kubelet: { version: installed, held: options.held ?? true },
      kubectl: { version: installed, held: options.held ?? true },
    },
    repo: { line: `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] http://10.0.0.1/core:/stable:/v${minor}/deb/ /`, minor },
    offers: (options.minors ?? ['1.29']).map((m) => {
      const list = offers[m] ?? [];
      return { minor: m, versions: { kubeadm: list, kubelet: list, kubectl: list } };
    }),
  };
}

export function stagesFor(controlPlanes: string[], workers: string[], workerBatches?: string[][]): UpgradeStages {
  return {
    preflight: [...controlPlanes, ...workers],
    backup: controlPlanes.slice(0, 1),
    firstControlPlane: controlPlanes.slice(0, 1).map((h) => [h]),
    otherControlPlanes: controlPlanes.slice(1).map((h) => [h]),
    controlPlaneKubelets: controlPlanes.map((h) => [h]),
    workers: workerBatches ?? workers.map((h) => [h]),
    workerSerial: [1, '20%'],
    workerMaxFailPercentage: 0,
  };
}

export const FRESH_BACKUP: BackupStep = { kind: 'fresh', host: 'cp1', dir: './backups/etcd', cluster: 'kubernetes' };

/** The lab's cluster at 1.28.14: cp1, cp2, worker1, worker2, every host read. */
export function labInput(overrides: Partial<UpgradePlanInput> = {}, version = '1.28.14'): UpgradePlanInput {
  const v = `v${version}`;
  const hosts: HostInput[] = [
    { host: 'cp1', node: 'cp1', role: 'control plane', facts: facts(`${version}-1.1`) },
    { host: 'cp2', node: 'cp2', role: 'control plane', facts: facts(`${version}-1.1`) },
    { host: 'worker1', node: 'worker1', role: 'worker', facts: facts(`${version}-1.1`) },
    { host: 'worker2', node: 'worker2', role: 'worker', facts: facts(`${version}-1.1`) },
  ];
  return {
    target: '1.29.4',
    scope: 'cluster',
    check: false,
    cluster: survey([
      { name: 'cp1', kubelet: v, apiserver: v },
      { name: 'cp2', kubelet: v, apiserver: v },
      { name: 'worker1', kubelet: v },
      { name: 'worker2', kubelet: v },
    ]),
    hosts,
    stages: stagesFor(['cp1', 'cp2'], ['worker1', 'worker2']),
    backup: FRESH_BACKUP,
    ramp: { canary: 1, batch: '20%', maxFailPercentage: 0 },
    ...overrides,
  };
}
