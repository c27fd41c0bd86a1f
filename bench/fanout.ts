/**
 * `npm run bench`: drydock's ad hoc fan-out against Ansible (`-m raw`) and parallel-ssh on a loopback fleet of
 * real sshds. For 50 and 200 hosts at forks 50 each tool runs `uptime` (cold: no connection reuse across
 * runs) and we record wall time, controller CPU (user+sys of the whole process tree) and peak RSS (largest
 * single process, as GNU time reports it). The "machine floor" is what one host costs this machine (client
 * handshake + exec + sshd's own CPU, measured serially) times hosts / cores: no tool can beat it here.
 * Exits non-zero only when a run is broken (wrong exit code or missing hosts), never for speed.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startFleet, type Fleet } from '../test/helpers/fleet.js';
import { KnownHostsStore } from '../src/transport/known-hosts.js';
import { openSshConnection } from '../src/transport/ssh.js';
import type { ConnectionSpec } from '../src/transport/types.js';
import { measureHostCost, median, timed, type HostCost, type Sample } from './measure.js';

const REPO = resolve(import.meta.dirname, '..');
const FORKS = 50;
const SIZES = [50, 200];
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
/** Builds dist/ as `npm test` and `npm run demo` do, so bin/drydock.js runs the compiled JavaScript. */
function buildDist(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
}

/** The two ways to start drydock: the shipped bin (dist/, as a clone runs it after a build) and raw tsx. */
const DRYDOCK_VARIANTS: Array<{ tool: string; argv: string[] }> = [
  { tool: 'drydock (bin)', argv: ['node', 'bin/drydock.js'] },
  { tool: 'drydock (tsx)', argv: ['node', '--import', 'tsx', 'src/cli/main.ts'] },
];

interface Row {
  tool: string;
  hosts: number;
  wallS: number;
  cpuS: number;
  maxRssMb: number;
  broken?: string;
}

function specFor(fleet: Fleet, i: number): ConnectionSpec {
  const host = fleet.hosts[i % fleet.hosts.length]!;
  return {
    name: host.name, hostname: host.address, port: host.port, user: fleet.user, identityFiles: [fleet.clientKey], identitiesOnly: true,
    proxyJump: [], userKnownHostsFiles: [fleet.knownHostsFile], globalKnownHostsFiles: [], hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000, keepaliveIntervalMs: 0, keepaliveCountMax: 3, become: { enabled: false, user: 'root', method: 'sudo' },
  };
}

