/**
 * The plan as an admin reads it before saying yes (and `drydock plan upgrade` prints): where the cluster
 * is, the hops, every host's packages (installed → target), the ordered steps with the exact batches, then
 * warnings and refusals. Pure; `planJson` is the same plan for --json.
 */
import type { PlanStep, UpgradePlan } from './plan.js';
import type { HostPlan } from './plan-hosts.js';
import { drainLines } from './drain-blockers.js';

const SCOPE_WORDS: Record<UpgradePlan['scope'], string> = {
  cluster: 'control plane, then workers',
  'control-plane': 'control plane only',
  workers: 'workers only',
};

export function renderPlanText(plan: UpgradePlan): string {
  const out: string[] = [];
  const from = plan.from ?? 'unknown';
  out.push(`upgrade plan: ${from} → ${plan.target} (${SCOPE_WORDS[plan.scope]}${plan.check ? ', check mode: nothing changes' : ''})`);
  out.push(`  kube-apiserver: ${plan.apiservers.map((a) => `${a.node} ${a.version}`).join(', ') || 'none found'}`);
  out.push(`  hops: ${hopsLine(plan)}`);
  out.push('');

  out.push('hosts (package installed → target):');
  const width = Math.max(4, ...plan.hosts.map((h) => h.host.length));
  for (const h of plan.hosts) out.push(`  ${h.host.padEnd(width)}  ${hostLine(h)}`);
  out.push('');

  out.push('steps:');
  plan.steps.forEach((step, i) => out.push(...stepLines(step, i + 1)));
  out.push('');
  if (plan.drain) out.push(...drainLines(plan.drain), '');

  for (const w of plan.warnings) out.push(`warning: ${w}`);
  for (const n of plan.notes) out.push(`note: ${n}`);
  if (plan.unreachable.length > 0) out.push(`UNREACHABLE: ${plan.unreachable.join(', ')} (facts could not be read; the upgrade will not start)`);
  for (const r of plan.refusals) out.push(`REFUSED: ${r}`);
  out.push(verdictLine(plan));
  return `${out.join('\n')}\n`;
}

/** The plan's last line: what `drydock upgrade` would do with it. */
export function verdictLine(plan: UpgradePlan): string {
  if (plan.refusals.length > 0 || plan.unreachable.length > 0) return 'the upgrade will not start: fix what is listed above first';
  if (plan.nothingToDo) return `nothing to do: every host of the run is at ${plan.target}`;
  return plan.check ? 'check mode: the playbooks report what they would change; nothing changes' : 'nothing has changed yet';
}

function hopsLine(plan: UpgradePlan): string {
  if (plan.hops.length === 0) return plan.from === plan.target ? `none (the control plane runs ${plan.target})` : 'none';
  const path = [plan.from ?? '?', ...plan.hops].join(' → ');
  return plan.hops.length === 1 ? `${path} (one step)` : `${path} (${plan.hops.length} upgrades, one minor each)`;
}

function hostLine(h: HostPlan): string {
  const role = h.role.padEnd(13);
  if (h.state === 'unreachable') return `${role}  UNREACHABLE: ${h.problems.join('; ')}`;
  if (h.state === 'failed') return `${role}  FAILED: ${h.problems.join('; ')}`;
  const packages = h.packages
    .map((p) => {
      const held = p.installed && p.held ? ' (held)' : '';
      if (p.installed === null) return `${p.name} not installed → ${p.target ?? '?'}`;
      return p.target === null || p.installed === p.target ? `${p.name} ${p.installed}${held}` : `${p.name} ${p.installed}${held} → ${p.target}`;
    })
    .join(', ');
  const repo = h.repoMinor ? (h.repoMinor === h.targetRepoMinor ? `repository v${h.repoMinor}` : `repository v${h.repoMinor} → v${h.targetRepoMinor}`) : 'repository ?';
  const node = h.nodeStatus
    ? `node ${h.node} ${h.nodeStatus.ready ? 'Ready' : 'NotReady'} ${h.nodeStatus.kubelet}${h.nodeStatus.unschedulable ? ' cordoned' : ''}`
    : `node ${h.node} not registered`;
  const state = h.state === 'at target' ? '; at target, nothing to do' : h.state === 'blocked' ? '; BLOCKED' : '';
  return `${role}  ${packages}; ${repo}; ${node}${state}`;
}

function stepLines(step: PlanStep, n: number): string[] {
  const lines = [`  ${n}. ${step.title}`];
  const single = step.batches.every((b) => b.length === 1);
  step.batches.forEach((batch, i) => {
    if (single && step.kind !== 'workers') {
      const [only] = batch;
      lines.push(`       ${only!.host}: ${only!.action}`);
      return;
    }
    lines.push(`       batch ${i + 1} (${batch.length}): ${batch.map((h) => h.host).join(', ')}`);
    const actions = new Set(batch.map((h) => h.action));
    if (actions.size === 1) lines.push(`         ${[...actions][0]}`);
    else for (const h of batch) lines.push(`         ${h.host}: ${h.action}`);
  });
  return lines;
}

export function planJson(plan: UpgradePlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
