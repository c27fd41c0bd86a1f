/**
 * `lab down`, `lab status`, `lab fault` and `lab ssh`: everything about a lab after `up`.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { sendControl } from './control.js';
import { readStalledAddresses, slowAptFile } from './kube/reposerver.js';
import { labIdFor, labPaths } from './layout.js';
import { linkIsUp, setLink } from './network.js';
import { assertLabSupported } from './platform.js';
import { sshTargetFor, waitForHostReady, waitForInit, type HostReadiness } from './readiness.js';
import { sshInteractive } from './sshcmd.js';
import { readLabRecord, writeLabRecord, type HostRecord, type LabRecord } from './state.js';
import { processExists, signalProcess } from './sys.js';
import { isSupervisorProcess, teardownLab, type TeardownReport } from './teardown.js';
import { resolveStateDir } from './up.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function locate(stateDirOption: string | undefined) {
  const stateDir = resolveStateDir(stateDirOption);
  const id = labIdFor(stateDir);
  const paths = labPaths(stateDir, id);
  return { stateDir, id, paths, record: readLabRecord(paths.labJson) };
}

export interface DownResult {
  stateDir: string;
  wasRunning: boolean;
  teardown: TeardownReport;
  purged: boolean;
}

/** Stops every host through the supervisor, then removes whatever is left on the machine. */
export async function labDown(options: { stateDir?: string; purge?: boolean; out: (line: string) => void }): Promise<DownResult> {
  assertLabSupported();
  const { stateDir, id, paths, record } = locate(options.stateDir);
  const wasRunning = !!record && isSupervisorProcess(record.supervisorPid, paths.labJson);
  if (record && wasRunning) {
    const pid = record.supervisorPid!;
    try {
      await sendControl(paths.controlSocket, { op: 'stop' }, 60000);
    } catch (err) {
      options.out(`the supervisor did not stop cleanly (${(err as Error).message}); ending it`);
      signalProcess(pid, 'SIGTERM');
    }
    const deadline = Date.now() + 10000;
    while (processExists(pid) && isSupervisorProcess(pid, paths.labJson) && Date.now() < deadline) await sleep(20);
  }
  const teardown = await teardownLab(stateDir, id, readLabRecord(paths.labJson) ?? record);
  if (options.purge) {
    await rm(stateDir, { recursive: true, force: true });
  } else {
    const latest = readLabRecord(paths.labJson);
    if (latest) {
      latest.supervisorPid = null;
      for (const host of latest.hosts) {
        host.state = 'down';
        host.initPid = null;
        host.unsharePid = null;
      }
      await writeLabRecord(paths.labJson, latest);
    }
  }
  return { stateDir, wasRunning, teardown, purged: !!options.purge };
}

export type HostStatusState = HostRecord['state'] | 'partitioned';

export interface HostStatus {
  name: string;
  role: HostRecord['role'];
  address: string;
  state: HostStatusState;
  initPid: number | null;
  bootId: string | null;
  boots: number;
  lastExit: string | null;
  upperDir: string;
}

export interface LabStatus {
  stateDir: string;
  exists: boolean;
  running: boolean;
  supervisorPid: number | null;
  subnet: string | null;
  inventory: string;
  knownHosts: string;
  clientKey: string;
  hosts: HostStatus[];
}

export async function labStatus(options: { stateDir?: string }): Promise<LabStatus> {
  assertLabSupported();
  const { stateDir, paths, record } = locate(options.stateDir);
  const running = !!record && isSupervisorProcess(record.supervisorPid, paths.labJson);
  const hosts: HostStatus[] = [];
  for (const host of record?.hosts ?? []) {
    let state: HostStatusState = running ? host.state : 'down';
    if (state === 'running' && (await linkIsUp(host.vethOuter)) === false) state = 'partitioned';
    hosts.push({
      name: host.name, role: host.role, address: host.address, state,
      initPid: running ? host.initPid : null, bootId: host.bootId, boots: host.boots, lastExit: host.lastExit,
      upperDir: host.paths.upper,
    });
  }
  return {
    stateDir, exists: !!record, running, supervisorPid: running ? record!.supervisorPid : null,
    subnet: record?.subnet ?? null, inventory: paths.inventory, knownHosts: paths.knownHosts, clientKey: paths.clientKey, hosts,
  };
}

export type FaultAction = 'down' | 'up' | 'partition' | 'heal' | 'hang-kubelet' | 'heal-kubelet' | 'slow-apt' | 'fast-apt';
export const FAULT_ACTIONS: readonly FaultAction[] = ['down', 'up', 'partition', 'heal', 'hang-kubelet', 'heal-kubelet', 'slow-apt', 'fast-apt'];

