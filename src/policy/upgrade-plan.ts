/**
 * Plans the sequence of cluster versions ("hops") from the running control plane to a target, following
 * kubeadm's rule of one minor at a time, and refuses — naming the rule and the node — when it cannot.
 *
 * Model: each hop upgrades the whole cluster (control plane, then every kubelet) to the hop version before
 * the next hop starts. So the kubelets as they are now must fit the FIRST minor hop's window; later hops
 * find them at the previous hop's version.
 *
 * Patch-first decision: the skew-policy docs recommend reaching the latest patch of the current minor before
 * moving to the next minor. `patchFirst` (default true) follows that advice: when the control plane is below
 * the newest available patch of its own minor, the first hop is that patch. Pass `patchFirst: false` to save
 * one drain pass over every node when the admin knows the current patch is fine.
 */
import { checkControlPlaneUpgrade, type ClusterSnapshot } from './skew.js';
import {
  compareKubeVersions,
  formatKubeVersion,
  formatMinor,
  tryParseKubeVersion,
  type KubeVersion,
} from './kube-version.js';

export { parseKubeVersion, compareKubeVersions, tryParseKubeVersion, formatKubeVersion } from './kube-version.js';
export type { KubeVersion } from './kube-version.js';
export { parseMadison, parseYumShowDuplicates, resolvePackageVersion } from './package-versions.js';

export type RefusalRule =
  | 'unparseable-version'
  | 'no-apiserver'
  | 'mixed-apiserver-versions'
  | 'major-change'
  | 'downgrade'
  | 'target-not-available'
  | 'intermediate-minor-missing'
  | 'skew';

export interface Refusal {
  rule: RefusalRule;
  node?: string;
  /** For 'skew' refusals, the skew rule that would be broken. */
  skewRule?: string;
  message: string;
}

export interface HopPlanInput {
  current: ClusterSnapshot;
  /** Full version, e.g. `1.30.2` or `v1.30.2`. */
  target: string;
  /** Versions the package repositories offer (any spelling: `1.29.4`, `1.29.4-1.1`, ...). */
  available: string[];
  patchFirst?: boolean;
}

export type HopPlan =
  | {
      ok: true;
      /** The control plane's version now (the oldest apiserver). */
      from: string;
      hops: string[];
      /** Nodes whose kubelet is below the target; with zero hops they still need a kubelet pass. */
      kubeletsBehindTarget: string[];
      /** Decisions worth telling the admin (patch-first hop, resuming a half-done minor). */
      notes: string[];
    }
  | { ok: false; refusals: Refusal[] };

