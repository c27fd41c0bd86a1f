/**
 * The lab's host commands (`up`, `down`, `status`, `ssh`, `fault`), added to the `drydock lab` command by
 * its owner. Printing and exit codes happen here only; the work is in up.ts and ops.ts.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { HostReadiness } from './readiness.js';
import { labUp } from './up.js';
import { FAULT_ACTIONS, labDown, labFault, labSsh, labStatus, type LabStatus } from './ops.js';
import { DEFAULT_CACHE_DIR, DEFAULT_STATE_DIR } from './layout.js';
import { KUBE_RELEASES, DEFAULT_KUBE_VERSION, parseKubeVersion } from './kube/versions.js';
import { DEFAULT_CERT_DAYS } from './kube/settings.js';
import { kubeStatus } from './kube/status.js';

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** `--kube-version`: only the real releases the lab's repository carries; anything else is refused by name. */
export function kubeVersionOption(value: string): string {
  const bare = value.trim().replace(/^v/, '');
  if (!KUBE_RELEASES.includes(bare)) throw new InvalidArgumentError(`the lab runs only the real Kubernetes releases ${KUBE_RELEASES.join(', ')}`);
  return parseKubeVersion(bare).version;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function describeReady(host: HostReadiness): string {
  const failed = host.failedUnits.length ? ` — failed units: ${host.failedUnits.join(', ')}` : '';
  return `  ${host.name.padEnd(10)} ${host.address.padEnd(15)} ${host.systemState}${failed}`;
}

export function formatStatus(status: LabStatus): string {
  if (!status.exists) return `no lab in ${status.stateDir}`;
  const lines = [
    `lab in ${status.stateDir}: ${status.running ? `up (supervisor pid ${status.supervisorPid})` : 'down'}, subnet ${status.subnet}`,
  ];
  for (const h of status.hosts) {
    const extra = h.state === 'running' || h.state === 'partitioned' ? `  pid ${h.initPid}  boot ${h.boots}` : '';
    lines.push(`  ${h.name.padEnd(10)} ${h.role.padEnd(13)} ${h.address.padEnd(15)} ${h.state}${extra}`);
  }
  lines.push(`inventory:   ${status.inventory}`, `known_hosts: ${status.knownHosts}`, `client key:  ${status.clientKey}`);
  return lines.join('\n');
}

export function registerLabHostCommands(lab: Command): void {
  const stateDirOption = ['--state-dir <dir>', `the lab's state folder (default ${DEFAULT_STATE_DIR})`] as const;

  lab
    .command('up')
    .description('boot the lab: Debian hosts in namespaces, each with systemd and sshd')
    .option('--control-planes <n>', 'control-plane hosts cp1..cpN (default 1)', count)
    .option('--workers <n>', 'worker hosts worker1..workerN (default 2)', count)
    .option(...stateDirOption)
    .option('--cache-dir <dir>', `where the Debian root is built once (default ${DEFAULT_CACHE_DIR})`)
    .option('--mirror <url>', "Debian mirror for the first build (default: from this machine's apt sources)")
    .option('--kube-version <version>', `real Kubernetes release the cluster starts at: ${KUBE_RELEASES.join(', ')} (default ${DEFAULT_KUBE_VERSION})`, kubeVersionOption)
    .option('--cert-days <n>', `validity of the certificates kubeadm issues, in days (default ${DEFAULT_CERT_DAYS})`, count)
    .action(async (opts: { controlPlanes?: number; workers?: number; stateDir?: string; cacheDir?: string; mirror?: string; kubeVersion?: string; certDays?: number }) => {
      const result = await labUp({ ...opts, out: print });
      if (result.alreadyRunning) return;
      print(`lab up in ${result.bootSeconds.toFixed(1)}s${result.rootfsBuilt ? ` (+${result.rootfsSeconds.toFixed(1)}s building the Debian root)` : ''}:`);
      for (const host of result.hosts) print(describeReady(host));
      print(`inventory: ${result.record.paths.inventory}`);
      if (result.record.kube) {
        print(`kubeconfig: ${result.record.kube.kubeconfig} (Kubernetes ${result.record.kube.version}, API ${result.record.kube.apiServerUrl})`);
      }
    });

  lab
    .command('down')
    .description('stop every host and remove its namespaces, mounts, links and processes')
    .option(...stateDirOption)
    .option('--purge', "also delete the state folder (the hosts' disks)")
    .action(async (opts: { stateDir?: string; purge?: boolean }) => {
      const result = await labDown({ ...opts, out: print });
      const t = result.teardown;
      const leftovers = t.killedProcesses + t.unmounted.length;
      print(
        `lab in ${result.stateDir} is down${result.wasRunning ? '' : ' (it was not running)'}` +
          (leftovers ? `; cleaned up ${t.killedProcesses} stray processes and ${t.unmounted.length} mounts` : '') +
          (result.purged ? '; state folder deleted' : ''),
      );
    });

  lab
    .command('status')
    .description('the lab\'s hosts, their state and addresses')
    .option(...stateDirOption)
    .option('--json', 'machine-readable output')
    .action(async (opts: { stateDir?: string; json?: boolean }) => {
      const status = { ...(await labStatus(opts)), ...kubeStatus(opts.stateDir) };
      print(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      if (!opts.json && status.kubeconfig) print(`kubeconfig:  ${status.kubeconfig}`);
    });

  lab
    .command('ssh')
    .description("ssh into a lab host with the lab's key and known_hosts (strict host key checking)")
    .argument('<host>', 'host name, e.g. cp1')
    .argument('[command...]', 'command to run instead of a shell (after --)')
    .option(...stateDirOption)
    .action(async (host: string, command: string[], opts: { stateDir?: string }) => {
      process.exitCode = await labSsh({ stateDir: opts.stateDir, host, command });
    });

  lab
    .command('fault')
    .description('inject a fault: down (halt, no reboot) | up (boot) | partition (cut its link) | heal | ' +
      'hang-kubelet (stops reporting Ready) | heal-kubelet | slow-apt (apt repository stalls its requests) | fast-apt')
    .argument('<host>', 'host name, e.g. worker2')
    .argument('<action>', FAULT_ACTIONS.join(' | '))
    .option(...stateDirOption)
    .action(async (host: string, action: string, opts: { stateDir?: string }) => {
      const ready = await labFault({ stateDir: opts.stateDir, host, action });
      print(ready ? `${host}: up\n${describeReady(ready)}` : `${host}: ${action} done`);
    });
}
