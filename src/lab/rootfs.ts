/**
 * The lab's Debian root, built once with debootstrap and shared read-only (as the overlay's lower layer) by
 * every host. Built in a temporary folder and renamed into place, so a half-built root is never used; a stamp
 * inside records what it was built from, and a changed package list or image recipe rebuilds it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile, symlink, unlink, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { findProgram, processExists, run, systemEnv } from './sys.js';
import { parseDeb822Sources, parseOneLineSources, pickMirror, type AptSource } from './sources.js';

export const SUITE = 'bookworm';
export const ROOTFS_PACKAGES = [
  'systemd', 'dbus', 'openssh-server', 'apt', 'iproute2', 'procps', 'openssl', 'ca-certificates', 'sudo',
  // reboot, poweroff, shutdown: hosts are rebooted the way admins reboot real ones.
  'systemd-sysv',
  // No etcd package: etcd runs from kubeadm's static pod, the real binary bound in from the build cache.
  // The lab's node agent (the kubelet of a real release) is a bundled Node.js program.
  'nodejs',
];
/** Bump when the image customisation below changes, so existing caches are rebuilt. */
const RECIPE_VERSION = 1;
const STAMP_PATH = 'etc/drydock-image.json';

export interface RootfsStamp {
  suite: string;
  variant: 'minbase';
  packages: string[];
  recipe: number;
  mirror: string;
  builtAt: string;
}

export interface RootfsOptions {
  cacheDir: string;
  mirror?: string;
  log: (line: string) => void;
}

export interface RootfsResult {
  dir: string;
  built: boolean;
  seconds: number;
}

export function rootfsDir(cacheDir: string): string {
  return join(cacheDir, `rootfs-${SUITE}`);
}

/** The stamp a root must carry to be reused as is. */
export function wantedStamp(mirror: string): Omit<RootfsStamp, 'builtAt'> {
  return { suite: SUITE, variant: 'minbase', packages: [...ROOTFS_PACKAGES].sort(), recipe: RECIPE_VERSION, mirror };
}

/** Whether a cached root fits: same suite, packages and recipe (the mirror it came from does not matter). */
export function stampMatches(found: unknown, wanted: Omit<RootfsStamp, 'builtAt'>): boolean {
  if (!found || typeof found !== 'object') return false;
  const f = found as Partial<RootfsStamp>;
  return (
    f.suite === wanted.suite &&
    f.variant === wanted.variant &&
    f.recipe === wanted.recipe &&
    JSON.stringify(f.packages) === JSON.stringify(wanted.packages)
  );
}

export function readStamp(dir: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP_PATH), 'utf8'));
  } catch {
    return null;
  }
}

/** The machine's apt sources, read from the usual places. */
export function machineAptSources(root = '/'): AptSource[] {
  const sources: AptSource[] = [];
  const list = join(root, 'etc/apt/sources.list');
  if (existsSync(list)) sources.push(...parseOneLineSources(readFileSync(list, 'utf8'), list));
  const folder = join(root, 'etc/apt/sources.list.d');
  const files = existsSync(folder) ? readdirSync(folder).sort() : [];
  for (const name of files) {
    const file = join(folder, name);
    if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(readFileSync(file, 'utf8'), file));
    else if (name.endsWith('.list')) sources.push(...parseOneLineSources(readFileSync(file, 'utf8'), file));
  }
  return sources;
}

export function resolveMirror(explicit: string | undefined): string {
  if (explicit) return explicit.replace(/\/+$/, '');
  const mirror = pickMirror(machineAptSources(), SUITE);
  if (!mirror) {
    throw new ConfigError(
      `no Debian ${SUITE} mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/; pass --mirror URL`,
    );
  }
  return mirror;
}

