/**
 * Booting one lab host: the machine-side chain `sh` (joins the host's cgroup) → `nsenter` (joins its network
 * namespace) → `unshare --fork` (new mount, PID, UTS, IPC and cgroup namespaces), whose child runs the boot
 * script below as the namespace's PID 1 and finally execs systemd. `unshare` exits when that init ends
 * (a `reboot` inside the host ends it), which is what the supervisor watches.
 */
import { readFileSync } from 'node:fs';
import type { HostPaths } from './layout.js';
import { shellQuote } from '../util/shell.js';

export interface BootSpec {
  hostname: string;
  lowerDir: string;
  paths: HostPaths;
  netnsPath: string;
  cgroup: string;
  /**
   * The lab's image store (the build cache of the real Kubernetes programs), bound read-only at
   * /var/lib/drydock-images: what a container runtime's image store is to a real node.
   */
  imagesDir?: string;
}

/** Paths that go into an overlay option string cannot hold its separators. */
export function overlaySafe(path: string): boolean {
  return !/[,:\\\s]/.test(path);
}

const DEVICES: Array<[string, number, number]> = [
  ['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0],
];

/** The script run as the new PID namespace's first process, before it becomes systemd. */
export function bootScript(spec: BootSpec): string {
  const q = shellQuote;
  const r = q(spec.paths.merged);
  const lines = [
    'set -eu',
    `mount -t overlay overlay -o ${q(`lowerdir=${spec.lowerDir},upperdir=${spec.paths.upper},workdir=${spec.paths.work}`)} ${r}`,
    `mount -t proc -o nosuid,nodev,noexec proc ${r}/proc`,
    // /proc/sys is the machine's for most knobs: read-only, except the host's own network namespace's.
    `mount --bind ${r}/proc/sys ${r}/proc/sys`,
    `mount -o remount,bind,ro ${r}/proc/sys`,
    `mount --bind ${r}/proc/sys/net ${r}/proc/sys/net`,
    // A bind inside a read-only bind starts read-only: the network namespace's knobs are the host's own.
    `mount -o remount,bind,rw ${r}/proc/sys/net`,
    // Kernels built without magic SysRq have no such file.
    `if [ -e ${r}/proc/sysrq-trigger ]; then mount --bind ${r}/proc/sysrq-trigger ${r}/proc/sysrq-trigger; ` +
      `mount -o remount,bind,ro ${r}/proc/sysrq-trigger; fi`,
    // The kernel's boot id is global; each host boot gets its own, written by the supervisor.
    `mount --bind ${q(spec.paths.bootId)} ${r}/proc/sys/kernel/random/boot_id`,
    `mount -o remount,bind,ro ${r}/proc/sys/kernel/random/boot_id`,
    `mount -t sysfs -o ro,nosuid,nodev,noexec sysfs ${r}/sys`,
    `mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 ${r}/sys/fs/cgroup`,
    `mount -t tmpfs -o mode=755,nosuid,size=4m tmpfs ${r}/dev`,
    ...DEVICES.map(([name, major, minor]) => `mknod -m 666 ${r}/dev/${name} c ${major} ${minor}`),
    `mkdir ${r}/dev/pts ${r}/dev/shm`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts ${r}/dev/pts`,
    `ln -s pts/ptmx ${r}/dev/ptmx`,
    `ln -s /proc/self/fd ${r}/dev/fd`,
    `ln -s /proc/self/fd/0 ${r}/dev/stdin`,
    `ln -s /proc/self/fd/1 ${r}/dev/stdout`,
    `ln -s /proc/self/fd/2 ${r}/dev/stderr`,
    `mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs ${r}/dev/shm`,
    // Not the machine's console: systemd would log to it and run a login prompt there.
    `touch ${r}/dev/console`,
    `mount --bind /dev/null ${r}/dev/console`,
    `mount -t tmpfs -o mode=755,nosuid,nodev tmpfs ${r}/run`,
    `mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs ${r}/tmp`,
    ...(spec.imagesDir
      ? [`mkdir -p ${r}/var/lib/drydock-images`, `mount --bind ${q(spec.imagesDir)} ${r}/var/lib/drydock-images`,
        `mount -o remount,bind,ro ${r}/var/lib/drydock-images`]
      : []),
    `hostname ${q(spec.hostname)}`,
    `cd ${r}`,
    'mkdir -p .drydock-oldroot',
    'pivot_root . .drydock-oldroot',
    `exec chroot . /bin/sh -c 'umount -l /.drydock-oldroot && rmdir /.drydock-oldroot && exec env -i container=drydock /lib/systemd/systemd'`,
  ];
  return `${lines.join('\n')}\n`;
}

/** argv of the machine-side chain that boots the host. */
export function bootArgv(spec: BootSpec): { command: string; args: string[] } {
  const chain =
    'echo $$ > "$1/cgroup.procs" && exec nsenter --net="$2" ' +
    'unshare --mount --uts --ipc --pid --cgroup --fork --propagation private -- sh -c "$3"';
  return { command: 'sh', args: ['-c', chain, `drydock-host-${spec.hostname}`, spec.cgroup, spec.netnsPath, bootScript(spec)] };
}

/** The child of `unshare --fork`, i.e. the host's PID 1 seen from the machine. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function waitForInitPid(unsharePid: number, timeoutMs: number, exited: () => boolean): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    const child = childPids(unsharePid)[0];
    if (child) return child;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}
