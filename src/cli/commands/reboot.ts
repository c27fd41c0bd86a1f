/**
 * `drydock reboot -i INVENTORY [PATTERN]`: rolling OS-patch reboots through playbooks/os-patch-reboot.yaml —
 * per node drain, reboot, new boot id, Ready, uncordon; control planes one at a time, then workers
 * (--concurrency at a time); the first failure stops the run.
 *
 * Order of business: flags (window, time zone, selector) → inventory, playbook and every host's connection
 * settings (no host contacted) → the maintenance window (closed: say when it opens, exit 0) → with
 * --only-if-required, each host's /var/run/reboot-required over SSH (read-only) → the plan, confirmed →
 * the run, under the cluster lock, stopping new nodes when the window closes.
 */
import { patternPolicyOf } from '../../inventory/patterns.js';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { planPlaybook, type PlaybookPlan } from '../../engine/plan.js';
import { nodeNameFor } from '../../kube/node-names.js';
import { parseSelector } from '../../kube/label-selector.js';
import type { TaskModule } from '../../modules/types.js';
import { moduleRegistry, taskModules } from '../../modules/catalogue.js';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from '../../modules/kube/index.js';
import { loadPlaybook } from '../../playbook/load.js';
import { parseWindow, type MaintenanceWindow } from '../../policy/window.js';
import {
  closedWindowMessage,
  DEFAULT_REBOOT_TIMEOUT_S,
  hostsToReboot,
  orderCandidates,
  parseWholeSeconds,
  REBOOT_SENTINEL,
  rebootSummary,
  rebootVars,
  windowClosedStopMessage,
  windowVerdict,
  type RebootCandidate,
  type RebootFlags,
} from '../../reboot/plan.js';
import { readSentinels, type SentinelState } from '../../reboot/sentinel.js';
import type { RunPlanPorts } from '../../run/plan.js';
import type { Connection } from '../../transport/types.js';
import { EXIT, type Invocation } from '../exit.js';
import { MAINTENANCE_PLAY_DEFAULTS, type MaintenanceHooks } from '../maintenance.js';
import {
  addConnectionOptions,
  addNotifyOption,
  addTargetOptions,
  breakLockOption,
  logFileOption,
  htmlOption,
  parsePositiveInt,
  resumeOption,
  yesOption,
  type SharedOptions,
} from '../options.js';
import { hostPlanRequest, livePlanPorts } from '../run-setup.js';
import type { PlayOptions, PlayRunPlan, PlayStreams } from '../play-run.js';
import { withSession, type RunSession } from '../session.js';
import { createRunKube } from '../cluster-access.js';
import { KURED_DEFAULT_DAEMONSET, parseKuredDaemonSet, type KuredDaemonSet } from '../../lock/kured-lock.js';
import { KURED_LOCK_ANNOTATION } from '../../lock/kured-lock-value.js';

export const OS_PATCH_REBOOT_PLAYBOOK = fileURLToPath(new URL('../../../playbooks/os-patch-reboot.yaml', import.meta.url));

export interface RebootOptions extends SharedOptions {
  notify?: URL[];
  onlyIfRequired: boolean;
  concurrency: number;
  window?: string;
  timeZone?: string;
  blockingPodSelector?: string;
  drainTimeout: number;
  drainForce?: boolean;
  rebootTimeout: number;
  yes: boolean;
  breakLock: boolean;
  resume?: string;
  kubeconfig?: string;
  context?: string;
  /** Kured's DaemonSet `namespace/name` (undefined: kube-system/kured); false: --no-kured. */
  kured?: string | false;
}

