/**
 * Each host lives in its own cgroup2 folder, which becomes the root of its cgroup namespace (systemd inside
 * manages its subtree there). The folder is also how the lab finds and kills everything a host left behind.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/** Where the machine has cgroup2 mounted: /sys/fs/cgroup (unified) or e.g. /sys/fs/cgroup/unified (hybrid). */
export function cgroup2MountPoint(mountsText: string): string | null {
  const points = mountsText
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'cgroup2')
    .map((fields) => fields[1]!.replace(/\\040/g, ' '));
  if (points.includes('/sys/fs/cgroup')) return '/sys/fs/cgroup';
  return points[0] ?? null;
}

export function machineCgroup2Root(): string {
  const root = cgroup2MountPoint(readFileSync('/proc/mounts', 'utf8'));
  if (!root) {
    throw new ConfigError('the lab needs cgroup2 mounted on this machine (systemd in each host runs in its own cgroup2 subtree)');
  }
  return root;
}

export async function ensureCgroup(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

/** Pids of every process in the folder and below. */
export function cgroupPids(path: string): number[] {
  if (!existsSync(path)) return [];
  const pids: number[] = [];
  const walk = (dir: string) => {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.push(Number(line));
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
    } catch {
      // Folders vanish while systemd inside tidies up; what is gone holds no process.
    }
  };
  walk(path);
  return pids;
}

/** SIGKILL to every process in the subtree at once (cgroup.kill, Linux 5.14+). */
export async function killCgroup(path: string): Promise<void> {
  if (!existsSync(join(path, 'cgroup.kill'))) return;
  await writeFile(join(path, 'cgroup.kill'), '1').catch(() => undefined);
}

/** Removes the folder and its sub-folders, deepest first; waits briefly for killed processes to leave. */
export async function removeCgroupTree(path: string, waitMs = 3000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (!existsSync(path)) return;
    try {
      await removeDepthFirst(path);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`cannot remove cgroup ${path}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function removeDepthFirst(dir: string): Promise<void> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeDepthFirst(join(dir, entry.name));
  }
  try {
    await rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
