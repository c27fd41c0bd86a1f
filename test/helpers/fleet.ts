/**
 * A loopback fleet of real OpenSSH sshd processes: one address per host (127.x.y.z), one port, one host key.
 *
 * sshd accepts at most 16 ListenAddress sockets per process (MAX_LISTEN_SOCKS; a 17th is fatal), so a fleet
 * of N hosts runs ceil(N/16) sshd processes from one config template. Nothing listens outside 127.0.0.0/8.
 * Sessions get a private HOME (SetEnv), so the machine's /root/.bashrc does not run on every command.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionSpec } from '../../src/transport/types.js';
import { shellQuote } from '../../src/util/shell.js';

const run = promisify(execFile);

export interface FleetHost {
  name: string;
  address: string;
  port: number;
}

export interface Fleet {
  dir: string;
  user: string;
  port: number;
  hosts: FleetHost[];
  /** Unencrypted ed25519 client key, authorized for root and the sudo user. */
  clientKey: string;
  /** A second, encrypted client key (for passphrase tests) and its passphrase. */
  clientKeyEncrypted: string;
  clientKeyPassphrase?: string;
  /** The fleet's (first) host public key line (`ssh-ed25519 AAAA... comment`). */
  hostKeyPublic: string;
  /** Every host public key line, by ssh-keygen type (ed25519, ecdsa, rsa). */
  hostKeys: Record<string, string>;
  knownHostsFile: string;
  inventoryFile: string;
  sshConfigFile: string;
  /** Empty when the fleet was not started as root (no sudo user could be made). */
  sudoUser: string;
  sudoPassword: string;
  /** The sshd listener processes. */
  pids: number[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  hosts: number;
  /** Default 127.0.10.1. */
  firstAddress?: string;
  port?: number;
  /** sshd MaxSessions. Default 32. */
  maxSessions?: number;
  /** Host name prefix. Default 'node'. */
  name?: string;
  /** Where to put the fleet (created when missing). Default: a new temporary directory. */
  dir?: string;
  /** Leave the sshds running when this process exits (the CLI's `start`). */
  persistent?: boolean;
  /** Host key types, in sshd's HostKey order. Default ['ed25519']. */
  hostKeyTypes?: ('ed25519' | 'ecdsa' | 'rsa')[];
  /**
   * Files or folders the fleet's sessions see in place of the machine's (`source` bound over `target`): sshd
   * runs in a private mount namespace (unshare -m, root only), so nothing changes for the rest of the machine.
   * For hosts that must look like Kubernetes nodes (a kubernetes.list, stand-in dpkg-query and apt tools).
   */
  mounts?: Array<{ source: string; target: string }>;
}

/** What fleet.json holds: the Fleet without stop(), plus what stopping needs. */
export type FleetRecord = Omit<Fleet, 'stop'> & { ownsDir: boolean };

export const SUDO_USER = 'drydock-sudo';
const STATE_DIR = '/var/lib/drydock-test';
const MAX_LISTEN_SOCKS = 16;
const SSHD = '/usr/sbin/sshd';

/** Fleets to stop if the process exits without calling stop(). */
const running = new Set<FleetRecord>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const fleet of running) {
      for (const pid of [...fleet.pids, ...childrenOf(fleet.pids)]) sendSignal(pid, 'SIGTERM');
      if (fleet.ownsDir) rmSync(fleet.dir, { recursive: true, force: true });
    }
  });
}

function sendSignal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Per-connection sshd processes of a fleet (to cut connections from the server side in tests). */
export function sessionProcesses(fleet: Fleet): number[] {
  return childrenOf(fleet.pids);
}

/**
 * How many SSH logins the fleet's sshds have accepted so far (their logs' "Accepted publickey/password"
 * lines): a run's handshakes are the difference before and after it.
 */
export function sshdLogins(fleet: Fleet): number {
  let count = 0;
  for (const entry of readdirSync(fleet.dir)) {
    if (!/^sshd-\d+\.log$/.test(entry)) continue;
    count += (readFileSync(join(fleet.dir, entry), 'utf8').match(/^.*Accepted (publickey|password|keyboard-interactive\S*) for /gm) ?? []).length;
  }
  return count;
}

