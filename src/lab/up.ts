/**
 * `lab up`: from the cached Debian root to a running, reachable lab. Prepares every host (upper layer,
 * provisioners, network) here, where errors reach the admin directly, then hands the hosts to a detached
 * supervisor and waits until each host's sshd accepts and its systemd has started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxLoaderArgs } from '../util/tsx-loader.js';
import { ConfigError, UsageError } from '../errors.js';
import { overlaySafe } from './boot.js';
import { ensureCgroup, machineCgroup2Root } from './cgroup.js';
import { renderInventory } from './inventory.js';
import {
  DEFAULT_CACHE_DIR, DEFAULT_STATE_DIR, MAX_HOSTS, hostNames, hostPaths, labIdFor, labNames, labPaths, planHosts,
} from './layout.js';
import { createBridge, createHostNetwork, machineNetworks } from './network.js';
import { assertLabSupported } from './platform.js';
import { applyProvisioners, defaultProvisioners } from './provision.js';
import { collectKnownHosts, hostsReachEachOther, waitForHostReady, waitForInit, type HostReadiness } from './readiness.js';
import { ensureRootfs } from './rootfs.js';
import { ensureClientKey } from './sshcmd.js';
import { readLabRecord, writeLabRecord, type HostRecord, type LabRecord } from './state.js';
import { bridgeAddress, chooseSubnet, hostAddress, overlaps, parseCidr } from './subnet.js';
import { processExists, spawnDetached } from './sys.js';
import { isSupervisorProcess, teardownLab } from './teardown.js';
import { ensureCluster, prepareKube, startKubeServices } from './kube/index.js';
import { parseKubeVersion } from './kube/versions.js';
import { checkPreviousRelease } from './kube/settings.js';
import { IGNORED_PREFLIGHT_ERRORS } from './kube/kubeadm-config.js';

export interface UpOptions {
  stateDir?: string;
  cacheDir?: string;
  mirror?: string;
  controlPlanes?: number;
  workers?: number;
  readyTimeoutMs?: number;
  /** Starting Kubernetes release, one of the real releases (default the oldest); kept by later `up`s. */
  kubeVersion?: string;
  /** Validity in days of the certificates kubeadm issues when the cluster is made (default 365). */
  certDays?: number;
  out: (line: string) => void;
}

export interface UpResult {
  record: LabRecord;
  alreadyRunning: boolean;
  rootfsBuilt: boolean;
  rootfsSeconds: number;
  bootSeconds: number;
  hosts: HostReadiness[];
}

export function resolveStateDir(stateDir: string | undefined): string {
  return resolve(stateDir ?? DEFAULT_STATE_DIR);
}

function checkCount(label: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_HOSTS) throw new UsageError(`${label} must be a whole number from 0 to ${MAX_HOSTS}, got ${value}`);
}

