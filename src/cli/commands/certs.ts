/**
 * `drydock certs check [PATTERN] -i INVENTORY`: the expiry of every kubeadm certificate on the control planes
 * (the pki folder's *.crt, etcd's included, the client certificates embedded in admin.conf, super-admin.conf,
 * controller-manager.conf and scheduler.conf, and the kubelet's client certificate), in one table.
 *
 * Exit codes: 0 all certificates have more than --warn-days left; 2 one is under it or expired (or a host or
 * file could not be read); 4 a host was unreachable (wins); 1 bad input, before any host is contacted.
 *
 * `drydock certs renew [PATTERN] -i INVENTORY`: reads the expiries as `check` does, shows the plan with them
 * and asks (--yes skips; without a terminal --yes is required, exit 64), then runs playbooks/renew-certs.yaml
 * on exactly those control planes, one at a time, under the cluster lock, and prints the expiries after it.
 * Exit code: the run's (0, 2 failed, 4 unreachable, 130 interrupted); the check's when a control plane
 * cannot be read beforehand (nothing is changed then). After the run, the kubeconfig drydock used gets the
 * renewed admin.conf credentials when it is a copy of admin.conf, and the copies still holding a replaced
 * admin certificate are named (cli/certs-kubeconfig.ts). --check runs the playbook in check mode: no lock,
 * no question, nothing changed or written; it says what it would do.
 */
import { patternPolicyOf } from '../../inventory/patterns.js';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkCertificates, certsExitCode, type CertsCheckOutcome } from '../../certs/check.js';
import { DEFAULT_LOCATIONS, type CertificateLocations } from '../../pki/remote.js';
import { writeOutcome } from '../certs-output.js';
import { renewSummary } from '../../certs/renew-plan.js';
import { controlPlaneHosts } from '../../certs/targets.js';
import { UsageError } from '../../errors.js';
import type { TextOutput } from '../../events/tty.js';
import type { FanoutTarget } from '../../run/fanout.js';
import type { ConnectionSpec } from '../../transport/types.js';
import { planRun, type RunPlanPorts } from '../../run/plan.js';
import { NO_CONFIRMATION_MESSAGE } from '../confirm.js';
import { EXIT, type Invocation } from '../exit.js';
import {
  addConnectionOptions, addNotifyOption, addTargetOptions, breakLockOption, connectionOverrides, htmlOption, logFileOption, requireInventory, resumeOption, yesOption, type SharedOptions,
} from '../options.js';
import { hostPlanRequest, livePlanPorts } from '../run-setup.js';
import { runPlayPlan, type PlayOptions, type PlayRunPlan } from '../play-run.js';
import { withSession, type RunSession } from '../session.js';
import { planPlaybook } from '../../engine/plan.js';
import { moduleRegistry, taskModules } from '../../modules/catalogue.js';
import { loadPlaybook } from '../../playbook/load.js';
import { MAINTENANCE_PLAY_DEFAULTS, type MaintenanceHooks } from '../maintenance.js';
import { createRunKube } from '../cluster-access.js';
import { checkCopyFlags, refreshAfterRenew, type AfterRenewRequest } from '../certs-kubeconfig.js';

export const DEFAULT_WARN_DAYS = 30;

export interface CertsCheckOptions extends Omit<SharedOptions, 'logFile'> {
  warnDays: number;
  pkiDir: string;
  kubeconfigDir: string;
  kubeletCert: string;
}

function parseDays(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`--warn-days takes a whole number of days, not "${value}"`);
  return Number(value);
}