const HELP_AFTER = `
Exit codes: 0 done, or nothing to do: outside the maintenance window (nothing starts and no host is
contacted; the message says when the window opens — 0 so that an hourly cron job stays quiet until it can
act), or no host has ${REBOOT_SENTINEL} with --only-if-required. 75 the window closed during the run
(the remaining nodes wait for the next window). 2 a node failed (the run stopped there; that node stays
cordoned). 4 a host unreachable (also when --only-if-required cannot read its sentinel; nothing is changed
then). 64 bad flags, or no terminal and no --yes. 130 interrupted (Ctrl-C).

Windows: "Mon-Fri 02:00-05:00", "sat-sun", "mon,wed,fri 22:00-04:00" (an overnight window belongs to the
day it starts on), "01:00-03:00" (every day). Times are in --time-zone (an IANA name; default UTC).
Blocking pods: a node running a pod that matches --blocking-pod-selector (and has not finished) is
postponed, as kured does: left alone, reported, not a failure.
Kured: while Kured holds its reboot lock (annotation ${KURED_LOCK_ANNOTATION} on its DaemonSet, --kured,
default ${KURED_DEFAULT_DAEMONSET.namespace}/${KURED_DEFAULT_DAEMONSET.name}) nothing is rebooted and the exit code is 1; otherwise drydock holds
that lock for the whole run and gives it back at the end, so Kured and drydock never reboot at once.`;

export function register(program: Command, { exit, commandLine }: Invocation): void {
  const command = program
    .command('reboot')
    .description('rolling OS-patch reboots: drain, reboot, wait for a new boot id and Ready, uncordon — one node at a time')
    .argument('[pattern]', 'only these hosts (an Ansible host pattern; default all control planes and workers)', 'all');
  addTargetOptions(command);
  addConnectionOptions(command);
  command
    .addOption(new Option('--only-if-required', `reboot only hosts where ${REBOOT_SENTINEL} exists`).default(false))
    .addOption(new Option('--concurrency <n>', 'workers rebooted at the same time (control planes: always one)').argParser(parsePositiveInt('--concurrency')).default(1))
    .addOption(new Option('--window <window>', 'maintenance window, e.g. "Mon-Fri 02:00-05:00" (default: always)'))
    .addOption(new Option('--time-zone <tz>', 'IANA time zone of --window (default UTC)'))
    .addOption(new Option('--blocking-pod-selector <selector>', 'postpone nodes running pods that match this label selector (e.g. app=batch)'))
    .addOption(new Option('--drain-timeout <seconds>', 'give up a drain after this long; 0 waits forever').argParser(wholeSeconds('--drain-timeout')).default(DEFAULT_DRAIN_TIMEOUT_SECONDS))
    .addOption(new Option('--drain-force', 'also delete pods that no controller manages (they are lost), as kubectl drain --force and kured do').default(false))
    .addOption(new Option('--reboot-timeout <seconds>', 'wait this long for a host to come back with a new boot id').argParser(wholeSeconds('--reboot-timeout')).default(DEFAULT_REBOOT_TIMEOUT_S))
    .addOption(new Option('--kured <namespace/name>', "Kured's DaemonSet, whose reboot lock is respected and held during the run").default(`${KURED_DEFAULT_DAEMONSET.namespace}/${KURED_DEFAULT_DAEMONSET.name}`))
    .addOption(new Option('--no-kured', 'the cluster runs no Kured: do not look for its lock'))
    .addOption(yesOption())
    .addOption(breakLockOption())
    .addOption(resumeOption())
    .addOption(new Option('--json', 'print the JSON report on stdout; progress goes to stderr').default(false))
    .addOption(logFileOption())
    .addOption(htmlOption())
    .addOption(new Option('--kubeconfig <file>', 'cluster access (default: KUBECONFIG, ~/.kube/config, then admin.conf from the first control plane)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use'))
    .addHelpText('after', HELP_AFTER);
  addNotifyOption(command);
  command.action(async (pattern: string, options: RebootOptions) => {
    exit(await rebootCommand(pattern, { ...options, commandLine }));
  });
}

