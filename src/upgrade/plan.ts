/**
 * The upgrade plan, pure: from the cluster's versions, every host's packages and repository, the stages the
 * playbooks will run and the backup decision, the ordered steps (backup, first control plane, the other
 * control planes, each control plane's kubelet, worker batches) and everything that must stop the upgrade
 * before it starts: a skipped minor (naming the hops), a downgrade, a target a repository lacks, the skew
 * policy, a NotReady control plane, an unreachable host, no usable backup.
 */
import type { VersionSurvey } from '../kube/versions.js';
import { formatKubeVersion, formatMinor, parseKubeVersion, tryParseKubeVersion } from '../policy/kube-version.js';
import { checkKubeletUpgrade } from '../policy/skew.js';
import { planVersionHops } from '../policy/upgrade-plan.js';
import { backupRefusal, describeBackup, type BackupStep } from './backup.js';
import { checkDrains, drainRefusals, type DrainInput, type DrainReport } from './drain-blockers.js';
import type { UpgradeScope } from './flags.js';
import { planHost, type HostInput, type HostPlan } from './plan-hosts.js';
import type { UpgradeStages } from './stages.js';

export type StepKind = 'backup' | 'first-control-plane' | 'other-control-planes' | 'control-plane-kubelets' | 'workers';

export interface StepHost {
  host: string;
  node: string;
  /** What happens to this host in this step. */
  action: string;
  nothingToDo: boolean;
}

export interface PlanStep {
  kind: StepKind;
  title: string;
  batches: StepHost[][];
}

export interface WorkerRamp {
  /** As the playbook will render them: the canary and the batch size after it. */
  canary: number | string;
  batch: number | string;
  maxFailPercentage: number;
}

export interface UpgradePlanInput {
  /** Normalised (`1.29.4`). */
  target: string;
  scope: UpgradeScope;
  check: boolean;
  cluster: VersionSurvey;
  /** The run's hosts (the preflight's), with what was read from each. */
  hosts: HostInput[];
  stages: UpgradeStages;
  backup: BackupStep;
  ramp: WorkerRamp;
  /** The cluster's nodes, pods and budgets and each drained host's drain options; without it no drain is checked. */
  drain?: DrainInput;
}

export interface UpgradePlan {
  target: string;
  scope: UpgradeScope;
  check: boolean;
  /** The oldest kube-apiserver's version now, or null when none is known. */
  from: string | null;
  /** The versions the cluster passes through, one minor at a time; [] when the control plane is at the target. */
  hops: string[];
  apiservers: Array<{ node: string; version: string }>;
  hosts: HostPlan[];
  backup: BackupStep;
  steps: PlanStep[];
  /** What would stop each drain and what the force-style options lose; null when not checked. */
  drain: DrainReport | null;
  /** Each one stops `drydock upgrade` before anything changes. */
  refusals: string[];
  unreachable: string[];
  warnings: string[];
  notes: string[];
  /** Every host of the run is at the target already. */
  nothingToDo: boolean;
}

