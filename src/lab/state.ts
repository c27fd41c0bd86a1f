/**
 * lab.json: what a lab is (hosts, addresses, names, paths) and how its hosts are doing. `lab up` writes it
 * before the supervisor starts; from then on the supervisor is its only writer, and the commands read it.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { HostPaths, HostRole, LabPaths } from './layout.js';
import type { KubeLabSettings } from './kube/settings.js';

/**
 * booting: init started, not yet confirmed up · running: init alive · rebooting: init ended, being booted again ·
 * stopping: asked to stop · down: no init (stopped by a fault, halted from inside, or the lab is down) ·
 * failed: kept dying right after boot, left down.
 */
export type HostState = 'booting' | 'running' | 'rebooting' | 'stopping' | 'down' | 'failed';

export interface HostRecord {
  name: string;
  role: HostRole;
  index: number;
  address: string;
  netns: string;
  vethOuter: string;
  /** Absolute cgroup2 folder of this host (its cgroup namespace root). */
  cgroup: string;
  paths: HostPaths;
  /** Provisioners applied to this host's upper layer, in order (see provision.ts). */
  provision: string[];
  state: HostState;
  /** The host's systemd, as a pid in the machine's namespace. */
  initPid: number | null;
  /** The `unshare` process whose exit tells the supervisor the host's init has ended. */
  unsharePid: number | null;
  bootId: string | null;
  boots: number;
  lastExit: string | null;
  /** Set by `lab fault HOST down`: the supervisor does not boot it again until `fault HOST up`. */
  heldDown: boolean;
}

export interface LabRecord {
  version: 1;
  id: string;
  createdAt: string;
  rootfs: string;
  subnet: string;
  bridge: string;
  bridgeAddress: string;
  cgroup: string;
  supervisorPid: number | null;
  paths: LabPaths;
  hosts: HostRecord[];
  /** The lab's Kubernetes cluster (versions, repository and API addresses, PKI); see src/lab/kube/. */
  kube?: KubeLabSettings;
  /** The process serving the apt repository and the API simulator. */
  kubeServicesPid?: number | null;
}

export function readLabRecord(file: string): LabRecord | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let parsed: LabRecord;
  try {
    parsed = JSON.parse(text) as LabRecord;
  } catch (err) {
    throw new ConfigError({ file, message: `not valid JSON (${(err as Error).message}); remove the state folder or fix the file` });
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.hosts)) {
    throw new ConfigError({ file, message: 'not a drydock lab record (expected version 1 with a hosts list)' });
  }
  return parsed;
}

/** Written to a temporary file and renamed, so a reader never sees half a record. */
export async function writeLabRecord(file: string, record: LabRecord): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, file);
}
