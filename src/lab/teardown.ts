/**
 * Removing everything a lab made on the machine: its processes (via its cgroup), mounts, network namespaces,
 * veths, bridge, cgroup folders and control socket. Works from names derived from the state folder, so it
 * also cleans up after a crashed lab or a half-finished `up`.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupPids, killCgroup, machineCgroup2Root, removeCgroupTree } from './cgroup.js';
import { labNames, labPaths } from './layout.js';
import { mountsUnder, unmountLazy } from './mounts.js';
import { deleteLink, deleteNetns, linkNames, netnsNames } from './network.js';
import type { LabRecord } from './state.js';
import { processExists, signalProcess } from './sys.js';

export interface TeardownReport {
  killedProcesses: number;
  unmounted: string[];
  netns: string[];
  links: string[];
}

/** True if `pid` is this lab's supervisor (not some later process that got the same pid). */
export function isSupervisorProcess(pid: number | null, labJson: string): boolean {
  if (!pid || !processExists(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => /supervisor-main\.(ts|js)$/.test(a)) && argv.includes(labJson);
  } catch {
    return false;
  }
}

export async function teardownLab(stateDir: string, id: string, record: LabRecord | null): Promise<TeardownReport> {
  const names = labNames(id);
  const paths = labPaths(stateDir, id);
  const report: TeardownReport = { killedProcesses: 0, unmounted: [], netns: [], links: [] };
  if (record && isSupervisorProcess(record.supervisorPid, paths.labJson)) signalProcess(record.supervisorPid!, 'SIGKILL');

  const labCgroup = record?.cgroup ?? join(machineCgroup2Root(), names.cgroup);
  const pids = cgroupPids(labCgroup);
  report.killedProcesses = pids.length;
  if (pids.length) {
    await killCgroup(labCgroup);
    const deadline = Date.now() + 5000;
    while (cgroupPids(labCgroup).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  await removeCgroupTree(labCgroup);

  for (const point of mountsUnder(stateDir)) {
    await unmountLazy(point);
    report.unmounted.push(point);
  }
  const links = (await linkNames()).filter((n) => n.startsWith(`dd${id}-`));
  for (const link of links) await deleteLink(link);
  for (const ns of (await netnsNames()).filter((n) => n.startsWith(`drydock-${id}-`))) {
    await deleteNetns(ns);
    report.netns.push(ns);
  }
  if ((await linkNames()).includes(names.bridge)) {
    await deleteLink(names.bridge);
    links.push(names.bridge);
  }
  report.links = links;
  await rm(paths.controlSocket, { force: true });
  return report;
}