export function register(program: Command, { exit, commandLine }: Invocation): void {
  const certs = program.command('certs').description('kubeadm certificates on the control planes');
  const check = certs
    .command('check')
    .description('list every kubeadm certificate of the control planes with its expiry; exit 2 if one is close to it')
    .argument('[pattern]', 'hosts to check (default: the control_plane, kube_control_plane and kube-master groups)');
  addTargetOptions(check);
  addConnectionOptions(check);
  check
    .addOption(new Option('--warn-days <days>', 'mark certificates with fewer days left than this').argParser(parseDays).default(DEFAULT_WARN_DAYS))
    .addOption(new Option('--pki-dir <dir>', 'certificate folder on the hosts').default(DEFAULT_LOCATIONS.pkiDir))
    .addOption(new Option('--kubeconfig-dir <dir>', 'folder of admin.conf and the other kubeconfigs on the hosts').default(DEFAULT_LOCATIONS.kubeconfigDir))
    .addOption(new Option('--kubelet-cert <file>', "the kubelet's client certificate on the hosts").default(DEFAULT_LOCATIONS.kubeletCert))
    .addOption(new Option('--json', 'one JSON object per certificate (and per host that could not be checked) on stdout').default(false));
  check.action(async (pattern: string | undefined, options: CertsCheckOptions) => {
    exit(await certsCheckCommand(pattern, options));
  });

  const renew = certs
    .command('renew')
    .description('renew the kubeadm certificates and restart the static pods, one control plane at a time (asks first)')
    .argument('[pattern]', 'control planes to renew (default: all of the control_plane, kube_control_plane and kube-master groups)');
  addTargetOptions(renew);
  addConnectionOptions(renew);
  renew
    .addOption(yesOption())
    .addOption(new Option('--warn-days <days>', 'mark certificates with fewer days left than this in the tables').argParser(parseDays).default(DEFAULT_WARN_DAYS))
    .addOption(new Option('--kubeconfig <file>', 'cluster access (default: KUBECONFIG, ~/.kube/config, then admin.conf from the first control plane)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use'))
    .addOption(new Option('-C, --check', 'check mode: show what the renewal would do; nothing changes').default(false))
    .addOption(new Option('--kubeconfig-copy <file>', 'another kubeconfig to check for copies of the old admin.conf certificate (repeatable)').argParser(collect).default([]))
    .addOption(new Option('--no-refresh-kubeconfig', 'leave the kubeconfig drydock used as it is, even when it is a copy of admin.conf'))
    .addOption(new Option('--json', 'the certificates after the renewal as JSON lines on stdout (as certs check --json); progress on stderr').default(false))
    .addOption(logFileOption())
    .addOption(htmlOption())
    .addOption(breakLockOption())
    .addOption(resumeOption());
  addNotifyOption(renew);
  renew.action(async (pattern: string | undefined, options: CertsRenewOptions) => {
    exit(await certsRenewCommand(pattern, { ...options, commandLine }));
  });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface CertsStreams {
  stdout: TextOutput;
  stderr: TextOutput;
}

export async function certsCheckCommand(
  pattern: string | undefined,
  options: CertsCheckOptions,
  streams: CertsStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
): Promise<number> {
  const ports: RunPlanPorts = pattern === undefined ? { ...planPorts, resolvePattern: (inventory) => controlPlaneHosts(inventory) } : planPorts;
  const targets = await planTargets(pattern, options, streams, ports);
  if (targets.length === 0) return 0;
  const outcome = await withSession(streams, (session) => readCertificates(targets, options, session, { release: true }));
  writeOutcome(outcome, options, streams);
  return certsExitCode(outcome);
}

const warnTo = (streams: CertsStreams) => (message: string) => streams.stderr.write(`drydock: warning: ${message}\n`);

async function planTargets(pattern: string | undefined, options: Omit<SharedOptions, 'logFile'>, streams: CertsStreams, ports: RunPlanPorts): Promise<FanoutTarget[]> {
  const plan = await planRun(
    {
      pattern: pattern ?? 'control planes',
      inventory: requireInventory(options),
      limit: options.limit,
      allowUnmatched: options.allowUnmatched === true,
      extraVars: options.extraVars ?? {},
      forks: options.forks,
      sshConfigFile: options.sshConfig,
      cli: connectionOverrides(options),
    },
    ports,
  );
  plan.warnings.forEach(warnTo(streams));
  return plan.targets;
}

/**
 * Every target's certificates, `forks` hosts at a time, on the session's connections. `release` closes each
 * host's connection once read (certs check); renew keeps them for the run and the read after it.
 */
async function readCertificates(
  targets: FanoutTarget[],
  options: Omit<SharedOptions, 'logFile'> & { warnDays: number } & CertificateLocations,
  session: RunSession,
  { release }: { release: boolean },
): Promise<CertsCheckOutcome> {
  const locations: CertificateLocations = { pkiDir: options.pkiDir, kubeconfigDir: options.kubeconfigDir, kubeletCert: options.kubeletCert };
  return checkCertificates(
    {
      targets,
      forks: options.forks,
      locations,
      warnDays: options.warnDays,
      ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
      now: () => new Date(),
    },
    { connect: (spec) => session.pool.connect(spec), release: (name) => (release ? session.pool.release(name) : Promise.resolve()) },
  );
}

export interface CertsRenewOptions extends SharedOptions {
  warnDays: number;
  yes: boolean;
  kubeconfig?: string;
  context?: string;
  breakLock: boolean;
  resume?: string;
  check?: boolean;
  kubeconfigCopy?: string[];
  /** false with --no-refresh-kubeconfig. */
  refreshKubeconfig?: boolean;
  notify?: URL[];
}

/** The shipped playbook, found from this file whether it runs from src/ or from the compiled dist/. */
export const RENEW_PLAYBOOK = fileURLToPath(new URL('../../../playbooks/renew-certs.yaml', import.meta.url));

export interface RenewSeams {
  planPorts: RunPlanPorts;
  /** Whether someone can answer the question: stdin and the stream the question goes to are terminals. */
  interactive(json: boolean): boolean;
  /** Runs the planned renewal in the command's session (cli/play-run.ts). */
  run(session: RunSession, run: PlayRunPlan, options: PlayOptions, hooks: MaintenanceHooks): Promise<number>;
  /** Where the control planes keep their certificates (tests point it at a temporary folder). */
  locations?: CertificateLocations;
  /** The admin.conf copies on this machine after the run (cli/certs-kubeconfig.ts). */
  afterRenew(request: AfterRenewRequest, streams: { human: TextOutput; stderr: TextOutput }): Promise<unknown>;
}

const liveRenewSeams = (): RenewSeams => ({
  planPorts: livePlanPorts,
  interactive: (json) => process.stdin.isTTY === true && (json ? process.stderr : process.stdout).isTTY === true,
  run: (session, run, options, hooks) => runPlayPlan(session, run, options, { hooks }),
  afterRenew: refreshAfterRenew,
});

export async function certsRenewCommand(
  pattern: string | undefined,
  options: CertsRenewOptions,
  streams: CertsStreams = { stdout: process.stdout, stderr: process.stderr },
  seams: RenewSeams = liveRenewSeams(),
): Promise<number> {
  // Nobody can answer: refuse before contacting any host.
  const check = options.check === true;
  if (!check && !options.yes && !seams.interactive(options.json)) throw new UsageError(NO_CONFIRMATION_MESSAGE);
  checkCopyFlags(options.kubeconfigCopy ?? []);
  const locations = seams.locations ?? DEFAULT_LOCATIONS;
  const ports: RunPlanPorts = {
    ...seams.planPorts,
    resolvePattern: (inventory, given) => {
      const controlPlanes = controlPlaneHosts(inventory);
      if (pattern === undefined) return controlPlanes;
      const named = new Set(seams.planPorts.resolvePattern(inventory, given, patternPolicyOf(inventory)));
      return controlPlanes.filter((h) => named.has(h));
    },
  };
  const targets = await planTargets(pattern, options, streams, ports);
  if (targets.length === 0) throw new UsageError(`no control plane matches "${pattern ?? ''}"${options.limit ? ` with --limit ${options.limit}` : ''}: nothing to renew`);
  const readOptions = { ...options, ...locations };
  const human = options.json ? streams.stderr : streams.stdout;
  // One session for the reads before, the run and the read after: one SSH connection per control plane.
  return withSession({ stdout: human, stderr: streams.stderr }, async (session) => {
    const before = await readCertificates(targets, readOptions, session, { release: false });
    if (before.failures.length > 0) {
      writeOutcome(before, { ...readOptions, json: false }, { stdout: human, stderr: streams.stderr });
      streams.stderr.write('drydock: not renewing: every control plane must be readable first (nothing was changed)\n');
      return certsExitCode(before);
    }
    const hosts = targets.map((t) => t.name);
    const summary = renewSummary({ hosts, rows: before.rows, warnDays: options.warnDays, kubeletCert: locations.kubeletCert, refreshKubeconfig: options.refreshKubeconfig !== false });
    const runOptions = playOptions(options, hosts);
    const playbook = await loadPlaybook(RENEW_PLAYBOOK, { moduleRegistry: moduleRegistry() });
    const plan = await planPlaybook(playbook, taskModules(), hostPlanRequest(runOptions), seams.planPorts);
    if (check) human.write(summary);
    const hooks: MaintenanceHooks = check ? {} : { lock: { breakLock: options.breakLock }, confirm: { summary, yes: options.yes } };
    const code = await seams.run(session, { playbook, plan }, runOptions, hooks);
    // 1: the question was answered no (or the input was wrong); nothing ran, so there is nothing new to show.
    if (code === EXIT.ERROR) return code;
    const after = await readCertificates(targets, readOptions, session, { release: false });
    human.write('\ncertificates after the run:\n');
    writeOutcome(after, readOptions, streams, 'renew');
    const kube = session.kube({ ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}), ...(options.context !== undefined ? { context: options.context } : {}), inventory: plan.inventory, specFor: plan.resolveSpec });
    const adminConfPath = `${locations.kubeconfigDir.replace(/\/+$/, '')}/admin.conf`;
    const connect = (spec: ConnectionSpec) => session.pool.connect(spec);
    const refresh = { flags: options, kube, specFor: plan.resolveSpec, connect, hosts, before: before.rows, after: after.rows, adminConfPath };
    await seams.afterRenew(refresh, { human, stderr: streams.stderr });
    return code;
  }, createRunKube);
}