function wholeSeconds(flag: string): (value: string) => number {
  return (value) => {
    try {
      return parseWholeSeconds(flag, value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** Everything the command touches, injectable so the unit tests run without hosts, clock or engine. */
export interface RebootDeps {
  now(): number;
  streams: PlayStreams;
  planPorts: RunPlanPorts;
  modules: ReadonlyMap<string, TaskModule>;
  /** Reads the sentinel on the hosts (read-only, over SSH, on the session's connections). */
  readSentinels(hosts: readonly string[], plan: PlaybookPlan, options: RebootOptions, session: RunSession): Promise<SentinelState[]>;
  /** Runs the planned playbook in the same session (the engine, the lock, the journal: cli/play-run.ts). */
  run(session: RunSession, run: PlayRunPlan, options: PlayOptions, hooks: MaintenanceHooks): Promise<number>;
}

export const liveRebootDeps = (): RebootDeps => ({
  now: () => Date.now(),
  streams: { stdout: process.stdout, stderr: process.stderr },
  planPorts: livePlanPorts,
  modules: taskModules(),
  readSentinels: liveSentinelReader,
  // Loaded when a run starts: a closed window or a plain refusal need not pay for the engine and the Kubernetes client.
  run: async (session, run, options, hooks) => (await import('../play-run.js')).runPlayPlan(session, run, options, { hooks }),
});

/** The flags, checked before anything is read: a bad window or selector never reaches a host. */
export function rebootFlags(options: RebootOptions): RebootFlags {
  if (options.timeZone !== undefined && options.window === undefined) {
    throw new UsageError('--time-zone is the time zone of --window; give --window too (e.g. --window "Mon-Fri 02:00-05:00")');
  }
  const window: MaintenanceWindow | undefined = options.window !== undefined ? parseWindow(options.window, options.timeZone ?? 'UTC') : undefined;
  const selector = options.blockingPodSelector?.trim();
  if (options.blockingPodSelector !== undefined) {
    if (!selector) throw new UsageError('--blocking-pod-selector needs a label selector such as app=batch (an empty one would match every pod)');
    try {
      parseSelector(selector);
    } catch (err) {
      throw new UsageError(`--blocking-pod-selector: ${(err as Error).message}`);
    }
  }
  return {
    onlyIfRequired: options.onlyIfRequired === true,
    concurrency: options.concurrency ?? 1,
    ...(window ? { window } : {}),
    ...(selector ? { blockingPodSelector: selector } : {}),
    ...(options.drainForce === true ? { drainForce: true } : {}),
    drainTimeoutS: options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT_SECONDS,
    rebootTimeoutS: options.rebootTimeout ?? DEFAULT_REBOOT_TIMEOUT_S,
  };
}

export async function rebootCommand(pattern: string, options: RebootOptions, deps: RebootDeps = liveRebootDeps()): Promise<number> {
  return withSession(deps.streams, (session) => reboot(session, pattern, options, deps), createRunKube);
}

/** --kured / --no-kured: the DaemonSet whose lock to respect, or undefined when there is no Kured. */
export function kuredDaemonSet(options: Pick<RebootOptions, 'kured'>): KuredDaemonSet | undefined {
  if (options.kured === false) return undefined;
  if (options.kured === undefined) return { ...KURED_DEFAULT_DAEMONSET };
  const parsed = parseKuredDaemonSet(options.kured);
  if (!parsed) throw new UsageError(`--kured "${options.kured}": expected Kured's DaemonSet as NAMESPACE/NAME, e.g. kube-system/kured (--no-kured when the cluster runs no Kured)`);
  return parsed;
}

async function reboot(session: RunSession, pattern: string, options: RebootOptions, deps: RebootDeps): Promise<number> {
  const flags = rebootFlags(options);
  const kured = kuredDaemonSet(options);
  const human = options.json ? deps.streams.stderr : deps.streams.stdout;
  const extraVars = { ...(options.extraVars ?? {}), ...rebootVars(flags) };

  const playbook = await loadPlaybook(OS_PATCH_REBOOT_PLAYBOOK, { moduleRegistry: moduleRegistry() });
  const plan = await planPlaybook(playbook, deps.modules, { ...hostPlanRequest(options), extraVars }, deps.planPorts);
  const inPattern = new Set(deps.planPorts.resolvePattern(plan.inventory, pattern, patternPolicyOf(plan.inventory)));
  const candidates = orderCandidates(
    [plan.playHosts[0] ?? [], plan.playHosts[1] ?? []],
    (host) => inPattern.has(host),
    (host) => nodeNameFor(deps.planPorts.hostVars(plan.inventory, host, extraVars), host),
  );
  if (candidates.length === 0) {
    throw new UsageError(
      `"${pattern}"${options.limit !== undefined ? ` with --limit ${options.limit}` : ''} names no control plane or worker of the inventory (groups control_plane or kube_control_plane, workers or kube_node)`,
    );
  }

  const now = deps.now();
  const verdict = windowVerdict(flags.window, now);
  if (!verdict.open) {
    human.write(`${closedWindowMessage(flags.window!, verdict.opens, now)}\n`);
    if (options.json) deps.streams.stdout.write(`${JSON.stringify({ started: false, reason: 'outside-window', window: flags.window!.text, timeZone: flags.window!.timeZone, opensAt: new Date(verdict.opens).toISOString() })}\n`);
    return EXIT.OK;
  }

  if (flags.onlyIfRequired) {
    const states = await deps.readSentinels(candidates.map((c) => c.host), plan, options, session);
    const failures = states.filter((s): s is Extract<SentinelState, { error: string }> => 'error' in s);
    if (failures.length > 0) {
      human.write(`cannot tell whether these hosts need a reboot, so nothing was started:\n${failures.map((f) => `  ${f.host}: ${f.error}`).join('\n')}\n`);
      human.write(`leave them out with --limit '!${failures.map((f) => f.host).join(':!')}' to reboot the others\n`);
      return EXIT.UNREACHABLE_HOSTS;
    }
    const present = new Map(states.map((s) => [s.host, 'present' in s && s.present]));
    for (const candidate of candidates) candidate.sentinel = present.get(candidate.host) === true;
  }
  const chosen: RebootCandidate[] = hostsToReboot(candidates, flags.onlyIfRequired);
  if (chosen.length === 0) {
    human.write(`no host has ${REBOOT_SENTINEL} (checked ${candidates.map((c) => c.host).join(', ')}): nothing to reboot\n`);
    if (options.json) deps.streams.stdout.write(`${JSON.stringify({ started: false, reason: 'no-reboot-required', checked: candidates.map((c) => c.host) })}\n`);
    return EXIT.OK;
  }

  const hooks: MaintenanceHooks = {
    lock: { breakLock: options.breakLock === true },
    ...(kured ? { kured } : {}),
    confirm: { summary: rebootSummary({ candidates, flags, verdict, now }), yes: options.yes === true },
    ...(flags.window && verdict.closes !== undefined ? { stopAt: { at: verdict.closes, message: windowClosedStopMessage(flags.window, verdict.closes) } } : {}),
  };
  return deps.run(session, { playbook, plan: onlyHosts(plan, chosen.map((c) => c.host)) }, playOptions(options, extraVars), hooks);
}

/** The plan narrowed to exactly the hosts the user confirmed (each play keeps its own order). */
export function onlyHosts(plan: PlaybookPlan, hosts: readonly string[]): PlaybookPlan {
  const keep = new Set(hosts);
  return { ...plan, playHosts: plan.playHosts.map((playHosts) => playHosts.filter((h) => keep.has(h))) };
}

/** The run's options: the reboot flags as variables, the maintenance defaults. */
export function playOptions(options: RebootOptions, extraVars: PlayOptions['extraVars']): PlayOptions {
  return {
    ...options,
    ...MAINTENANCE_PLAY_DEFAULTS,
    extraVars,
    yes: options.yes === true,
    breakLock: options.breakLock === true,
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
  };
}

/** Over SSH on the session's pool: the run that follows reuses these connections. */
async function liveSentinelReader(hosts: readonly string[], plan: PlaybookPlan, options: RebootOptions, session: RunSession): Promise<SentinelState[]> {
  const connect = (host: string): Promise<Connection> => session.pool.connect(plan.resolveSpec(host));
  return readSentinels(hosts, connect, options.forks);
}