/** Inside a host: while this file exists the node agent (the lab's kubelet, agent/main.ts) posts no status and renews no lease. */
export const KUBELET_HANG_FLAG = '/var/lib/kubelet/drydock-fault-hang';

/** Writes or removes a file inside a running host, through its init's root (its mount namespace). */
async function setHostFlag(host: HostRecord, pathInHost: string, present: boolean): Promise<void> {
  if (!host.initPid || !processExists(host.initPid)) throw new ConfigError(`${host.name} is not running; boot it with "drydock lab fault ${host.name} up"`);
  const full = join(`/proc/${host.initPid}/root`, pathInHost);
  if (present) {
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, 'drydock lab fault\n');
  } else {
    await rm(full, { force: true });
  }
}

/** Adds or removes a host address in the repository server's slow-apt list (re-read on every request). */
async function setSlowApt(record: LabRecord, host: HostRecord, slow: boolean): Promise<void> {
  if (!record.kube) throw new ConfigError('this lab has no Kubernetes services (apt repository)');
  const file = slowAptFile(dirname(record.kube.servicesLog));
  const listed = readStalledAddresses(file);
  if (slow) listed.add(host.address);
  else listed.delete(host.address);
  await writeFile(`${file}.tmp`, [...listed].map((a) => `${a}\n`).join(''), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

function runningLab(stateDirOption: string | undefined): { record: LabRecord; paths: ReturnType<typeof labPaths> } {
  const { stateDir, paths, record } = locate(stateDirOption);
  if (!record || !isSupervisorProcess(record.supervisorPid, paths.labJson)) {
    throw new ConfigError(`no running lab in ${stateDir}; start one with "drydock lab up --state-dir ${stateDir}"`);
  }
  return { record, paths };
}

function findHost(record: LabRecord, name: string): HostRecord {
  const host = record.hosts.find((h) => h.name === name);
  if (!host) throw new UsageError(`no host "${name}" in the lab (hosts: ${record.hosts.map((h) => h.name).join(', ')})`);
  return host;
}

/**
 * down: halt the host and keep it down · up: boot it and wait until it is reachable ·
 * partition: take its link down (it keeps running, cut off) · heal: bring the link back ·
 * hang-kubelet: its kubelet keeps running but stops posting status (NotReady after the grace) · heal-kubelet ·
 * slow-apt: the lab's apt repository holds this host's requests unanswered · fast-apt: answer them again.
 */
export async function labFault(options: { stateDir?: string; host: string; action: string }): Promise<HostReadiness | null> {
  assertLabSupported();
  if (!FAULT_ACTIONS.includes(options.action as FaultAction)) {
    throw new UsageError(`unknown fault "${options.action}" (one of: ${FAULT_ACTIONS.join(', ')})`);
  }
  const { record, paths } = runningLab(options.stateDir);
  const host = findHost(record, options.host);
  switch (options.action as FaultAction) {
    case 'partition':
      await setLink(host.vethOuter, false);
      return null;
    case 'heal':
      await setLink(host.vethOuter, true);
      return null;
    case 'hang-kubelet':
    case 'heal-kubelet':
      await setHostFlag(host, KUBELET_HANG_FLAG, options.action === 'hang-kubelet');
      return null;
    case 'slow-apt':
    case 'fast-apt':
      await setSlowApt(record, host, options.action === 'slow-apt');
      return null;
    case 'down': {
      const reply = await sendControl(paths.controlSocket, { op: 'host-down', host: host.name });
      if (!reply.ok) throw new ConfigError(`${host.name}: ${reply.error}`);
      return null;
    }
    case 'up': {
      const reply = await sendControl(paths.controlSocket, { op: 'host-up', host: host.name });
      if (!reply.ok) throw new ConfigError(`${host.name}: ${reply.error}`);
      const deadline = Date.now() + 60000;
      await waitForInit(paths.labJson, host.name, deadline);
      return waitForHostReady(record, host, deadline);
    }
  }
}

/** Runs the system ssh against a lab host with the lab's key and known_hosts; returns ssh's exit status. */
export async function labSsh(options: { stateDir?: string; host: string; command: string[] }): Promise<number> {
  assertLabSupported();
  const { record } = runningLab(options.stateDir);
  const host = findHost(record, options.host);
  return sshInteractive(sshTargetFor(record, host), options.command);
}
