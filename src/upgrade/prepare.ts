/**
 * Everything before an upgrade runs, in two phases. `prepareUpgrade` contacts no host: flags → -e, the
 * inventory, the shipped playbooks and each play's hosts and batches (--limit applied, as the engine cuts
 * them), every host's connection spec, and the backup rule (a snapshot young enough on the controller, or
 * the etcd host that takes one in the run). `gatherAndPlan` then reads the cluster (API) and the hosts
 * (SSH, read-only) and builds the plan.
 */
import { join, resolve } from 'node:path';
import { controlPlaneMembers } from '../inventory/control-plane.js';
import { ConfigError } from '../errors.js';
import { orderedPlayHosts, playVars } from '../playbook/play-plan.js';
import { playPattern } from '../engine/plan.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { nodeNameFor } from '../kube/node-names.js';
import type { KubePort } from '../kube/port.js';
import { ETCD_SNAPSHOT_DEFAULTS } from '../modules/etcd/index.js';
import type { Play, Playbook } from '../playbook/model.js';
import { renderString } from '../playbook/template.js';
import { loadConnectionContext, resolveEverySpec, specResolver, type ConnectionContext, type HostPlanRequest, type RunPlanPorts } from '../run/plan.js';
import type { Connection, ConnectionSpec } from '../transport/types.js';
import type { DrainSettings } from '../kube/drain-check.js';
import { drainSettingsByHost } from './drain-settings.js';
import { decideBackup, type BackupSettings, type BackupStep, type SnapshotFinder } from './backup.js';
import { mergeUpgradeVars, upgradePlaybooks, normalizeTarget, type UpgradeFlags } from './flags.js';
import { gatherUpgradeFacts, type GatherTarget } from './gather.js';
import { buildUpgradePlan, type UpgradePlan } from './plan.js';
import type { HostInput, HostRole } from './plan-hosts.js';
import { upgradeStages, type UpgradeStages } from './stages.js';

/** drydock's shipped playbooks: `playbooks/` beside `src/` (and beside `dist/` in a build). */
export const SHIPPED_PLAYBOOKS = resolve(import.meta.dirname, '../../playbooks');

export interface PrepareRequest {
  flags: UpgradeFlags;
  /** -i, --limit, -e (the user's; the flags' variables are merged in here), --forks, connection flags. */
  hosts: HostPlanRequest;
  playbookDir?: string;
}

export interface PreparePorts {
  planPorts: RunPlanPorts;
  loadPlaybook(path: string): Promise<Playbook>;
  findSnapshot: SnapshotFinder;
  now(): number;
}

export interface PreparedUpgrade {
  target: string;
  flags: UpgradeFlags;
  /** The run's playbooks in order (absolute paths): one run, one journal, one lock. */
  playbooks: string[];
  /** The same playbooks, loaded once here and run as they are. */
  loaded: Playbook[];
  /** The run's -e: the user's with the flags' variables. */
  extraVars: Vars;
  inventory: Inventory;
  stages: UpgradeStages;
  backup: BackupStep;
  /** The hosts facts are read from (the preflight's), with their connection specs. */
  targets: GatherTarget[];
  resolveSpec(host: string): ConnectionSpec;
  /** Each run host's role and Kubernetes node name (node_name, kube_override_hostname, else its name). */
  roles: Map<string, { node: string; role: HostRole }>;
  /** Each drained host's drain options, read off the playbooks' kube_drain task; `problems` names hosts left out. */
  drain: { settings: Map<string, DrainSettings>; problems: string[] };
  warnings: string[];
}

