/**
 * `drydock upgrade --to VERSION -i INVENTORY`: plans the upgrade (the cluster's versions from the API, every
 * host's packages and repository over SSH, read-only), shows the plan, asks (--yes skips), then runs the
 * shipped playbooks as ONE run — etcd-backup.yaml (unless --backup-max-age accepts a recent verified
 * snapshot), upgrade-control-plane.yaml, upgrade-workers.yaml — under the cluster lock, with one journal.
 *
 * Refuses before anything changes (exit 1): a skipped minor, a downgrade, a target some repository lacks, the
 * skew policy, a NotReady control plane, no usable etcd backup; exit 4 when a host cannot be read. Exit 0
 * without running when every host is at the target. Otherwise the run's exit code (see drydock play).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EventBus } from '../../events/events.js';
import type { TextOutput } from '../../events/tty.js';
import { latestVerifiedSnapshot } from '../../modules/etcd/index.js';
import { moduleRegistry } from '../../modules/catalogue.js';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from '../../modules/kube/index.js';
import { loadPlaybook } from '../../playbook/load.js';
import type { SerialItem } from '../../playbook/batches.js';
import type { RunPlanPorts } from '../../run/plan.js';
import { backupRefusal } from '../../upgrade/backup.js';
import { parseBatchSize, parseDuration, parseMaxFail, type UpgradeFlags, type UpgradeScope } from '../../upgrade/flags.js';
import { gatherAndPlan, prepareUpgrade, type PreparedUpgrade } from '../../upgrade/prepare.js';
import type { UpgradePlan } from '../../upgrade/plan.js';
import { planJson, renderPlanText } from '../../upgrade/render.js';
import { createRunKube } from '../cluster-access.js';
import { EXIT, type ExitSink } from '../exit.js';
import { addConnectionOptions, addTargetOptions, breakLockOption, logFileOption, parseSeconds, resumeOption, yesOption, type SharedOptions } from '../options.js';
import { hostPlanRequest, livePlanPorts, livePool } from '../run-setup.js';
import { playCommand, type PlayOptions, type PlayStreams } from './play.js';
import { MAINTENANCE_PLAY_DEFAULTS } from '../maintenance.js';

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

export interface UpgradeOptions extends UpgradePlanOptions {
  yes: boolean;
  breakLock: boolean;
  resume?: string;
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

export function register(program: Command, exit: ExitSink): void {
  const command = program
    .command('upgrade')
    .description('upgrade the cluster to one Kubernetes version: plan, confirm, etcd backup, control planes, workers in batches');
  addUpgradePlanOptions(command)
    .addOption(yesOption())
    .addOption(breakLockOption())
    .addOption(resumeOption())
    .addOption(logFileOption());
  command.action(async (options: UpgradeOptions) => {
    exit(await upgradeCommand(options));
  });
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

/** Phase two: the cluster (API) and the hosts (SSH, one connection each, --forks at a time), read-only. */
export async function gatherLive(prepared: PreparedUpgrade, options: UpgradePlanOptions, warn: (message: string) => void): Promise<UpgradePlan> {
  const bus = new EventBus();
  bus.on((event) => {
    if (event.type === 'warning') warn(event.message);
  });
  const pool = livePool(bus, new AbortController().signal);
  try {
    const connect = (spec: Parameters<typeof pool.connect>[0]) => pool.connect(spec);
    const kube = createRunKube({
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      inventory: prepared.inventory,
      specFor: prepared.resolveSpec,
      connect,
      emit: (event) => bus.emit(event),
    });
    return await gatherAndPlan(prepared, { forks: options.forks, ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}) }, { connect, kube });
  } finally {
    await pool.closeAll();
  }
}

/** The exit code a plan that must not run gets: 4 when hosts could not be read, 1 for any other refusal. */
export function refusalExitCode(plan: UpgradePlan): number | undefined {
  if (plan.unreachable.length > 0) return EXIT.UNREACHABLE_HOSTS;
  if (plan.refusals.length > 0) return EXIT.ERROR;
  return undefined;
}

/** The `drydock play` options the upgrade run uses: the shared flags as given, the playbook ones fixed. */
export function playOptionsFor(options: UpgradeOptions, prepared: PreparedUpgrade): PlayOptions {
  return {
    ...options,
    ...MAINTENANCE_PLAY_DEFAULTS,
    extraVars: prepared.extraVars,
    check: options.check === true,
    yes: options.yes === true,
    breakLock: options.breakLock === true,
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
  };
}

export async function upgradeCommand(
  options: UpgradeOptions,
  streams: PlayStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
): Promise<number> {
  const warn = (message: string) => streams.stderr.write(`drydock: warning: ${message}\n`);
  const human: TextOutput = options.json ? streams.stderr : streams.stdout;
  const prepared = await prepareFromOptions(options, planPorts, warn);
  // The backup rule is decided on this machine: refuse before any host is contacted.
  const backupProblem = backupRefusal(prepared.backup);
  if (backupProblem) {
    streams.stderr.write(`drydock: refusing to upgrade: ${backupProblem}\n`);
    return EXIT.ERROR;
  }
  const plan = await gatherLive(prepared, options, warn);
  const text = renderPlanText(plan);
  const refused = refusalExitCode(plan);
  if (refused !== undefined) {
    if (options.json) streams.stdout.write(planJson(plan));
    human.write(text);
    const reasons = [...plan.unreachable.map((h) => `${h} is unreachable`), ...plan.refusals];
    streams.stderr.write(`drydock: refusing to upgrade: ${reasons.length === 1 ? reasons[0] : `${reasons.length} problems (listed above)`}\n`);
    return refused;
  }
  if (plan.nothingToDo) {
    if (options.json) streams.stdout.write(planJson(plan));
    human.write(text);
    return EXIT.OK;
  }
  const hooks = options.check ? {} : { lock: { breakLock: options.breakLock === true }, confirm: { summary: text, yes: options.yes === true } };
  if (options.check) human.write(text);
  return playCommand(prepared.playbooks, playOptionsFor(options, prepared), streams, planPorts, undefined, hooks);
}
