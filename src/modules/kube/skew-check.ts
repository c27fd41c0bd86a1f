/**
 * skew_check: a gate before an upgrade step. Reads the cluster's versions and asks the skew policy whether
 * the control plane (stage control_plane) or one node's kubelet (stage kubelet) may move to `target`. Fails
 * naming the violated rule and the node; passes with any warnings. When the target is more than the next
 * minor away, the result carries the hops to take (kubeadm upgrades one minor at a time).
 */
import { KubeApiError } from '../../errors.js';
import { surveyVersions } from '../../kube/versions.js';
import { formatKubeVersion, tryParseKubeVersion } from '../../policy/kube-version.js';
import { checkControlPlaneUpgrade, checkKubeletUpgrade, type ClusterSnapshot, type SkewViolation } from '../../policy/skew.js';
import { planVersionHops } from '../../policy/upgrade-plan.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optList, reqString } from '../args.js';
import { failed, ModuleFailure } from '../failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { kubePort, targetNode } from './common.js';
import { oldestVersion } from './versions.js';
import { defineModule } from '../define.js';

export const skewCheckSpec: ModuleSpec = {
  name: 'skew_check',
  args: {
    target: { type: 'str', required: true },
    stage: { type: 'str', choices: ['control_plane', 'kubelet'], default: 'control_plane' },
    node: { type: 'str' },
    /** Versions the package repositories offer (e.g. from apt-cache madison); lets the planner pick each hop's patch. */
    available: { type: 'list' },
  },
};

export interface Hops {
  hops: string[] | null;
  /** 'planner': exact versions from `available`; 'minors': one entry per minor, `1.30.x` = its latest patch. */
  hops_from: 'planner' | 'minors';
  hop_notes: string[];
}

/** The way from the control plane's version to `target`, or null when the target is within the current minor. */
export function hopsTo(snapshot: ClusterSnapshot, target: string, available: string[] | undefined): Hops | null {
  const want = tryParseKubeVersion(target);
  const from = oldestVersion(snapshot.apiservers);
  const have = from ? tryParseKubeVersion(from) : null;
  if (!want || !have || want.major !== have.major || want.minor <= have.minor) return null;
  if (available && available.length > 0) {
    const plan = planVersionHops({ current: snapshot, target, available });
    if (plan.ok) return { hops: plan.hops, hops_from: 'planner', hop_notes: plan.notes };
    return { hops: null, hops_from: 'planner', hop_notes: plan.refusals.map((r) => r.message) };
  }
  const hops: string[] = [];
  for (let minor = have.minor + 1; minor < want.minor; minor++) hops.push(`${want.major}.${minor}.x`);
  hops.push(formatKubeVersion(want));
  return { hops, hops_from: 'minors', hop_notes: [] };
}

function describe(v: SkewViolation): string {
  return `[${v.rule}] ${v.message}${v.allowed ? ` (allowed: ${v.allowed})` : ''}`;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const target = reqString(ctx.args, 'target', 'skew_check');
  if (!tryParseKubeVersion(target)) throw new ModuleFailure(`target "${target}" is not a Kubernetes version (expected a form like 1.30.2 or v1.30.2)`);
  const stage = ctx.args.stage === 'kubelet' ? 'kubelet' : 'control_plane';
  const port = await kubePort(ctx, 'skew_check');
  let snapshot: ClusterSnapshot;
  let nodeNames: string[];
  try {
    const survey = await surveyVersions(port);
    snapshot = survey.snapshot;
    nodeNames = survey.nodes.map((n) => n.name);
  } catch (err) {
    if (err instanceof KubeApiError) return failed(err.message);
    throw err;
  }

  let node: string | undefined;
  let violations: SkewViolation[];
  let hops: Hops | null = null;
  if (stage === 'kubelet') {
    const target_ = targetNode(ctx);
    node = target_.name;
    if (!nodeNames.includes(node)) {
      return failed(`${target_.described} is not in the cluster (nodes: ${nodeNames.join(', ') || 'none'})`, { target, stage, node });
    }
    violations = checkKubeletUpgrade(snapshot, node, target).violations;
  } else {
    violations = checkControlPlaneUpgrade(snapshot, target).violations;
    hops = hopsTo(snapshot, target, optList(ctx.args, 'available'));
  }

  const errors = violations.filter((v) => v.level === 'error');
  const warnings = violations.filter((v) => v.level !== 'error').map(describe);
  const result = {
    target,
    stage,
    ...(node !== undefined ? { node } : {}),
    control_plane_version: oldestVersion(snapshot.apiservers),
    violations: violations.map((v) => ({ rule: v.rule, level: v.level, component: v.component, node: v.node, version: v.version, allowed: v.allowed, message: v.message })),
    warnings,
    ...(hops ?? {}),
  };
  const what = stage === 'kubelet' ? `kubelet on ${node} to ${target}` : `control plane to ${target}`;
  if (errors.length > 0) {
    const route = hops?.hops ? `\nupgrade in hops instead: ${hops.hops.join(' → ')}` : hops?.hop_notes.length ? `\n${hops.hop_notes.join('\n')}` : '';
    return failed(`skew policy forbids moving the ${what}:\n${errors.map((v) => `- ${describe(v)}`).join('\n')}${route}`, result);
  }
  for (const warning of warnings) ctx.emit({ type: 'warning', host: ctx.host, message: `skew_check: ${warning}` });
  return { changed: false, msg: `moving the ${what} stays within the skew policy`, ...result };
}

export const skewCheck: ModuleDefinition = defineModule(skewCheckSpec, { supportsCheck: true, controllerOnly: true, run });