/** Direct children (sshd's per-connection processes) of the given pids, read from /proc. */
function childrenOf(pids: number[]): number[] {
  const parents = new Set(pids);
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const statLine = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[1]);
      if (parents.has(ppid)) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The `count` loopback addresses from `first`, skipping .0 and .255 in the last octet. */
export function fleetAddresses(first: string, count: number): string[] {
  const octets = first.split('.').map(Number);
  if (octets.length !== 4 || octets[0] !== 127 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`fleet addresses must be loopback (127.x.y.z), got ${first}`);
  }
  let value = ((octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const addresses: string[] = [];
  while (addresses.length < count) {
    if (value > 0xffffff) throw new Error(`not enough loopback addresses after ${first} for ${count} hosts`);
    const last = value & 0xff;
    if (last !== 0 && last !== 255) addresses.push(`127.${(value >> 16) & 0xff}.${(value >> 8) & 0xff}.${last}`);
    value++;
  }
  return addresses;
}

function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, address, () => server.close(() => done(true)));
  });
}

async function freePort(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const results = await Promise.all(addresses.map((address) => canBind(address, port)));
    if (results.every(Boolean)) return port;
  }
  throw new Error('no free port for the fleet after 50 tries');
}

async function waitForTcp(address: string, port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const sock = connect({ host: address, port });
      sock.once('connect', () => {
        sock.destroy();
        done(true);
      });
      sock.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not accept connections on ${address}:${port}`);
    await sleep(20);
  }
}

function sshdConfig(dir: string, port: number, addresses: string[], index: number, maxSessions: number, keyTypes: string[]): string {
  return [
    '# drydock test fleet: loopback only',
    `Port ${port}`,
    ...addresses.map((address) => `ListenAddress ${address}`),
    ...keyTypes.map((type) => `HostKey ${join(dir, `ssh_host_${type}_key`)}`),
    `PidFile ${join(dir, `sshd-${index}.pid`)}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys', '%u')}`,
    'UsePAM no',
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'MaxStartups 1000:30:1000',
    `MaxSessions ${maxSessions}`,
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    `SetEnv HOME=${join(dir, 'home')}`,
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

async function keygen(file: string, comment: string, passphrase = '', type = 'ed25519'): Promise<string> {
  // Few KDF rounds for the encrypted key: ssh2 decrypts in JavaScript, ~1 s at ssh-keygen's default 16.
  const rounds = passphrase ? ['-a', '2'] : [];
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  await run('ssh-keygen', ['-q', '-t', type, ...bits, ...rounds, '-N', passphrase, '-C', comment, '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const addresses = fleetAddresses(options.firstAddress ?? '127.0.10.1', options.hosts);
  let ownsDir = true;
  let dir: string;
  if (options.dir) {
    dir = resolve(options.dir);
    ownsDir = !(await stat(dir).then(() => true, () => false));
    if (!ownsDir && (await readdir(dir)).length > 0) {
      throw new Error(`fleet directory ${dir} exists and is not empty; give a new or empty directory`);
    }
    await mkdir(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), 'drydock-fleet-'));
  }
  // Traversable (not listable) so sshd can read the sudo user's authorized_keys as that user.
  await chmod(dir, 0o711);
  const passphrase = randomBytes(12).toString('hex');
  const keyTypes = options.hostKeyTypes ?? ['ed25519'];
  const [clientPublic, encryptedPublic, ...hostPublics] = await Promise.all([
    keygen(join(dir, 'id_ed25519'), 'drydock-fleet-client'),
    keygen(join(dir, 'id_ed25519_passphrase'), 'drydock-fleet-client-encrypted', passphrase),
    ...keyTypes.map((type) => keygen(join(dir, `ssh_host_${type}_key`), 'drydock-fleet-host', '', type)),
  ]);
  const hostKeys = Object.fromEntries(keyTypes.map((type, i) => [type, hostPublics[i]!]));
  await mkdir(join(dir, 'authorized_keys'), { mode: 0o755 });
  await mkdir(join(dir, 'home'), { mode: 0o755 });
  const isRoot = process.getuid?.() === 0;
  const loginUser = isRoot ? 'root' : (process.env['USER'] ?? 'root');
  for (const user of new Set([loginUser, SUDO_USER])) {
    await writeFile(join(dir, 'authorized_keys', user), `${clientPublic}\n${encryptedPublic}\n`, { mode: 0o644 });
  }
  const sudoPassword = isRoot ? await ensureSudoUser() : '';

  const port = options.port ?? (await freePort(addresses));
  const prefix = options.name ?? 'node';
  const width = Math.max(2, String(options.hosts).length);
  const hosts = addresses.map((address, i) => ({ name: `${prefix}${String(i + 1).padStart(width, '0')}`, address, port }));

  if (isRoot) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const record: FleetRecord = {
    dir,
    user: loginUser,
    port,
    hosts,
    clientKey: join(dir, 'id_ed25519'),
    clientKeyEncrypted: join(dir, 'id_ed25519_passphrase'),
    clientKeyPassphrase: passphrase,
    hostKeyPublic: hostPublics[0]!,
    hostKeys,
    knownHostsFile: join(dir, 'known_hosts'),
    inventoryFile: join(dir, 'inventory.yaml'),
    sshConfigFile: join(dir, 'ssh_config'),
    sudoUser: sudoPassword ? SUDO_USER : '',
    sudoPassword,
    pids: [],
    ownsDir,
  };
  if (!options.persistent) {
    installExitHook();
    running.add(record);
  }
  try {
    const groups = Math.ceil(addresses.length / MAX_LISTEN_SOCKS);
    await Promise.all(
      Array.from({ length: groups }, async (_, index) => {
        const group = addresses.slice(index * MAX_LISTEN_SOCKS, (index + 1) * MAX_LISTEN_SOCKS);
        const config = join(dir, `sshd-${index}.conf`);
        const log = join(dir, `sshd-${index}.log`);
        await writeFile(config, sshdConfig(dir, port, group, index, options.maxSessions ?? 32, keyTypes));
        try {
          if (options.mounts && options.mounts.length > 0) {
            const binds = options.mounts.map((m) => `mount --bind ${shellQuote(m.source)} ${shellQuote(m.target)}`);
            await run('unshare', ['-m', '--propagation', 'private', 'sh', '-ec', [...binds, `exec ${SSHD} -f ${shellQuote(config)} -E ${shellQuote(log)}`].join('\n')]);
          } else {
            await run(SSHD, ['-f', config, '-E', log]);
          }
        } catch (err) {
          const text = await readFile(log, 'utf8').catch(() => '');
          throw new Error(`sshd failed to start (${config}): ${(err as Error).message}\n${text}`);
        }
        record.pids.push(await readPid(join(dir, `sshd-${index}.pid`), log));
      }),
    );
    const deadline = Date.now() + 10_000;
    await Promise.all(addresses.map((address) => waitForTcp(address, port, deadline)));
  } catch (err) {
    await stopRecord(record);
    throw err;
  }

  const knownLines = hosts.flatMap((h) =>
    hostPublics.map((line) => `[${h.address}]:${port} ${line.split(' ').slice(0, 2).join(' ')}\n`),
  );
  await writeFile(record.knownHostsFile, knownLines.join(''));
  await writeFile(record.inventoryFile, inventoryYaml(record));
  await writeFile(record.sshConfigFile, sshConfigText(record));
  await writeFile(join(dir, 'fleet.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return { ...record, stop: () => stopRecord(record) };
}

async function readPid(file: string, log: string): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const pid = Number.parseInt(text, 10);
    if (pid > 0) return pid;
    if (Date.now() > deadline) {
      throw new Error(`sshd wrote no pid file ${file}:\n${await readFile(log, 'utf8').catch(() => '')}`);
    }
    await sleep(10);
  }
}

function inventoryYaml(fleet: FleetRecord): string {
  const lines = ['all:', '  hosts:'];
  for (const host of fleet.hosts) {
    lines.push(
      `    ${host.name}:`,
      `      ansible_host: ${host.address}`,
      `      ansible_port: ${host.port}`,
      `      ansible_user: ${fleet.user}`,
      `      ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}`,
    );
  }
  // Strict host-key checking against the fleet's own known_hosts, for drydock and Ansible alike.
  const commonArgs = `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes`;
  lines.push('  vars:', `    ansible_ssh_common_args: ${JSON.stringify(commonArgs)}`);
  return `${lines.join('\n')}\n`;
}

function sshConfigText(fleet: FleetRecord): string {
  return fleet.hosts
    .map((host) =>
      [
        `Host ${host.name}`,
        `  HostName ${host.address}`,
        `  Port ${host.port}`,
        `  User ${fleet.user}`,
        `  IdentityFile ${fleet.clientKey}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${fleet.knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    )
    .join('\n');
}

async function stopRecord(record: FleetRecord): Promise<void> {
  running.delete(record);
  const pids = [...record.pids, ...childrenOf(record.pids)];
  for (const pid of pids) sendSignal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some((pid) => sendSignal(pid, 0) && !isZombie(pid))) {
    if (Date.now() > deadline) {
      for (const pid of pids) sendSignal(pid, 'SIGKILL');
      break;
    }
    await sleep(10);
  }
  if (record.ownsDir) await rm(record.dir, { recursive: true, force: true });
}

function isZombie(pid: number): boolean {
  try {
    const statLine = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return statLine.slice(statLine.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Stops the fleet described by `<dir>/fleet.json` (started by another process, e.g. `scripts/fleet.ts`). */
export async function stopFleetDir(dir: string): Promise<void> {
  const record = JSON.parse(await readFile(join(dir, 'fleet.json'), 'utf8')) as FleetRecord;
  await stopRecord(record);
}

/**
 * The sudo test user: a local account with a known password and a sudoers rule that requires it. Created
 * once per machine (tests run as root); its random password is kept root-only in /var/lib/drydock-test.
 */
async function ensureSudoUser(): Promise<string> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  return withLock(join(STATE_DIR, 'lock'), async () => {
    const passwordFile = join(STATE_DIR, 'sudo-password');
    let password = (await readFile(passwordFile, 'utf8').catch(() => '')).trim();
    const exists = await run('id', ['-u', SUDO_USER]).then(() => true, () => false);
    if (!exists) await run('useradd', ['--create-home', '--shell', '/bin/sh', SUDO_USER]);
    const sudoers = [
      '# drydock test fleet: a user whose sudo needs its password, asked every time',
      `Defaults:${SUDO_USER} lecture=never, timestamp_timeout=0, !requiretty`,
      `${SUDO_USER} ALL=(ALL:ALL) ALL`,
      '',
    ].join('\n');
    const sudoersFile = `/etc/sudoers.d/${SUDO_USER}`;
    if ((await readFile(sudoersFile, 'utf8').catch(() => '')) !== sudoers) {
      const staged = join(STATE_DIR, 'sudoers.staged');
      await writeFile(staged, sudoers, { mode: 0o440 });
      await run('visudo', ['-c', '-q', '-f', staged]);
      await rename(staged, sudoersFile);
    }
    if (!password || !exists) {
      password ||= randomBytes(12).toString('base64url');
      const child = execFile('chpasswd');
      child.stdin!.end(`${SUDO_USER}:${password}\n`);
      const code = await new Promise<number | null>((done) => child.once('close', done));
      if (code !== 0) throw new Error(`chpasswd failed for ${SUDO_USER} (exit ${code})`);
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    }
    return password;
  });
}

/** A lock directory shared by concurrently running test processes; a lock older than 60 s is stale. */
async function withLock<T>(lockDir: string, job: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch {
      const age = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 60_000) await rmdir(lockDir).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await sleep(50);
    }
  }
  try {
    return await job();
  } finally {
    await rmdir(lockDir).catch(() => undefined);
  }
}

/** A ConnectionSpec for one fleet host: strict host keys against the fleet's known_hosts, no agent. */
export function fleetSpec(fleet: Fleet, host: FleetHost = fleet.hosts[0]!, overrides: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name: host.name,
    hostname: host.address,
    port: host.port,
    user: fleet.user,
    identityFiles: [fleet.clientKey],
    identitiesOnly: true,
    proxyJump: [],
    userKnownHostsFiles: [fleet.knownHostsFile],
    globalKnownHostsFiles: [],
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 0,
    keepaliveCountMax: 3,
    become: { enabled: false, user: 'root', method: 'sudo' },
    ...overrides,
  };
}

/** Skips the calling test (with the reason) when no sudo user could be set up. */
export function skipUnlessSudo(context: Mocha.Context, fleet: Fleet): void {
  if (!fleet.sudoUser) {
    console.log(`    (skipped: the sudo test user needs the tests to run as root; running as uid ${process.getuid?.()})`);
    context.skip();
  }
}
