/**
 * Pure core of the apt module: parse package requests (`kubeadm`, `kubeadm=1.29.4-1.1`, `kubeadm=1.29.4-*`),
 * dpkg-query and apt-cache madison output, and decide per package what apt-get must do. No I/O here.
 */

export interface PackageRequest {
  name: string;
  /** Exact version or a glob (`*`, `?`), as apt's own `pkg=1.29.*` pins accept. */
  version?: string;
  /** The request as written (for messages). */
  spec: string;
}

export interface InstalledPackage {
  name: string;
  /** dpkg selection: install | hold | deinstall | purge | unknown. */
  selection: string;
  /** dpkg status: installed | config-files | not-installed | half-installed | … */
  status: string;
  version: string;
}

export function parseRequest(spec: string): PackageRequest {
  const eq = spec.indexOf('=');
  if (eq <= 0) return { name: spec.trim(), spec };
  const version = spec.slice(eq + 1).trim();
  return { name: spec.slice(0, eq).trim(), spec, ...(version ? { version } : {}) };
}

/** fnmatch-style glob (`*`, `?`, `[…]`) as Ansible's apt module matches pinned versions. */
export function versionMatches(version: string, pattern: string): boolean {
  if (!/[*?[]/.test(pattern)) return version === pattern;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(version);
}

export const DPKG_QUERY_FORMAT = '${Package}\\t${Status}\\t${Version}\\n';

/** Lines of `dpkg-query -W -f='${Package}\t${Status}\t${Version}\n'`. */
export function parseDpkgQuery(stdout: string): Map<string, InstalledPackage> {
  const out = new Map<string, InstalledPackage>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [name, status, version] = line.split('\t');
    if (!name || !status) continue;
    const words = status.trim().split(/\s+/);
    out.set(name, { name, selection: words[0] ?? 'unknown', status: words[2] ?? words[words.length - 1] ?? 'unknown', version: version ?? '' });
  }
  return out;
}

export function isInstalled(pkg: InstalledPackage | undefined): pkg is InstalledPackage {
  return !!pkg && pkg.status === 'installed';
}

/** Versions `apt-cache madison NAME` lists for one package, in apt's preference order (newest first). */
export function parseMadison(stdout: string, name: string): string[] {
  const versions: string[] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length >= 3 && cols[0] === name && cols[1] && !versions.includes(cols[1])) versions.push(cols[1]);
  }
  return versions;
}

export type PackageAction =
  | { kind: 'none'; name: string; version?: string }
  | { kind: 'install'; name: string; from?: string; to?: string; arg: string; held: boolean }
  | { kind: 'remove'; name: string; from: string; held: boolean }
  | { kind: 'unavailable'; name: string; spec: string; available: string[] };

/**
 * What `state` asks of one package. `available` (madison) is only needed for pinned versions; for
 * `latest` without a version the caller lets apt-get decide (`install` of the bare name, then compares).
 */
export function planPackage(
  request: PackageRequest,
  state: 'present' | 'absent' | 'latest',
  installed: InstalledPackage | undefined,
  available: string[] | undefined,
): PackageAction {
  const held = installed?.selection === 'hold';
  const current = isInstalled(installed) ? installed.version : undefined;
  if (state === 'absent') {
    if (current === undefined) return { kind: 'none', name: request.name };
    if (request.version && !versionMatches(current, request.version)) return { kind: 'none', name: request.name, version: current };
    return { kind: 'remove', name: request.name, from: current, held };
  }
  if (request.version) {
    if (current !== undefined && versionMatches(current, request.version) && state === 'present') {
      return { kind: 'none', name: request.name, version: current };
    }
    const candidates = (available ?? []).filter((v) => versionMatches(v, request.version!));
    if (candidates.length === 0) return { kind: 'unavailable', name: request.name, spec: request.spec, available: available ?? [] };
    const to = candidates[0]!;
    if (current === to) return { kind: 'none', name: request.name, version: current };
    return { kind: 'install', name: request.name, ...(current !== undefined ? { from: current } : {}), to, arg: `${request.name}=${to}`, held };
  }
  if (current !== undefined && state === 'present') return { kind: 'none', name: request.name, version: current };
  return { kind: 'install', name: request.name, ...(current !== undefined ? { from: current } : {}), arg: request.name, held };
}

export interface SimulatedChange {
  name: string;
  action: 'install' | 'remove';
  from?: string;
  to?: string;
}

/** `apt-get -s` lines: `Inst kubeadm [1.29.3-1.1] (1.29.4-1.1 repo [amd64])`, `Remv hello [2.10-3]`. */
export function parseSimulation(stdout: string): SimulatedChange[] {
  const changes: SimulatedChange[] = [];
  for (const line of stdout.split('\n')) {
    const inst = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+)/.exec(line);
    if (inst) {
      changes.push({ name: inst[1]!, action: 'install', ...(inst[2] ? { from: inst[2] } : {}), to: inst[3]! });
      continue;
    }
    const remv = /^(?:Remv|Purg) (\S+)(?: \[([^\]]+)\])?/.exec(line);
    if (remv) changes.push({ name: remv[1]!, action: 'remove', ...(remv[2] ? { from: remv[2] } : {}) });
  }
  return changes;
}

/** apt/dpkg could not take its lock because another apt (unattended-upgrades) holds it. */
export function isLockContention(stderr: string): boolean {
  return /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock the administration directory|is another process using it/i.test(stderr);
}

/** Packages `apt-get -s` lists under "The following packages will be DOWNGRADED:". */
export function parseDowngrades(stdout: string): string[] {
  const m = /The following packages will be DOWNGRADED:\n((?:[ \t]+\S.*\n?)+)/.exec(stdout);
  return m ? m[1]!.trim().split(/\s+/) : [];
}
