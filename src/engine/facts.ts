/**
 * gather_facts in ONE command round trip per host: a POSIX sh script (facts-script.ts) prints `key=value`
 * lines, parsed here into `ansible_facts.*` and Ansible's classic top-level names (ansible_hostname,
 * ansible_distribution, …), with the names, types and shapes of Ansible's setup module on Linux
 * (test/fixtures/ansible/facts). Not gathered: ansible_python and ansible_python_version (drydock runs no
 * Python on hosts), hardware inventories (devices, mounts, lvm), ansible_date_time, ansible_local.
 */
import type { ModuleResult, TaskModule } from '../modules/types.js';
import { FACT_SCRIPT } from './facts-script.js';
import { networkFacts } from './facts-network.js';

export const GATHER_FACTS_MODULE = 'gather_facts';

export { FACT_SCRIPT } from './facts-script.js';

const DISTRIBUTIONS: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  centos: 'CentOS',
  rhel: 'RedHat',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  fedora: 'Fedora',
  opensuse: 'openSUSE',
  'opensuse-leap': 'openSUSE Leap',
  sles: 'SLES',
  alpine: 'Alpine',
  arch: 'Archlinux',
  amzn: 'Amazon',
};

const FAMILIES: Record<string, string> = { debian: 'Debian', rhel: 'RedHat', fedora: 'RedHat', suse: 'Suse', alpine: 'Alpine', arch: 'Archlinux' };

export interface GatheredFacts {
  /** Under `ansible_facts` (names without the ansible_ prefix). */
  facts: Record<string, unknown>;
  /** Top-level classic names (ansible_hostname, …, drydock_boot_id). */
  classic: Record<string, unknown>;
}

export function parseFacts(stdout: string): GatheredFacts {
  const envAt = stdout.indexOf('\n@env\n');
  const head = envAt >= 0 ? stdout.slice(0, envAt) : stdout;
  const raw = new Map<string, string>();
  const many = new Map<string, string[]>();
  for (const line of head.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'addr' || key === 'link') many.set(key, [...(many.get(key) ?? []), value]);
    else raw.set(key, value);
  }
  const get = (k: string): string => raw.get(k) ?? '';
  const int = (k: string): number | null => (/^[0-9]+$/.test(get(k)) ? Number(get(k)) : null);
  const osId = get('os_id').toLowerCase();
  const distribution = DISTRIBUTIONS[osId] ?? (get('os_name').split(' ')[0] || get('system') || 'Unknown');
  // Debian's point release is only in /etc/debian_version (12.11); os-release says 12.
  const debianVersion = get('debian_version');
  const version = osId === 'debian' && /^[0-9]+(\.[0-9]+)*$/.test(debianVersion) ? debianVersion : get('os_version');
  const like = [osId, ...get('os_like').split(/\s+/)].find((id) => FAMILIES[id]);
  const pkgMgr = get('pkg_mgr') === 'apt-get' ? 'apt' : get('pkg_mgr') || 'unknown';
  const uptime = Number.parseFloat(get('uptime'));
  const nodename = get('nodename') || get('hostname');
  const fqdn = get('fqdn') || nodename;
  const mb = (k: string): number | null => (int(k) === null ? null : Math.floor(int(k)! / 1024));
  const facts: Record<string, unknown> = {
    hostname: nodename.split('.')[0],
    nodename,
    fqdn,
    domain: fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : '',
    kernel: get('kernel'),
    kernel_version: get('kernel_version'),
    architecture: get('architecture'),
    machine: get('architecture'),
    system: get('system'),
    machine_id: get('machine_id'),
    distribution,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? '',
    ...(version.includes('.') ? { distribution_minor_version: version.split('.')[1] } : {}),
    distribution_release: get('os_codename'),
    os_family: like ? FAMILIES[like] : distribution,
    pkg_mgr: pkgMgr,
    service_mgr: get('service_mgr') || 'unknown',
    user_id: get('user_id'),
    user_uid: int('user_uid'),
    user_gid: int('user_gid'),
    user_dir: get('user_dir'),
    user_shell: get('user_shell'),
    user_gecos: get('user_gecos'),
    memtotal_mb: mb('mem_MemTotal'),
    memfree_mb: mb('mem_MemFree'),
    swaptotal_mb: mb('mem_SwapTotal'),
    swapfree_mb: mb('mem_SwapFree'),
    ...cpuFacts(int('cpu_processors') ?? 0, int('cpu_sockets') ?? 0, int('cpu_cores'), int('cpu_siblings'), int('cpu_nproc')),
    ...networkFacts({ route4: get('route4'), route6: get('route6'), addr: many.get('addr') ?? [], link: many.get('link') ?? [] }),
    env: envAt >= 0 ? parseEnv(stdout.slice(envAt + '\n@env\n'.length)) : {},
    uptime_seconds: Number.isFinite(uptime) ? Math.floor(uptime) : null,
    boot_id: get('boot_id'),
  };
  const classic: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(facts)) if (key !== 'boot_id') classic[`ansible_${key}`] = value;
  classic['drydock_boot_id'] = facts['boot_id'];
  return { facts, classic };
}

/** Ansible's x86 rule: sockets from `physical id`, cores from `cpu cores`, threads from `siblings`. */
function cpuFacts(processors: number, sockets: number, cores: number | null, siblings: number | null, nproc: number | null): Record<string, number> {
  const count = sockets || processors;
  const perSocket = cores || 1;
  const threads = Math.floor((siblings || 1) / perSocket) || 1;
  return {
    processor_count: count,
    processor_cores: perSocket,
    processor_threads_per_core: threads,
    processor_vcpus: threads * count * perSocket,
    processor_nproc: nproc ?? processors,
  };
}

/** `env -0` output (or plain `env` where -0 is unknown: one variable per line). */
function parseEnv(text: string): Record<string, string> {
  const entries = text.includes('\0') ? text.split('\0') : text.split('\n');
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** The implicit "Gathering Facts" task: one exec per host; a non-zero status fails the host. */
export const gatherFactsModule: TaskModule = {
  name: GATHER_FACTS_MODULE,
  supportsCheck: true,
  async run(ctx): Promise<ModuleResult> {
    const res = await ctx.exec(FACT_SCRIPT);
    if (res.code !== 0) {
      return { changed: false, failed: true, rc: res.code, stderr: res.stderr, msg: `gathering facts failed (exit status ${res.code ?? 'unknown'})` };
    }
    const gathered = parseFacts(res.stdout);
    return { changed: false, ansible_facts: gathered.facts, drydock_classic_facts: gathered.classic };
  },
};
