/**
 * `drydock plan upgrade --to VERSION -i INVENTORY`: what `drydock upgrade` with the same flags would do, and
 * nothing else — the cluster's versions (API) and every host's installed and offered packages (SSH, read
 * only; the repositories are read through a temporary apt folder), then the ordered steps: the hops, the
 * etcd backup, each control plane, each worker batch exactly as the engine will cut it, and what would block
 * each drain (pods without a controller, emptyDir pods, budgets at 0, room by requests). Changes nothing.
 *
 * Exit codes: 0 the upgrade could start (or there is nothing to do); 1 it would be refused (the reasons are
 * listed); 4 a host could not be read.
 */
import type { Command } from 'commander';
import type { RunPlanPorts } from '../../run/plan.js';
import { planJson, renderPlanText } from '../../upgrade/render.js';
import { EXIT, type Invocation } from '../exit.js';
import { livePlanPorts } from '../run-setup.js';
import type { PlayStreams } from '../play-run.js';
import { withSession } from '../session.js';
import { addUpgradePlanOptions, gatherLive, prepareFromOptions, refusalExitCode, type UpgradePlanOptions } from '../upgrade-setup.js';
import { createRunKube } from '../cluster-access.js';

export function register(program: Command, { exit }: Invocation): void {
  const plan = program.command('plan').description('show what a maintenance command would do, changing nothing');
  const upgrade = plan
    .command('upgrade')
    .description('the upgrade plan: hops, etcd backup, each control plane, each worker batch, every host\'s packages (installed → target)');
  addUpgradePlanOptions(upgrade);
  upgrade.action(async (options: UpgradePlanOptions) => {
    exit(await planUpgradeCommand(options));
  });
}

export async function planUpgradeCommand(
  options: UpgradePlanOptions,
  streams: PlayStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
): Promise<number> {
  const warn = (message: string) => streams.stderr.write(`drydock: warning: ${message}\n`);
  const prepared = await prepareFromOptions(options, planPorts, warn);
  const plan = await withSession(streams, (session) => gatherLive(prepared, options, session), createRunKube);
  streams.stdout.write(options.json ? planJson(plan) : renderPlanText(plan));
  return refusalExitCode(plan) ?? EXIT.OK;
}
