/**
 * gather_facts in ONE command round trip per host: a POSIX sh script prints `key=value` lines, parsed here
 * into `ansible_facts.*` and Ansible's classic top-level names (ansible_hostname, ansible_distribution, …).
 */
import type { ModuleResult, TaskModule } from '../modules/types.js';

export const GATHER_FACTS_MODULE = 'gather_facts';

/** Every value is printed as one line; os-release is sourced in a subshell so its variables stay there. */
export const FACT_SCRIPT = [
  'echo "hostname=$(hostname -s 2>/dev/null || hostname)"',
  'echo "fqdn=$(hostname -f 2>/dev/null || hostname)"',
  'echo "kernel=$(uname -r)"',
  'echo "architecture=$(uname -m)"',
  'echo "system=$(uname -s)"',
  'echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"',
  'echo "uptime=$(cut -d" " -f1 /proc/uptime 2>/dev/null)"',
  'if [ -r /etc/os-release ]; then (. /etc/os-release; echo "os_id=$ID"; echo "os_version=$VERSION_ID"; echo "os_codename=$VERSION_CODENAME"; echo "os_name=$NAME"; echo "os_like=$ID_LIKE"); fi',
  'for m in apt-get dnf yum zypper apk pacman; do if command -v $m >/dev/null 2>&1; then echo "pkg_mgr=$m"; break; fi; done',
  'echo "user_id=$(id -un)"',
].join('\n');

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
  const raw = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) raw.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const get = (k: string): string => raw.get(k) ?? '';
  const osId = get('os_id').toLowerCase();
  const distribution = DISTRIBUTIONS[osId] ?? (get('os_name').split(' ')[0] || get('system') || 'Unknown');
  const version = get('os_version');
  const like = [osId, ...get('os_like').split(/\s+/)].find((id) => FAMILIES[id]);
  const pkgMgr = get('pkg_mgr') === 'apt-get' ? 'apt' : get('pkg_mgr') || 'unknown';
  const uptime = Number.parseFloat(get('uptime'));
  const facts: Record<string, unknown> = {
    hostname: get('hostname'),
    fqdn: get('fqdn'),
    nodename: get('hostname'),
    kernel: get('kernel'),
    architecture: get('architecture'),
    system: get('system'),
    distribution,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? '',
    distribution_release: get('os_codename'),
    os_family: like ? FAMILIES[like] : distribution,
    pkg_mgr: pkgMgr,
    user_id: get('user_id'),
    uptime_seconds: Number.isFinite(uptime) ? Math.floor(uptime) : null,
    boot_id: get('boot_id'),
  };
  const classic: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(facts)) if (key !== 'boot_id') classic[`ansible_${key}`] = value;
  classic['drydock_boot_id'] = facts['boot_id'];
  return { facts, classic };
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