export async function prepareUpgrade(request: PrepareRequest, ports: PreparePorts): Promise<PreparedUpgrade> {
  const target = normalizeTarget(request.flags.to);
  const extraVars = mergeUpgradeVars(request.hosts.extraVars, request.flags);
  const hostRequest: HostPlanRequest = { ...request.hosts, extraVars };
  const context = await loadConnectionContext(hostRequest, ports.planPorts);
  const dir = request.playbookDir ?? SHIPPED_PLAYBOOKS;
  const fresh = request.flags.backupMaxAgeMs === undefined;
  const names = upgradePlaybooks(request.flags.scope, fresh);
  const load = (name: string) => ports.loadPlaybook(join(dir, `${name}.yaml`));
  const [backupPlaybook, controlPlane, workers] = await Promise.all([
    load('etcd-backup'),
    names.includes('upgrade-control-plane') ? load('upgrade-control-plane') : undefined,
    names.includes('upgrade-workers') ? load('upgrade-workers') : undefined,
  ]);

  const playHosts = (play: Play, limit = true): string[] => {
    let hosts = ports.planPorts.resolvePattern(context.inventory, playPattern(play, extraVars));
    if (limit && hostRequest.limit !== undefined) hosts = ports.planPorts.applyLimit(context.inventory, hosts, hostRequest.limit);
    return orderedPlayHosts(play, hosts, new Set());
  };
  const stages = upgradeStages({ ...(fresh ? { backup: backupPlaybook } : {}), ...(controlPlane ? { controlPlane } : {}), ...(workers ? { workers } : {}) }, playHosts, extraVars);
  if (stages.preflight.length === 0) {
    throw new ConfigError(`no host to upgrade: the inventory's control_plane/kube_control_plane/workers/kube_node groups${hostRequest.limit !== undefined ? ` with --limit ${hostRequest.limit}` : ''} are empty`);
  }
  const settings = backupSettings(backupPlaybook, context, ports.planPorts, extraVars, (play) => playHosts(play, false));
  const backup = await decideBackup(
    {
      ...(request.flags.backupMaxAgeMs !== undefined ? { maxAgeMs: request.flags.backupMaxAgeMs } : {}),
      settings,
      limitedHosts: stages.backup ?? [],
      ...(hostRequest.limit !== undefined ? { limit: hostRequest.limit } : {}),
      now: ports.now(),
    },
    ports.findSnapshot,
  );

  const resolveSpec = specResolver(context, hostRequest, ports.planPorts, new Set<string>());
  const { resolved, issues } = resolveEverySpec(new Set([...stages.preflight, ...(stages.backup ?? [])]), resolveSpec);
  if (issues.length > 0) throw new ConfigError(issues);
  const specs = new Map(resolved.map((r) => [r.name, r.spec]));
  const controlPlanes = new Set(controlPlaneMembers(context.inventory));
  const roles = new Map(
    stages.preflight.map((host) => [
      host,
      { node: nodeNameFor(ports.planPorts.hostVars(context.inventory, host, extraVars), host), role: controlPlanes.has(host) ? ('control plane' as const) : ('worker' as const) },
    ]),
  );
  const drain = drainSettingsByHost({
    playbooks: [controlPlane, workers].filter((p): p is Playbook => p !== undefined),
    playHosts,
    hostVars: (host) => ports.planPorts.hostVars(context.inventory, host, extraVars),
    extraVars,
  });
  return {
    target,
    flags: request.flags,
    playbooks: names.map((name) => join(dir, `${name}.yaml`)),
    loaded: names.map((name) => ({ 'etcd-backup': backupPlaybook, 'upgrade-control-plane': controlPlane, 'upgrade-workers': workers })[name]!),
    extraVars,
    inventory: context.inventory,
    stages,
    backup,
    targets: stages.preflight.map((host) => ({ host, spec: specs.get(host)! })),
    resolveSpec: (host) => specs.get(host) ?? resolveSpec(host),
    roles,
    drain,
    warnings: [...new Set(context.warnings)],
  };
}

/** Where etcd-backup.yaml would put its snapshot: its etcd_snapshot task's dest and cluster_name, rendered for its host. */
function backupSettings(playbook: Playbook, context: ConnectionContext, planPorts: RunPlanPorts, extraVars: Vars, hostsOf: (play: Play) => string[]): BackupSettings {
  for (const play of playbook.plays) {
    const task = play.tasks.find((t) => t.kind === 'task' && t.module === 'etcd_snapshot');
    if (!task || task.kind !== 'task') continue;
    const [host] = hostsOf(play);
    const vars = { ...(host ? planPorts.hostVars(context.inventory, host, {}) : {}), ...playVars(play), ...extraVars };
    const arg = (name: 'dest' | 'cluster_name'): string => {
      const written = task.args[name];
      const value = typeof written === 'string' ? renderString(written, vars, { origin: task.pos }) : written;
      return value === undefined || value === null || value === '' ? String(ETCD_SNAPSHOT_DEFAULTS[name]) : String(value);
    };
    return { ...(host ? { host } : {}), dir: arg('dest').replace(/(.)\/+$/, '$1'), cluster: arg('cluster_name') };
  }
  throw new Error(`${playbook.file}: no etcd_snapshot task found; the shipped playbook changed shape`);
}

export interface GatherPorts {
  connect(spec: ConnectionSpec): Promise<Connection>;
  kube(): Promise<KubePort>;
}

export async function gatherAndPlan(prepared: PreparedUpgrade, options: { forks: number; timeoutMs?: number }, ports: GatherPorts): Promise<UpgradePlan> {
  const gathered = await gatherUpgradeFacts(
    { targets: prepared.targets, target: prepared.target, forks: options.forks, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
    ports,
  );
  const hosts: HostInput[] = gathered.hosts.map((result) => {
    const base = { host: result.host, ...(prepared.roles.get(result.host) ?? { node: result.host, role: 'worker' as const }) };
    return result.ok ? { ...base, facts: result.facts } : { ...base, error: { unreachable: result.unreachable, message: result.error } };
  });
  const { stages } = prepared;
  const [canary = 1, batch = canary] = stages.workerSerial;
  return buildUpgradePlan({
    target: prepared.target,
    scope: prepared.flags.scope,
    check: prepared.flags.check,
    cluster: gathered.cluster,
    hosts,
    stages,
    backup: prepared.backup,
    ramp: { canary, batch, maxFailPercentage: stages.workerMaxFailPercentage },
    drain: { view: gathered.view, settings: prepared.drain.settings, problems: prepared.drain.problems },
  });
}
