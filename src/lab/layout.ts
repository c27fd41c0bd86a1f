/**
 * Where a lab keeps its things and what its kernel objects are called. Pure: every name derives from the
 * state folder, so `lab down` can find and remove what a crashed lab left even without its lab.json.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/drydock/lab';
export const DEFAULT_CACHE_DIR = '/var/cache/drydock/lab';

export type HostRole = 'control_plane' | 'worker';

export interface HostPlan {
  name: string;
  role: HostRole;
  /** Position in the lab, 0-based; decides the address and interface name. */
  index: number;
}

export interface LabPaths {
  stateDir: string;
  labJson: string;
  inventory: string;
  knownHosts: string;
  clientKey: string;
  clientKeyPub: string;
  supervisorLog: string;
  controlSocket: string;
  hostsDir: string;
}

export interface HostPaths {
  dir: string;
  upper: string;
  work: string;
  merged: string;
  bootId: string;
  bootLog: string;
}

export interface LabNames {
  id: string;
  bridge: string;
  /** Folder under the machine's cgroup2 root that holds one folder per host. */
  cgroup: string;
}

export interface HostNames {
  netns: string;
  /** The veth end left in the machine's namespace, joined to the bridge; the host sees its peer as eth0. */
  vethOuter: string;
}

const UNIX_SOCKET_PATH_MAX = 107;

/** A short stable id from the state folder's absolute path: names stay unique per lab and fit IFNAMSIZ. */
export function labIdFor(absoluteStateDir: string): string {
  return createHash('sha256').update(absoluteStateDir).digest('hex').slice(0, 6);
}

export function labPaths(stateDir: string, id: string): LabPaths {
  const socketInState = join(stateDir, 'supervisor.sock');
  return {
    stateDir,
    labJson: join(stateDir, 'lab.json'),
    inventory: join(stateDir, 'inventory.yaml'),
    knownHosts: join(stateDir, 'known_hosts'),
    clientKey: join(stateDir, 'id_ed25519'),
    clientKeyPub: join(stateDir, 'id_ed25519.pub'),
    supervisorLog: join(stateDir, 'supervisor.log'),
    controlSocket:
      Buffer.byteLength(socketInState) <= UNIX_SOCKET_PATH_MAX ? socketInState : `/tmp/drydock-lab-${id}.sock`,
    hostsDir: join(stateDir, 'hosts'),
  };
}

export function hostPaths(paths: LabPaths, host: string): HostPaths {
  const dir = join(paths.hostsDir, host);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    merged: join(dir, 'merged'),
    bootId: join(dir, 'boot_id'),
    bootLog: join(dir, 'boot.log'),
  };
}

export function labNames(id: string): LabNames {
  return { id, bridge: `ddbr-${id}`, cgroup: `drydock-lab-${id}` };
}

export function hostNames(id: string, plan: HostPlan): HostNames {
  return { netns: `drydock-${id}-${plan.name}`, vethOuter: `dd${id}-${plan.index}` };
}

/** The lab's hosts: control planes cp1..cpN then workers worker1..workerM. */
export function planHosts(controlPlanes: number, workers: number): HostPlan[] {
  const hosts: HostPlan[] = [];
  for (let i = 1; i <= controlPlanes; i++) hosts.push({ name: `cp${i}`, role: 'control_plane', index: hosts.length });
  for (let i = 1; i <= workers; i++) hosts.push({ name: `worker${i}`, role: 'worker', index: hosts.length });
  return hosts;
}

/** Limits keep addresses inside one /24 (hosts from .11) and interface names inside 15 characters. */
export const MAX_HOSTS = 200;
