/**
 * Each host's part of the plan, pure: what is installed, which package version the target resolves to in
 * the repository the upgrade will switch to, and whether the host has anything left to do — by the same
 * rules the playbooks use to skip a host (kubelet package and the node's reported kubelet at the target;
 * for a control plane, also its API server).
 */
import type { VersionSurvey } from '../kube/versions.js';
import { parseKubeVersion, type KubeVersion } from '../policy/kube-version.js';
import { resolvePackageVersion } from '../policy/package-versions.js';
import { KUBE_PACKAGES, type HostFacts, type KubePackage } from './host-facts.js';

export type HostRole = 'control plane' | 'worker';

export interface HostInput {
  host: string;
  /** The Kubernetes node name (node_name, kube_override_hostname, else the inventory name). */
  node: string;
  role: HostRole;
  facts?: HostFacts;
  error?: { unreachable: boolean; message: string };
}

export interface PackagePlan {
  name: KubePackage;
  /** null: not installed. */
  installed: string | null;
  held: boolean;
  /** The package version the upgrade installs; null when the repository does not offer the target. */
  target: string | null;
}

export type HostState = 'upgrade' | 'at target' | 'unreachable' | 'failed' | 'blocked';

export interface HostPlan {
  host: string;
  node: string;
  role: HostRole;
  state: HostState;
  packages: PackagePlan[];
  /** The repository line's minor now (`1.28`) and the one the upgrade switches it to. */
  repoMinor: string | null;
  targetRepoMinor: string;
  /** The node as the API reports it; null when no node of that name is registered. */
  nodeStatus: { ready: boolean; kubelet: string; unschedulable: boolean } | null;
  /** The version of this control plane's kube-apiserver (static pod), when it runs one. */
  apiserver: string | null;
  /** Why the host blocks the upgrade, or why it could not be read. */
  problems: string[];
  /** Worth knowing, not blocking (packages not held). */
  notes: string[];
}

const minorOf = (v: KubeVersion): string => `${v.major}.${v.minor}`;

export function planHost(input: HostInput, target: string, cluster: VersionSurvey): HostPlan {
  const goal = parseKubeVersion(target);
  const node = cluster.nodes.find((n) => n.name === input.node);
  const apiserver = cluster.snapshot.apiservers.find((a) => a.node === input.node)?.version ?? null;
  const plan: HostPlan = {
    host: input.host,
    node: input.node,
    role: input.role,
    state: 'upgrade',
    packages: [],
    repoMinor: null,
    targetRepoMinor: minorOf(goal),
    nodeStatus: node ? { ready: node.ready, kubelet: node.kubeletVersion, unschedulable: node.unschedulable } : null,
    apiserver,
    problems: [],
    notes: [],
  };
  if (input.error || !input.facts) {
    plan.state = input.error?.unreachable ? 'unreachable' : 'failed';
    plan.problems.push(input.error?.message ?? 'no facts were read');
    return plan;
  }
  const { facts } = input;
  plan.repoMinor = facts.repo.minor ?? null;
  if (facts.repo.problem) plan.problems.push(facts.repo.problem);

  let packageVersion: string | null = null;
  const offer = facts.offers.find((o) => o.minor === plan.targetRepoMinor);
  if (!facts.repo.problem) {
    if (!offer) plan.problems.push(`the v${plan.targetRepoMinor} repository was not looked at`);
    else if (offer.error) plan.problems.push(`the v${plan.targetRepoMinor} repository could not be read: ${offer.error}`);
    else {
      try {
        packageVersion = resolvePackageVersion(target, offer.versions.kubeadm);
      } catch (err) {
        plan.problems.push(`the v${plan.targetRepoMinor} repository: ${(err as Error).message}`);
      }
      for (const other of ['kubelet', 'kubectl'] as const) {
        if (packageVersion && !offer.versions[other].includes(packageVersion)) {
          plan.problems.push(`the v${plan.targetRepoMinor} repository offers kubeadm ${packageVersion} but not ${other} ${packageVersion}`);
        }
      }
    }
  }
  for (const name of KUBE_PACKAGES) {
    const installed = facts.installed[name];
    plan.packages.push({ name, installed: installed?.version ?? null, held: installed?.held ?? false, target: packageVersion });
    if (installed && !installed.held) plan.notes.push(`${name} is not held (apt-mark hold); the upgrade holds it`);
  }
  if (plan.problems.length > 0) {
    plan.state = 'blocked';
    return plan;
  }
  plan.state = atTarget(plan, packageVersion!, target) ? 'at target' : 'upgrade';
  return plan;
}

/** The playbooks' skip rule: kubelet package and reported kubelet at the target; a control plane's API server too. */
function atTarget(plan: HostPlan, packageVersion: string, target: string): boolean {
  const kubelet = plan.packages.find((p) => p.name === 'kubelet');
  const kubeletDone = kubelet?.installed === packageVersion && plan.nodeStatus?.kubelet === `v${target}`;
  if (plan.role === 'worker') return kubeletDone;
  return kubeletDone && plan.apiserver === `v${target}`;
}