export function buildUpgradePlan(input: UpgradePlanInput): UpgradePlan {
  const target = formatKubeVersion(parseKubeVersion(input.target));
  const { cluster } = input;
  const hosts = input.hosts.map((h) => planHost(h, target, cluster));
  const byHost = new Map(hosts.map((h) => [h.host, h]));
  const refusals: string[] = [];
  const warnings: string[] = [...cluster.notes];
  const notes: string[] = [];

  const unreachable = hosts.filter((h) => h.state === 'unreachable').map((h) => h.host);
  for (const h of hosts) {
    if (h.state === 'unreachable') continue;
    for (const problem of h.problems) refusals.push(`${h.host}: ${problem}`);
    for (const note of h.notes) notes.push(`${h.host}: ${note}`);
  }

  const hopResult = hopsTo(target, input, hosts);
  refusals.push(...hopResult.refusals);
  notes.push(...hopResult.notes);

  const apiserversAtTarget = cluster.snapshot.apiservers.every((a) => a.version === `v${target}`);
  if (input.scope === 'workers' && !apiserversAtTarget) {
    const running = cluster.snapshot.apiservers.map((a) => `${a.node} ${a.version}`).join(', ');
    refusals.push(`--workers-only: the control plane does not run v${target} yet (${running}); upgrade it first: drydock upgrade --to ${target} --control-plane-only`);
  } else if (input.scope === 'workers') {
    for (const worker of input.stages.workers.flat()) {
      const node = byHost.get(worker)?.node ?? worker;
      for (const v of checkKubeletUpgrade(cluster.snapshot, node, target).violations) {
        if (v.level === 'error') refusals.push(`${worker}: ${v.message}`);
      }
    }
  }

  if (!apiserversAtTarget && input.stages.firstControlPlane.length === 0 && input.scope !== 'workers') {
    // --limit left the first control plane out while the control plane still has to move.
    if (input.stages.otherControlPlanes.length > 0 || input.stages.controlPlaneKubelets.length > 0) {
      refusals.push(`--limit leaves out the first control plane, whose kubeadm upgrade apply must come before the other control planes and the kubelets; include it (it is skipped where its API server already runs v${target})`);
    } else if (input.stages.workers.length > 0) {
      refusals.push(`the control plane does not run v${target} yet and --limit leaves it out; include the control planes, or upgrade them first (--control-plane-only)`);
    }
  }

  for (const h of hosts) {
    if (h.state === 'unreachable' || h.state === 'failed') continue;
    const ready = h.nodeStatus?.ready === true;
    if (h.role === 'control plane' && !ready) {
      refusals.push(`control plane ${h.host} (node ${h.node}) is ${h.nodeStatus ? 'NotReady' : 'not registered'}: the upgrade's preflight stops on it; fix it first, the control plane is upgraded as a whole`);
    } else if (!ready) {
      // The preflight fails such a worker, but a failed host still runs the later plays: it would be drained
      // and its drain would stall the rollout. Say so now, with the way around it.
      refusals.push(`worker ${h.host} (node ${h.node}) is ${h.nodeStatus ? 'NotReady' : 'not registered'}: repair it first, or leave it out of this upgrade with --limit 'all:!${h.host}'`);
    }
  }
  const known = new Set(hosts.map((h) => h.node));
  const outside = cluster.nodes.filter((n) => !known.has(n.name) && n.kubeletVersion !== `v${target}`);
  if (outside.length > 0) {
    warnings.push(`not in this run (not in the inventory, or outside --limit), so their kubelets stay as they are: ${outside.map((n) => `${n.name} ${n.kubeletVersion}`).join(', ')}`);
  }

  const backupProblem = backupRefusal(input.backup);
  if (backupProblem) refusals.push(backupProblem);

  const inScope = [...input.stages.firstControlPlane, ...input.stages.otherControlPlanes, ...input.stages.controlPlaneKubelets, ...input.stages.workers].flat();
  const nothingToDo =
    unreachable.length === 0 &&
    inScope.every((host) => byHost.get(host)?.state === 'at target') &&
    (input.scope === 'workers' || apiserversAtTarget);

  const steps = planSteps(input, target, byHost);
  const drain = input.drain ? checkDrains(steps, input.drain) : null;
  if (drain) refusals.push(...drainRefusals(drain));

  const oldest = [...cluster.snapshot.apiservers]
    .map((a) => tryParseKubeVersion(a.version))
    .filter((v) => v !== null)
    .sort((a, b) => a!.major - b!.major || a!.minor - b!.minor || a!.patch - b!.patch)[0];
  return {
    target,
    scope: input.scope,
    check: input.check,
    from: oldest ? formatKubeVersion(oldest) : null,
    hops: hopResult.hops,
    apiservers: cluster.snapshot.apiservers.map((a) => ({ node: a.node, version: a.version })),
    hosts,
    backup: input.backup,
    steps,
    drain,
    refusals: [...new Set(refusals)],
    unreachable,
    warnings,
    notes,
    nothingToDo,
  };
}

/** The hop path and its refusals: one minor per upgrade, so more than one hop is refused, naming them. */
function hopsTo(target: string, input: UpgradePlanInput, hosts: HostPlan[]): { hops: string[]; refusals: string[]; notes: string[] } {
  const available = new Set<string>();
  for (const h of input.hosts) for (const offer of h.facts?.offers ?? []) for (const v of offer.versions.kubeadm) available.add(v);
  const result = planVersionHops({ current: input.cluster.snapshot, target, available: [...available], patchFirst: false });
  const goal = parseKubeVersion(target);
  const from = result.ok ? tryParseKubeVersion(result.from) : oldestApiserver(input.cluster);
  const skipped = from && goal.major === from.major && goal.minor - from.minor > 1
    ? Array.from({ length: goal.minor - from.minor - 1 }, (_, i) => formatMinor(goal.major, from.minor + 1 + i))
    : [];
  const refusals: string[] = [];
  let hops: string[] = [];
  if (result.ok) hops = result.hops;
  else {
    const perHostMissing = hosts.some((h) => h.problems.some((p) => p.includes('not available as a package')));
    for (const r of result.refusals) {
      if (r.rule === 'intermediate-minor-missing') continue; // said below, with the hops
      if (r.rule === 'target-not-available' && perHostMissing) continue; // each host says what it offers
      refusals.push(r.message);
    }
    hops = skipped.length > 0 ? [...skipped.map((m) => `${m}.x`), target] : [];
  }
  if (skipped.length > 0 && from) {
    const first = hops[0] ?? `${skipped[0]}.x`;
    const exact = /\.x$/.test(first) ? '' : ` (drydock upgrade --to ${first})`;
    const rest = hops.slice(1).join(', then to ');
    refusals.unshift(`${formatMinor(from.major, from.minor)} → ${formatMinor(goal.major, goal.minor)} skips ${skipped.join(', ')}: upgrade to ${skipped[0]}.x first${exact}${rest ? `, then to ${rest}` : ''}; kubeadm upgrades one minor at a time`);
  }
  const notes = result.ok ? result.notes : [];
  return { hops, refusals, notes };
}