/** The run `certs renew` plans and runs: exactly the hosts shown in the summary (as its --limit), nothing optional. */
export function playOptions(options: CertsRenewOptions, hosts: readonly string[]): PlayOptions {
  return {
    inventory: options.inventory,
    limit: hosts.join(','),
    forks: options.forks,
    extraVars: options.extraVars ?? {},
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    ...(options.sshConfig !== undefined ? { sshConfig: options.sshConfig } : {}),
    ...(options.hostKeyChecking !== undefined ? { hostKeyChecking: options.hostKeyChecking } : {}),
    ...(options.knownHosts !== undefined ? { knownHosts: options.knownHosts } : {}),
    become: options.become,
    ...(options.becomePassword !== undefined ? { becomePassword: options.becomePassword } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    // --json here means the certificates on stdout; the play's progress goes to stderr as text.
    json: false,
    ...(options.logFile !== undefined ? { logFile: options.logFile } : {}),
    ...(options.html !== undefined ? { html: options.html } : {}),
    ...MAINTENANCE_PLAY_DEFAULTS,
    check: options.check === true,
    yes: options.yes,
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    breakLock: options.breakLock,
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
    ...(options.commandLine !== undefined ? { commandLine: options.commandLine } : {}),
    ...(options.notify !== undefined ? { notify: options.notify } : {}),
  };
}