/** Returns the cached root, building it first when missing or stale. */
export async function ensureRootfs(options: RootfsOptions): Promise<RootfsResult> {
  const dir = rootfsDir(options.cacheDir);
  const started = Date.now();
  const cheapWanted = wantedStamp('');
  if (stampMatches(readStamp(dir), cheapWanted)) return { dir, built: false, seconds: 0 };
  const mirror = resolveMirror(options.mirror);
  await mkdir(options.cacheDir, { recursive: true });
  const release = await takeBuildLock(join(options.cacheDir, `.rootfs-${SUITE}.lock`), options.log);
  try {
    // Another process may have finished the build while we waited for the lock.
    if (stampMatches(readStamp(dir), cheapWanted)) return { dir, built: false, seconds: (Date.now() - started) / 1000 };
    await ensureDebootstrap(options.log);
    const temp = `${dir}.building-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    options.log(`building the lab's Debian ${SUITE} root with debootstrap from ${mirror} (about a minute, once)`);
    const args = ['--variant=minbase', `--include=${ROOTFS_PACKAGES.join(',')}`, SUITE, temp, mirror];
    const result = await run('debootstrap', args, { env: systemEnv({ DEBIAN_FRONTEND: 'noninteractive' }) });
    if (result.code !== 0) {
      await rm(temp, { recursive: true, force: true });
      const tail = (result.stdout + result.stderr).trim().split('\n').slice(-8).join('\n');
      throw new ConfigError(`debootstrap of ${SUITE} from ${mirror} failed (exit ${result.code}):\n${tail}`);
    }
    await customizeImage(temp, { ...wantedStamp(mirror), builtAt: new Date().toISOString() });
    if (existsSync(dir)) {
      const old = `${dir}.old-${process.pid}`;
      await rename(dir, old);
      await rename(temp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, dir);
    }
    return { dir, built: true, seconds: (Date.now() - started) / 1000 };
  } finally {
    await release();
  }
}

async function ensureDebootstrap(log: (line: string) => void): Promise<void> {
  if (await findProgram('debootstrap')) return;
  log('debootstrap is missing; installing it with apt-get');
  const env = systemEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  let result = await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], { env });
  if (result.code !== 0) {
    await run('apt-get', ['update'], { env });
    result = await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], { env });
  }
  if (result.code !== 0) {
    throw new ConfigError(`could not install debootstrap with apt-get:\n${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
}

/** Makes the fresh root fit to boot as many distinct hosts. */
export async function customizeImage(root: string, stamp: RootfsStamp): Promise<void> {
  const at = (p: string) => join(root, p);
  // Each host makes its own host keys at first boot; a shared key would make every host the same to ssh.
  for (const name of readdirSync(at('etc/ssh'))) {
    if (name.startsWith('ssh_host_')) await unlink(at(`etc/ssh/${name}`));
  }
  await writeFile(at('etc/systemd/system/drydock-ssh-keygen.service'), SSH_KEYGEN_UNIT);
  await mkdir(at('etc/systemd/system/ssh.service.wants'), { recursive: true });
  await symlink('/etc/systemd/system/drydock-ssh-keygen.service', at('etc/systemd/system/ssh.service.wants/drydock-ssh-keygen.service'));
  await writeFile(at('etc/ssh/sshd_config.d/drydock-lab.conf'), SSHD_LAB_CONFIG);
  // etcd's unit listens on "localhost"; without /etc/hosts Go asks DNS, which the lab does not have.
  await writeFile(at('etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  await writeFile(at('etc/resolv.conf'), '# lab hosts have no DNS; names come from /etc/hosts\n');
  await writeFile(at('etc/hostname'), 'localhost\n');
  // Empty: each host gets its own id written into its upper layer before its first boot.
  await writeFile(at('etc/machine-id'), '');
  await rm(at('var/lib/dbus/machine-id'), { force: true });
  await mkdir(at('var/lib/dbus'), { recursive: true });
  await symlink('/etc/machine-id', at('var/lib/dbus/machine-id'));
  // A login prompt would otherwise run on the machine's real console.
  await symlink('/dev/null', at('etc/systemd/system/console-getty.service'));
  for (const name of readdirSync(at('var/cache/apt/archives'))) {
    if (name.endsWith('.deb')) await unlink(at(`var/cache/apt/archives/${name}`));
  }
  await writeFile(at(STAMP_PATH), `${JSON.stringify(stamp, null, 2)}\n`);
}

const SSH_KEYGEN_UNIT = `[Unit]
Description=Generate this host's SSH host keys at first boot
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
`;

// Test fleets fan out wide; OpenSSH's defaults drop connections beyond 10 pending and cap channels at 10.
const SSHD_LAB_CONFIG = `# drydock lab: allow wide fan-out from the orchestrator under test
MaxStartups 100:30:200
MaxSessions 64
UseDNS no
`;

/** An exclusive lock file holding the builder's pid; a lock whose owner is gone is taken over. */
async function takeBuildLock(file: string, log: (line: string) => void): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (!owner || !processExists(owner)) {
        await rm(file, { force: true });
        continue;
      }
      if (!told) log(`waiting for process ${owner}, which is building the lab root in ${dirname(file)}`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