function writeInputs(fleet: Fleet, n: number, dir: string): { inventory: string; psshHosts: string } {
  const hosts = fleet.hosts.slice(0, n);
  const inventory = join(dir, `inventory-${n}.ini`);
  const common = `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`;
  writeFileSync(
    inventory,
    [
      ...hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port}`),
      '',
      '[all:vars]',
      `ansible_user=${fleet.user}`,
      `ansible_ssh_private_key_file=${fleet.clientKey}`,
      `ansible_ssh_common_args='${common}'`,
      '',
    ].join('\n'),
  );
  const psshHosts = join(dir, `pssh-${n}.txt`);
  writeFileSync(psshHosts, hosts.map((h) => `${fleet.user}@${h.address}:${h.port}\n`).join(''));
  return { inventory, psshHosts };
}

function countMatches(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line)).length;
}

async function bestOf(tool: string, n: number, once: () => Promise<Sample>, valid: (s: Sample) => string | undefined, after?: () => void): Promise<Row> {
  const samples: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    const sample = await once();
    after?.();
    const broken = valid(sample);
    if (broken) return { tool, hosts: n, wallS: sample.wallS, cpuS: sample.cpuS, maxRssMb: sample.maxRssMb, broken: `${broken}\n${sample.stderr.slice(-600)}` };
    samples.push(sample);
  }
  return { tool, hosts: n, wallS: median(samples.map((s) => s.wallS)), cpuS: median(samples.map((s) => s.cpuS)), maxRssMb: median(samples.map((s) => s.maxRssMb)) };
}

/** Ansible leaves ControlPersist masters behind for 60 s; ask each of this run's masters to exit. */
function stopControlMasters(dir: string): void {
  for (const sock of readdirSync(dir)) {
    try {
      execFileSync('ssh', ['-O', 'exit', '-o', `ControlPath=${join(dir, sock)}`, 'unused'], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // already gone
    }
  }
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'drydock-bench-'));
  const cores = availableParallelism();
  console.log(`starting a fleet of ${Math.max(...SIZES)} loopback hosts (${cores} cores, ${RUNS} runs each, median shown)`);
  const fleet = await startFleet({ hosts: Math.max(...SIZES), dir: join(work, 'fleet') });
  const rows: Row[] = [];
  let cost: HostCost;
  try {
    const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
    cost = await measureHostCost(40, fleet.pids, async (i) => {
      const conn = await openSshConnection(specFor(fleet, i), { knownHosts });
      await conn.exec('uptime');
      await conn.close();
    });
    buildDist();
    for (const variant of DRYDOCK_VARIANTS) {
      const startup = await timed([...variant.argv, '--version'], process.env, REPO);
      console.log(`${variant.tool} startup: ${startup.wallS.toFixed(2)} s wall, ${startup.cpuS.toFixed(2)} s CPU`);
    }

    for (const n of SIZES) {
      const { inventory, psshHosts } = writeInputs(fleet, n, work);
      for (const variant of DRYDOCK_VARIANTS) {
        rows.push(
          await bestOf(
            variant.tool,
            n,
            () => timed([...variant.argv, 'run', 'all', '-i', inventory, '-f', String(FORKS), '--json', '--', 'uptime'], process.env, REPO),
            (s) => (s.exitCode !== 0 ? `exit ${s.exitCode}` : countMatches(s.stdout, /"status":"changed"/) !== n ? `only ${countMatches(s.stdout, /"status":"changed"/)} of ${n} ok` : undefined),
          ),
        );
      }
      const cp = join(work, 'cp');
      const ansibleEnv = {
        ...process.env, ANSIBLE_HOME: join(work, 'ansible-home'), ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
        ANSIBLE_SSH_CONTROL_PATH_DIR: cp, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_HOST_KEY_CHECKING: 'True',
      };
      rows.push(
        await bestOf(
          'ansible -m raw',
          n,
          () => timed(['ansible', 'all', '-i', inventory, '-m', 'raw', '-a', 'uptime', '-f', String(FORKS)], ansibleEnv, work),
          (s) => (s.exitCode !== 0 ? `exit ${s.exitCode}` : countMatches(s.stdout, /\| CHANGED \| rc=0/) !== n ? `only ${countMatches(s.stdout, /\| CHANGED/)} of ${n} ok` : undefined),
          () => {
            try {
              stopControlMasters(cp);
            } catch {
              // no control directory: nothing to stop
            }
          },
        ),
      );
      const sshArgs = `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i ${fleet.clientKey}`;
      rows.push(
        await bestOf(
          'parallel-ssh',
          n,
          () => timed(['parallel-ssh', '-h', psshHosts, '-p', String(FORKS), '-x', sshArgs, 'uptime'], process.env, work),
          (s) => (s.exitCode !== 0 ? `exit ${s.exitCode}` : countMatches(s.stdout, /\[SUCCESS\]/) !== n ? `only ${countMatches(s.stdout, /\[SUCCESS\]/)} of ${n} ok` : undefined),
        ),
      );
    }
  } finally {
    await fleet.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const perHostMs = cost.clientCpuMs + cost.serverCpuMs;
  console.log(
    `\nper host on this machine (serial, ${cores} cores): controller ${cost.clientCpuMs.toFixed(1)} ms CPU + sshd ${cost.serverCpuMs.toFixed(1)} ms CPU; ${cost.wallMs.toFixed(1)} ms wall`,
  );
  console.log('\ntool              hosts   wall s   CPU s   peak RSS MB   wall / drydock   CPU / drydock   (drydock = the bin)');
  for (const row of rows) {
    const ours = rows.find((r) => r.tool === DRYDOCK_VARIANTS[0]!.tool && r.hosts === row.hosts);
    const ratios = !ours || row.broken || row === ours ? '' : `${(row.wallS / ours.wallS).toFixed(1).padStart(13)}x ${(row.cpuS / ours.cpuS).toFixed(1).padStart(14)}x`;
    const line = `${row.tool.padEnd(17)} ${String(row.hosts).padStart(5)} ${row.wallS.toFixed(2).padStart(8)} ${row.cpuS.toFixed(2).padStart(7)} ${row.maxRssMb.toFixed(0).padStart(13)}  ${ratios}`;
    console.log(row.broken ? `${line} BROKEN: ${row.broken}` : line);
  }
  console.log('');
  for (const n of SIZES) {
    // On loopback the fleet's sshds share the controller's cores, so the floor counts their CPU too; the
    // controller-only floor is what a tool would approach against remote hosts.
    const floorS = (n * perHostMs) / 1000 / cores;
    const clientFloorS = (n * cost.clientCpuMs) / 1000 / cores;
    const of = rows
      .filter((r) => r.tool.startsWith('drydock') && r.hosts === n && !r.broken)
      .map((r) => `${r.tool} at ${(r.wallS / floorS).toFixed(2)}x`)
      .join(', ');
    console.log(
      `machine floor at ${n} hosts: ${floorS.toFixed(2)} s = hosts × (${cost.clientCpuMs.toFixed(1)} + ${cost.serverCpuMs.toFixed(1)} sshd) ms / ${cores} cores ` +
        `(controller-only ${clientFloorS.toFixed(2)} s); ${of}`,
    );
  }
  return rows.some((r) => r.broken) ? 1 : 0;
}

process.exitCode = await main();
