/**
 * What `drydock plan upgrade` and `drydock upgrade` share: the options, the flags, phase one (no host) and
 * phase two (the cluster and the hosts, read-only, on the command's run session).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { latestVerifiedSnapshot } from '../modules/etcd/index.js';
import { moduleRegistry } from '../modules/catalogue.js';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from '../modules/kube/index.js';
import { loadPlaybook } from '../playbook/load.js';
import type { SerialItem } from '../playbook/batches.js';
import type { RunPlanPorts } from '../run/plan.js';
import { parseBatchSize, parseDuration, parseMaxFail, type UpgradeFlags, type UpgradeScope } from '../upgrade/flags.js';
import { gatherAndPlan, prepareUpgrade, type PreparedUpgrade } from '../upgrade/prepare.js';
import type { UpgradePlan } from '../upgrade/plan.js';
import { EXIT } from './exit.js';
import { addConnectionOptions, addTargetOptions, parseSeconds, type SharedOptions } from './options.js';
import { hostPlanRequest } from './run-setup.js';
import type { RunSession } from './session.js';
import type { ConnectionSpec } from '../transport/types.js';

/** The options `plan upgrade` and `upgrade` share: what to plan. */
export interface UpgradePlanOptions extends SharedOptions {
  to: string;
  workersOnly: boolean;
  controlPlaneOnly: boolean;
  batch?: SerialItem;
  maxFail?: number;
  drainTimeout?: number;
  /** ms */
  backupMaxAge?: number;
  check: boolean;
  kubeconfig?: string;
  context?: string;
}

/** Commander parser from one of ours: a UsageError becomes commander's message naming the flag. */
function flagParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof UsageError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** --to, the scope, batch and backup flags, cluster access; shared by `drydock plan upgrade`. */
export function addUpgradePlanOptions(command: Command): Command {
  addTargetOptions(command);
  addConnectionOptions(command);
  return command
    .requiredOption('--to <version>', 'the target Kubernetes version, e.g. 1.29.4 (one minor above the cluster at most)')
    .addOption(new Option('--workers-only', 'upgrade only the workers (the control plane must run the target already)').default(false).conflicts('controlPlaneOnly'))
    .addOption(new Option('--control-plane-only', 'upgrade only the control planes (kubeadm, then each kubelet)').default(false))
    .addOption(new Option('--batch <n|n%>', 'workers per batch after the canary of 1 (default 20%)').argParser(flagParser(parseBatchSize)))
    .addOption(new Option('--max-fail <pct>', 'stop when more than this share of a worker batch fails (default 0: any failure stops)').argParser(flagParser(parseMaxFail)))
    .addOption(new Option('--drain-timeout <seconds>', `give up draining a node after this long (default ${DEFAULT_DRAIN_TIMEOUT_SECONDS})`).argParser(parseSeconds('--drain-timeout')))
    .addOption(
      new Option('--backup-max-age <duration>', 'accept a verified etcd snapshot on this machine this young (90s, 30m, 6h, 2d) instead of taking one at the start')
        .argParser(flagParser((v) => parseDuration(v))),
    )
    .addOption(new Option('-C, --check', 'run the playbooks in check mode: they report what they would change; nothing changes').default(false))
    .addOption(new Option('--json', 'machine-readable output on stdout (the plan for plan upgrade, the run report for upgrade)').default(false))
    .addOption(new Option('--kubeconfig <file>', 'cluster access (default: KUBECONFIG, ~/.kube/config, then admin.conf from the first control plane)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use'));
}

export function upgradeFlags(options: UpgradePlanOptions): UpgradeFlags {
  if (options.workersOnly && options.controlPlaneOnly) throw new UsageError('--workers-only and --control-plane-only exclude each other; leave both out to upgrade the whole cluster');
  const scope: UpgradeScope = options.workersOnly ? 'workers' : options.controlPlaneOnly ? 'control-plane' : 'cluster';
  return {
    to: options.to,
    scope,
    check: options.check === true,
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.maxFail !== undefined ? { maxFail: options.maxFail } : {}),
    ...(options.drainTimeout !== undefined ? { drainTimeout: options.drainTimeout } : {}),
    ...(options.backupMaxAge !== undefined ? { backupMaxAgeMs: options.backupMaxAge } : {}),
  };
}

/** Phase one of both commands: everything that needs no host (see upgrade/prepare.ts). */
export async function prepareFromOptions(options: UpgradePlanOptions, planPorts: RunPlanPorts, warn: (message: string) => void): Promise<PreparedUpgrade> {
  const registry = moduleRegistry();
  const prepared = await prepareUpgrade(
    { flags: upgradeFlags(options), hosts: hostPlanRequest(options) },
    {
      planPorts,
      loadPlaybook: (path) => loadPlaybook(path, { moduleRegistry: registry }),
      findSnapshot: (dir, cluster, now, maxAgeMs) => latestVerifiedSnapshot(dir, cluster, now, maxAgeMs),
      now: () => Date.now(),
    },
  );
  prepared.warnings.forEach(warn);
  return prepared;
}

/**
 * Phase two: the cluster (API) and the hosts (SSH, one connection each, --forks at a time), read-only, on the
 * session's pool and cluster access — the run that follows reuses both (admin.conf is read once).
 */
export async function gatherLive(prepared: PreparedUpgrade, options: UpgradePlanOptions, session: RunSession): Promise<UpgradePlan> {
  const connect = (spec: ConnectionSpec) => session.pool.connect(spec);
  const kube = session.kube({
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    inventory: prepared.inventory,
    specFor: prepared.resolveSpec,
  });
  return gatherAndPlan(prepared, { forks: options.forks, ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}) }, { connect, kube });
}

/** The exit code a plan that must not run gets: 4 when hosts could not be read, 1 for any other refusal. */
export function refusalExitCode(plan: UpgradePlan): number | undefined {
  if (plan.unreachable.length > 0) return EXIT.UNREACHABLE_HOSTS;
  if (plan.refusals.length > 0) return EXIT.ERROR;
  return undefined;
}