function oldestApiserver(cluster: VersionSurvey): ReturnType<typeof tryParseKubeVersion> {
  const versions = cluster.snapshot.apiservers.map((a) => tryParseKubeVersion(a.version)).filter((v) => v !== null);
  return versions.sort((a, b) => a!.minor - b!.minor || a!.patch - b!.patch)[0] ?? null;
}

function planSteps(input: UpgradePlanInput, target: string, byHost: ReadonlyMap<string, HostPlan>): PlanStep[] {
  const steps: PlanStep[] = [];
  const entry = (host: string, action: (h: HostPlan) => string, done: (h: HostPlan) => boolean): StepHost => {
    const h = byHost.get(host);
    if (!h) return { host, node: host, action: 'not read (outside the preflight)', nothingToDo: false };
    if (h.state === 'unreachable') return { host, node: h.node, action: 'UNREACHABLE', nothingToDo: false };
    const finished = done(h);
    return { host, node: h.node, action: finished ? `nothing to do (at ${target})` : action(h), nothingToDo: finished };
  };
  const pkg = (h: HostPlan, name: string): string => {
    const p = h.packages.find((x) => x.name === name);
    return `${name} ${p?.installed ?? 'not installed'} → ${p?.target ?? '?'}`;
  };
  const repo = (h: HostPlan): string => (h.repoMinor && h.repoMinor !== h.targetRepoMinor ? `repository v${h.repoMinor} → v${h.targetRepoMinor}, ` : '');
  const apiserverDone = (h: HostPlan): boolean => h.apiserver === `v${target}`;
  const kubeletDone = (h: HostPlan): boolean => h.state === 'at target';
  const kubeletAction = (h: HostPlan): string => `drain, ${pkg(h, 'kubelet')}, ${pkg(h, 'kubectl')}, restart the kubelet, wait Ready at v${target}, uncordon`;

  steps.push({ kind: 'backup', title: describeBackup(input.backup, input.check), batches: [] });
  const { stages } = input;
  if (stages.firstControlPlane.length > 0) {
    steps.push({
      kind: 'first-control-plane',
      title: 'first control plane: kubeadm upgrade apply',
      batches: stages.firstControlPlane.map((batch) =>
        batch.map((host) => entry(host, (h) => `${repo(h)}${pkg(h, 'kubeadm')}, kubeadm upgrade plan, kubeadm upgrade apply v${target}`, apiserverDone)),
      ),
    });
  }
  if (stages.otherControlPlanes.length > 0) {
    steps.push({
      kind: 'other-control-planes',
      title: 'other control planes, one at a time: kubeadm upgrade node',
      batches: stages.otherControlPlanes.map((batch) => batch.map((host) => entry(host, (h) => `${repo(h)}${pkg(h, 'kubeadm')}, kubeadm upgrade node`, apiserverDone))),
    });
  }
  if (stages.controlPlaneKubelets.length > 0) {
    steps.push({
      kind: 'control-plane-kubelets',
      title: "each control plane's kubelet, one at a time",
      batches: stages.controlPlaneKubelets.map((batch) => batch.map((host) => entry(host, kubeletAction, kubeletDone))),
    });
  }
  if (stages.workers.length > 0) {
    const { canary, batch, maxFailPercentage } = input.ramp;
    steps.push({
      kind: 'workers',
      title: `workers in ${stages.workers.length} batch(es): a canary of ${canary}, then ${batch} at a time; more than ${maxFailPercentage}% failed in a batch stops the upgrade`,
      batches: stages.workers.map((b) =>
        b.map((host) => entry(host, (h) => `${repo(h)}${pkg(h, 'kubeadm')}, kubeadm upgrade node, ${kubeletAction(h)}`, kubeletDone)),
      ),
    });
  }
  return steps;
}

/** The variable the preflight playbook reads instead of probing a host's repository again (host → deb version). */
export const PACKAGE_VERSIONS_VAR = 'drydock_package_versions';

/** Each host's package version the plan found in its repository (one probe serves the plan and the preflight). */
export function packageVersions(plan: UpgradePlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const host of plan.hosts) {
    const version = host.packages.find((p) => p.name === 'kubeadm')?.target;
    if (version) out[host.host] = version;
  }
  return out;
}