export function planVersionHops(input: HopPlanInput): HopPlan {
  const refusals: Refusal[] = [];
  const target = tryParseKubeVersion(input.target);
  if (!target) {
    return refuse({ rule: 'unparseable-version', message: `target "${input.target}" is not a version like 1.30.2` });
  }
  const servers = input.current.apiservers.map((s) => ({ ...s, parsed: tryParseKubeVersion(s.version) }));
  if (servers.length === 0) return refuse({ rule: 'no-apiserver', message: 'no kube-apiserver version is known' });
  for (const s of servers) {
    if (!s.parsed) refusals.push({ rule: 'unparseable-version', node: s.node, message: `kube-apiserver on ${s.node} reports "${s.version}", which is not a version` });
  }
  if (refusals.length > 0) return { ok: false, refusals };
  const parsedServers = servers as Array<(typeof servers)[number] & { parsed: KubeVersion }>;
  const sorted = [...parsedServers].sort((a, b) => compareKubeVersions(a.parsed, b.parsed));
  const oldest = sorted[0]!;
  const newest = sorted[sorted.length - 1]!;
  const notes: string[] = [];

  if (parsedServers.some((s) => s.parsed.major !== target.major)) {
    return refuse({ rule: 'major-change', message: `the target ${input.target} has a different major version from the running control plane (${oldest.version}); drydock plans upgrades within one major only` });
  }
  if (compareKubeVersions(target, newest.parsed) < 0) {
    return refuse({ rule: 'downgrade', node: newest.node, message: `kube-apiserver on ${newest.node} is already ${newest.version}; ${input.target} would be a downgrade, which kubeadm does not support` });
  }

  const available = distinctVersions(input.available);
  let from = oldest.parsed;
  if (newest.parsed.minor !== oldest.parsed.minor) {
    // Apiservers on two minors mean an interrupted minor upgrade; the only sane plan is to finish that minor.
    const listing = sorted.map((s) => `${s.node} ${s.version}`).join(', ');
    if (newest.parsed.minor - oldest.parsed.minor > 1 || target.minor !== newest.parsed.minor) {
      return refuse({ rule: 'mixed-apiserver-versions', message: `the kube-apiservers run different minors (${listing}); finish the interrupted upgrade to ${formatMinor(newest.parsed.major, newest.parsed.minor)} first (target a ${formatMinor(newest.parsed.major, newest.parsed.minor)}.x version)` });
    }
    notes.push(`the kube-apiservers run different minors (${listing}); this plan finishes the interrupted upgrade`);
  }

  const hops: KubeVersion[] = [];
  const sameAsTarget = parsedServers.every((s) => compareKubeVersions(s.parsed, target) === 0);
  if (!sameAsTarget && !available.some((v) => compareKubeVersions(v, target) === 0)) {
    const sameMinor = available.filter((v) => v.major === target.major && v.minor === target.minor).map(formatKubeVersion);
    const offered = sameMinor.length > 0 ? `the repositories offer ${formatMinor(target.major, target.minor)}: ${sameMinor.join(', ')}` : `the repositories offer no ${formatMinor(target.major, target.minor)}.x version at all (is the ${formatMinor(target.major, target.minor)} package repository configured?)`;
    refusals.push({ rule: 'target-not-available', message: `target ${formatKubeVersion(target)} is not available; ${offered}` });
  }

  if (!sameAsTarget && target.minor > from.minor && input.patchFirst !== false && newest.parsed.minor === from.minor) {
    const latestCurrent = latestPatch(available, from.major, from.minor);
    if (latestCurrent && compareKubeVersions(latestCurrent, from) > 0) {
      hops.push(latestCurrent);
      notes.push(`first hop ${formatKubeVersion(latestCurrent)}: the latest patch of ${formatMinor(from.major, from.minor)}, as the upgrade docs recommend before a minor upgrade`);
    }
  }
  for (let minor = from.minor + 1; minor < target.minor; minor++) {
    const latest = latestPatch(available, target.major, minor);
    if (latest) hops.push(latest);
    else refusals.push({ rule: 'intermediate-minor-missing', message: `no ${formatMinor(target.major, minor)}.x version is available, and kubeadm cannot skip minor ${formatMinor(target.major, minor)} on the way to ${formatKubeVersion(target)}` });
  }
  if (!sameAsTarget) hops.push(target);

  // Skew is checked against the first step that changes the control plane's minor (or the target itself
  // within one minor); only minors matter to the skew rules, so a missing repo version does not hide it.
  if (!sameAsTarget) {
    const stepsMinor = target.minor > newest.parsed.minor;
    const checked = stepsMinor ? `${target.major}.${newest.parsed.minor + 1}.0` : formatKubeVersion(target);
    const label = stepsMinor ? formatMinor(target.major, newest.parsed.minor + 1) : formatKubeVersion(target);
    for (const v of checkControlPlaneUpgrade(input.current, checked).violations) {
      if (v.level !== 'error') continue;
      refusals.push({ rule: 'skew', skewRule: v.rule, node: v.node || undefined, message: `${v.message} — this blocks the control-plane upgrade to ${label}` });
    }
  }
  for (const kubelet of input.current.kubelets) {
    const version = tryParseKubeVersion(kubelet.version);
    if (version && compareKubeVersions(version, target) > 0) {
      refusals.push({ rule: 'downgrade', node: kubelet.node, message: `kubelet on ${kubelet.node} is ${kubelet.version}, newer than the target ${formatKubeVersion(target)}` });
    }
  }
  if (refusals.length > 0) return { ok: false, refusals: dedupe(refusals) };

  const kubeletsBehindTarget = input.current.kubelets
    .filter((k) => {
      const v = tryParseKubeVersion(k.version);
      return v !== null && compareKubeVersions(v, target) < 0;
    })
    .map((k) => k.node);
  return { ok: true, from: formatKubeVersion(oldest.parsed), hops: hops.map(formatKubeVersion), kubeletsBehindTarget, notes };
}

function refuse(refusal: Refusal): HopPlan {
  return { ok: false, refusals: [refusal] };
}

function distinctVersions(list: string[]): KubeVersion[] {
  const seen = new Map<string, KubeVersion>();
  for (const text of list) {
    const v = tryParseKubeVersion(text);
    if (v) seen.set(formatKubeVersion(v), v);
  }
  return [...seen.values()];
}

function latestPatch(available: KubeVersion[], major: number, minor: number): KubeVersion | undefined {
  return available
    .filter((v) => v.major === major && v.minor === minor)
    .sort((a, b) => compareKubeVersions(a, b))
    .pop();
}

function dedupe(refusals: Refusal[]): Refusal[] {
  const seen = new Set<string>();
  return refusals.filter((r) => {
    const key = `${r.rule}|${r.node ?? ''}|${r.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