export async function labUp(options: UpOptions): Promise<UpResult> {
  assertLabSupported();
  const stateDir = resolveStateDir(options.stateDir);
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_CACHE_DIR);
  const id = labIdFor(stateDir);
  const paths = labPaths(stateDir, id);
  const existing = readLabRecord(paths.labJson);
  if (existing && isSupervisorProcess(existing.supervisorPid, paths.labJson)) {
    options.out(`the lab in ${stateDir} is already up (supervisor pid ${existing.supervisorPid}); nothing to do`);
    return { record: existing, alreadyRunning: true, rootfsBuilt: false, rootfsSeconds: 0, bootSeconds: 0, hosts: [] };
  }
  const existingCps = existing?.hosts.filter((h) => h.role === 'control_plane').length;
  const existingWorkers = existing?.hosts.filter((h) => h.role === 'worker').length;
  const controlPlanes = options.controlPlanes ?? existingCps ?? 1;
  const workers = options.workers ?? existingWorkers ?? 2;
  checkCount('--control-planes', controlPlanes);
  checkCount('--workers', workers);
  if (controlPlanes + workers === 0) throw new UsageError('a lab needs at least one host');
  if (controlPlanes + workers > MAX_HOSTS) throw new UsageError(`a lab holds at most ${MAX_HOSTS} hosts`);
  if (existing && (existingCps !== controlPlanes || existingWorkers !== workers)) {
    throw new UsageError(
      `${stateDir} holds a lab of ${existingCps} control planes and ${existingWorkers} workers; ` +
        `run "drydock lab down --purge --state-dir ${stateDir}" first to make a different one`,
    );
  }
  // Before anything is built or torn down: only the real releases run.
  if (options.kubeVersion !== undefined) parseKubeVersion(options.kubeVersion);
  checkPreviousRelease(stateDir, existing?.kube);
  for (const dir of [stateDir, cacheDir]) {
    if (!overlaySafe(dir)) throw new ConfigError(`${dir}: the lab's folders cannot contain commas, colons, backslashes or spaces (overlayfs options)`);
  }

  // Leftovers of a crashed lab in this state folder would collide with the new one.
  await teardownLab(stateDir, id, existing);

  const rootfs = await ensureRootfs({ cacheDir, mirror: options.mirror, log: options.out });
  if (rootfs.built) options.out(`built the Debian root in ${rootfs.seconds.toFixed(1)}s (${rootfs.dir})`);
  const bootStarted = Date.now();

  await mkdir(paths.hostsDir, { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  await ensureClientKey(paths.clientKey);
  const clientKeyPub = await readFile(paths.clientKeyPub, 'utf8');

  const used = await machineNetworks();
  const kept = existing ? parseCidr(existing.subnet) : null;
  const subnet = kept && !used.some((u) => overlaps(u, kept))
    ? { base: existing!.subnet.replace(/\.0\/24$/, ''), cidr: existing!.subnet }
    : chooseSubnet(used, parseInt(id.slice(0, 2), 16));
  if (!subnet) throw new ConfigError('no free /24 in 10.213.0.0/16 for the lab; remove unused labs or interfaces');

  const names = labNames(id);
  const kube = await prepareKube({
    stateDir, cacheDir, bridgeAddress: bridgeAddress(subnet.base),
    version: options.kubeVersion, certDays: options.certDays, previous: existing?.kube, log: options.out,
  });
  const labCgroup = join(machineCgroup2Root(), names.cgroup);
  await ensureCgroup(labCgroup);
  const hosts: HostRecord[] = planHosts(controlPlanes, workers).map((plan) => {
    const net = hostNames(id, plan);
    const before = existing?.hosts.find((h) => h.name === plan.name);
    return {
      name: plan.name, role: plan.role, index: plan.index,
      address: hostAddress(subnet.base, plan.index),
      netns: net.netns, vethOuter: net.vethOuter,
      cgroup: join(labCgroup, plan.name),
      paths: hostPaths(paths, plan.name),
      provision: defaultProvisioners(plan.role),
      state: 'down', initPid: null, unsharePid: null, bootId: null,
      boots: before?.boots ?? 0, lastExit: before?.lastExit ?? null, heldDown: false,
    };
  });
  const record: LabRecord = {
    version: 1, id, createdAt: existing?.createdAt ?? new Date().toISOString(),
    rootfs: rootfs.dir, subnet: subnet.cidr, bridge: names.bridge, bridgeAddress: bridgeAddress(subnet.base),
    cgroup: labCgroup, supervisorPid: null, paths, hosts, kube, kubeServicesPid: null,
  };

  try {
    for (const host of hosts) {
      await mkdir(host.paths.upper, { recursive: true });
      await mkdir(host.paths.work, { recursive: true });
      await mkdir(host.paths.merged, { recursive: true });
      await applyProvisioners(host.provision, {
        host, lowerDir: rootfs.dir, upperDir: host.paths.upper,
        lab: { hosts: hosts.map((h) => ({ name: h.name, address: h.address, role: h.role })), clientKeyPub, kube },
      });
    }
    await createBridge(names.bridge, `${record.bridgeAddress}/24`);
    for (const host of hosts) {
      await createHostNetwork({ netns: host.netns, vethOuter: host.vethOuter, bridge: names.bridge, addressWithPrefix: `${host.address}/24` });
    }
    await writeLabRecord(paths.labJson, record);
    // The hosts install their packages from the repository at first boot: it must answer before they boot.
    record.kubeServicesPid = await startKubeServices(paths.labJson, kube, labCgroup);
    await writeLabRecord(paths.labJson, record);
    const supervisorPid = startSupervisor(paths.labJson, paths.supervisorLog);
    options.out(`booting ${hosts.length} hosts on ${subnet.cidr} (supervisor pid ${supervisorPid})`);

    const deadline = Date.now() + (options.readyTimeoutMs ?? 90000);
    await Promise.all(hosts.map((h) => watchSupervisor(supervisorPid, paths.supervisorLog, () => waitForInit(paths.labJson, h.name, deadline))));
    await collectKnownHosts(record, deadline);
    const ready = await Promise.all(hosts.map((h) => watchSupervisor(supervisorPid, paths.supervisorLog, () => waitForHostReady(record, h, deadline))));
    // kubeadm's container-runtime preflight checks cannot pass on a lab host (no runtime): the upgrade
    // playbooks pass them as --ignore-preflight-errors, as kubeadm init and join were (kubeadm-config.ts).
    const labVars = { kubeadm_ignore_preflight_errors: IGNORED_PREFLIGHT_ERRORS.join(',') };
    await writeFile(paths.inventory, renderInventory(hosts, paths, labVars));
    const cluster = await ensureCluster(record, kube, options.out);
    if (cluster.initialized || cluster.joined.length) options.out(`cluster made by kubeadm in ${cluster.seconds.toFixed(1)}s`);
    if (!(await hostsReachEachOther(record))) {
      options.out(
        `warning: ${hosts[0]!.name} cannot reach ${hosts[1]!.name} across the lab bridge; if br_netfilter is loaded ` +
          '(net.bridge.bridge-nf-call-iptables=1), a FORWARD rule or policy on this machine drops bridged traffic',
      );
    }
    return {
      record: readLabRecord(paths.labJson) ?? record, alreadyRunning: false,
      rootfsBuilt: rootfs.built, rootfsSeconds: rootfs.seconds, bootSeconds: (Date.now() - bootStarted) / 1000, hosts: ready,
    };
  } catch (err) {
    options.out(`lab up failed; removing the half-made lab (logs stay in ${stateDir})`);
    await teardownLab(stateDir, id, readLabRecord(paths.labJson) ?? record).catch(() => undefined);
    throw err;
  }
}

/** Starts the supervisor detached (own session, no inherited streams) and returns its pid. */
export function startSupervisor(labJson: string, logFile: string): number {
  const here = import.meta.url;
  const extension = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`./supervisor-main${extension}`, here));
  const loader = tsxLoaderArgs(here);
  return spawnDetached(process.execPath, [...loader, entry, labJson], logFile);
}

/** Runs `wait`, failing early with the supervisor's last log lines if the supervisor dies meanwhile. */
async function watchSupervisor<T>(pid: number, logFile: string, wait: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const died = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (processExists(pid) && !isZombie(pid)) return;
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n') : '';
      reject(new ConfigError(`the lab supervisor (pid ${pid}) stopped unexpectedly:\n${tail}`));
    }, 200);
  });
  try {
    return await Promise.race([wait(), died]);
  } finally {
    clearInterval(timer);
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
