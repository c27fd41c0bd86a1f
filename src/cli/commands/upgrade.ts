/**
 * `drydock upgrade --to VERSION -i INVENTORY`: plans the upgrade (the cluster's versions from the API, every
 * host's packages and repository over SSH, read-only), shows the plan, asks (--yes skips), then runs the
 * shipped playbooks as ONE run — etcd-backup.yaml (unless --backup-max-age accepts a recent verified
 * snapshot), upgrade-control-plane.yaml, upgrade-workers.yaml — under the cluster lock, with one journal.
 *
 * Refuses before anything changes (exit 1): a skipped minor, a downgrade, a target some repository lacks, the
 * skew policy, a NotReady control plane, no usable etcd backup, a drain that would be blocked (named with the
 * pods and the flag or fix, before the lock); exit 4 when a host cannot be read. Exit 0
 * without running when every host is at the target. Otherwise the run's exit code (see drydock play).
 */
import { type Command } from 'commander';
import type { TextOutput } from '../../events/tty.js';
import type { RunPlanPorts } from '../../run/plan.js';
import { backupRefusal } from '../../upgrade/backup.js';
import { type PreparedUpgrade } from '../../upgrade/prepare.js';
import { planJson, renderPlanText } from '../../upgrade/render.js';
import { EXIT, type Invocation } from '../exit.js';
import { addNotifyOption, breakLockOption, logFileOption, htmlOption, resumeOption, yesOption } from '../options.js';
import { hostPlanRequest, livePlanPorts } from '../run-setup.js';
import { joinPlaybooks, MAINTENANCE_PLAY_DEFAULTS } from '../maintenance.js';
import { runPlayPlan, type PlayOptions, type PlayStreams } from '../play-run.js';
import { withSession, type RunSession } from '../session.js';
import { planPlaybook } from '../../engine/plan.js';
import { taskModules } from '../../modules/catalogue.js';
import { PACKAGE_VERSIONS_VAR, packageVersions, type UpgradePlan } from '../../upgrade/plan.js';
import { addUpgradePlanOptions, gatherLive, prepareFromOptions, refusalExitCode, type UpgradePlanOptions } from '../upgrade-setup.js';
import { createRunKube } from '../cluster-access.js';

export interface UpgradeOptions extends UpgradePlanOptions {
  notify?: URL[];
  yes: boolean;
  breakLock: boolean;
  resume?: string;
}

export function register(program: Command, { exit, commandLine }: Invocation): void {
  const command = program
    .command('upgrade')
    .description('upgrade the cluster to one Kubernetes version: plan, confirm, etcd backup, control planes, workers in batches');
  addUpgradePlanOptions(command)
    .addOption(yesOption())
    .addOption(breakLockOption())
    .addOption(resumeOption())
    .addOption(logFileOption())
    .addOption(htmlOption());
  addNotifyOption(command);
  command.action(async (options: UpgradeOptions) => {
    exit(await upgradeCommand({ ...options, commandLine }));
  });
}

/** The `drydock play` options the upgrade run uses: the shared flags as given, the playbook ones fixed. */
export function playOptionsFor(options: UpgradeOptions, prepared: PreparedUpgrade, plan?: UpgradePlan): PlayOptions {
  return {
    ...options,
    ...MAINTENANCE_PLAY_DEFAULTS,
    // The repositories the plan read are not probed again by the preflight.
    extraVars: plan ? { ...prepared.extraVars, [PACKAGE_VERSIONS_VAR]: packageVersions(plan) } : prepared.extraVars,
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
  const prepared = await prepareFromOptions(options, planPorts, warn);
  // The backup rule is decided on this machine: refuse before any host is contacted.
  const backupProblem = backupRefusal(prepared.backup);
  if (backupProblem) {
    streams.stderr.write(`drydock: refusing to upgrade: ${backupProblem}\n`);
    return EXIT.ERROR;
  }
  return withSession(streams, (session) => upgradeIn(session, prepared, options, planPorts), createRunKube);
}

async function upgradeIn(session: RunSession, prepared: PreparedUpgrade, options: UpgradeOptions, planPorts: RunPlanPorts): Promise<number> {
  const { streams } = session;
  const human: TextOutput = options.json ? streams.stderr : streams.stdout;
  const plan = await gatherLive(prepared, options, session);
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
  // The playbooks prepareUpgrade loaded and staged are the ones that run: one run, one journal, one lock.
  const runOptions = playOptionsFor(options, prepared, plan);
  const playbook = joinPlaybooks(prepared.loaded);
  const playPlan = await planPlaybook(playbook, taskModules(), hostPlanRequest(runOptions), planPorts);
  return runPlayPlan(session, { playbook, plan: playPlan }, runOptions, { hooks, apiServerVersions: true });
}
