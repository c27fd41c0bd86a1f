/**
 * `drydock certs check [PATTERN] -i INVENTORY`: the expiry of every kubeadm certificate on the control planes
 * (the pki folder's *.crt, etcd's included, the client certificates embedded in admin.conf, super-admin.conf,
 * controller-manager.conf and scheduler.conf, and the kubelet's client certificate), in one table.
 *
 * Exit codes: 0 all certificates have more than --warn-days left; 2 one is under it or expired (or a host or
 * file could not be read); 4 a host was unreachable (wins); 1 bad input, before any host is contacted.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { checkCertificates, certsExitCode, type CertsCheckOutcome } from '../../certs/check.js';
import { DEFAULT_LOCATIONS, type CertificateLocations } from '../../certs/remote.js';
import { renderJsonLines, renderTable } from '../../certs/render.js';
import { controlPlaneHosts } from '../../certs/targets.js';
import type { TextOutput } from '../../events/tty.js';
import { EventBus } from '../../events/events.js';
import { planRun, type RunPlanPorts } from '../../run/plan.js';
import { addConnectionOptions, addTargetOptions, connectionOverrides, requireInventory, type SharedOptions } from '../options.js';
import { livePlanPorts, livePool } from '../run-setup.js';

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

export function register(program: Command): void {
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
    process.exitCode = await certsCheckCommand(pattern, options);
  });
}

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
  const plan = await planRun(
    {
      pattern: pattern ?? 'control planes',
      inventory: requireInventory(options),
      limit: options.limit,
      extraVars: options.extraVars ?? {},
      forks: options.forks,
      sshConfigFile: options.sshConfig,
      cli: connectionOverrides(options),
    },
    ports,
  );
  const warn = (message: string) => streams.stderr.write(`drydock: warning: ${message}\n`);
  plan.warnings.forEach(warn);
  if (plan.targets.length === 0) return 0;

  const locations: CertificateLocations = { pkiDir: options.pkiDir, kubeconfigDir: options.kubeconfigDir, kubeletCert: options.kubeletCert };
  const bus = new EventBus();
  bus.on((event) => event.type === 'warning' && warn(event.message));
  const abort = new AbortController();
  const pool = livePool(bus, abort.signal);
  let outcome: CertsCheckOutcome;
  try {
    outcome = await checkCertificates(
      {
        targets: plan.targets,
        forks: options.forks,
        locations,
        warnDays: options.warnDays,
        ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
        now: () => new Date(),
      },
      { connect: (spec) => pool.connect(spec), release: (name) => pool.release(name) },
    );
  } finally {
    await pool.closeAll();
  }
  writeOutcome(outcome, options, streams);
  return certsExitCode(outcome);
}

function writeOutcome(outcome: CertsCheckOutcome, options: CertsCheckOptions, streams: CertsStreams): void {
  const err = (line: string) => streams.stderr.write(`${line}\n`);
  for (const f of outcome.failures) err(`drydock: ${f.host}: ${f.status === 'unreachable' ? 'UNREACHABLE' : 'FAILED'}: ${f.error}`);
  for (const p of outcome.problems) err(`drydock: ${p}`);
  for (const h of outcome.emptyHosts) err(`drydock: warning: ${h}: no certificates found under ${options.pkiDir}, ${options.kubeconfigDir} or ${options.kubeletCert}`);
  if (options.json) {
    streams.stdout.write(renderJsonLines(outcome.rows, outcome.failures));
    return;
  }
  if (outcome.rows.length > 0) streams.stdout.write(renderTable(outcome.rows));
  const flagged = outcome.rows.filter((r) => r.status !== 'ok');
  if (flagged.length > 0) {
    const what = flagged.length === 1 ? '1 certificate is expired or has' : `${flagged.length} certificates are expired or have`;
    err(`drydock: ${what} fewer than ${options.warnDays} days left: renew with "kubeadm certs renew" on the host, then restart its static pods`);
  }
}
