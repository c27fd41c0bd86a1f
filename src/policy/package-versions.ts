/**
 * Package-manager version strings for kubeadm/kubelet/kubectl. pkgs.k8s.io debs look like `1.29.4-1.1`,
 * its rpms like `1.28.5-150500.1.1`, the retired apt.kubernetes.io debs like `1.29.0-00`. apt needs the exact
 * string (`kubeadm=1.29.4-1.1`), so the planner resolves a target Kubernetes version to one of these.
 */
import { ConfigError } from '../errors.js';
import { formatKubeVersion, parseKubeVersion, tryParseKubeVersion } from './kube-version.js';

const VERSION_CELL = /^(\d+:)?\d+\.\d+\.\d+(-[0-9A-Za-z.~+]+)?$/;

/**
 * Versions listed by `apt-cache madison <pkg>`, in listed order (newest first as apt prints them), without
 * duplicates. Lines look like ` kubeadm | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages`.
 * With `packageName`, lines for other packages are ignored.
 */
export function parseMadison(text: string, packageName?: string): string[] {
  const versions: string[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 3) continue;
    const [pkg, version] = cells as [string, string];
    if (packageName && pkg !== packageName) continue;
    if (VERSION_CELL.test(version) && !versions.includes(version)) versions.push(version);
  }
  return versions;
}

/**
 * Versions listed by `yum|dnf list --showduplicates <pkg>`: lines like
 * `kubeadm.x86_64   1.28.5-150500.1.1   kubernetes`; section headers and other packages are ignored.
 */
export function parseYumShowDuplicates(text: string, packageName?: string): string[] {
  const versions: string[] = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 3) continue;
    const [nameArch, version] = cells as [string, string];
    const name = nameArch.includes('.') ? nameArch.slice(0, nameArch.lastIndexOf('.')) : nameArch;
    if (packageName && name !== packageName) continue;
    if (VERSION_CELL.test(version) && !versions.includes(version)) versions.push(version);
  }
  return versions;
}

/** `1:1.29.4-1.1` → `1.29.4`: the Kubernetes version inside a package version. */
export function upstreamOf(packageVersion: string): string {
  const withoutEpoch = packageVersion.replace(/^\d+:/, '');
  const dash = withoutEpoch.indexOf('-');
  return dash < 0 ? withoutEpoch : withoutEpoch.slice(0, dash);
}

/**
 * The package version to install for Kubernetes `target` (e.g. `1.29.4` → `1.29.4-1.1`). When several
 * package revisions of the same release exist, the highest revision wins. Throws a ConfigError listing what
 * the repository does offer when the target is absent.
 */
export function resolvePackageVersion(target: string, candidates: string[]): string {
  const wanted = formatKubeVersion(parseKubeVersion(target));
  const matches = candidates.filter((c) => upstreamOf(c) === wanted);
  if (matches.length > 0) return matches.sort(comparePackageRevisions).pop()!;

  const wantedVersion = parseKubeVersion(wanted);
  const sameMinor = candidates.filter((c) => {
    const v = tryParseKubeVersion(upstreamOf(c));
    return v !== null && v.major === wantedVersion.major && v.minor === wantedVersion.minor;
  });
  const minor = `${wantedVersion.major}.${wantedVersion.minor}`;
  const hint =
    sameMinor.length > 0
      ? `the repository offers ${minor}: ${sameMinor.join(', ')}`
      : candidates.length > 0
        ? `the repository offers no ${minor}.x package (only ${candidates.slice(0, 6).join(', ')}${candidates.length > 6 ? ', ...' : ''}); point the Kubernetes repository at v${minor} and run apt-get update / dnf makecache`
        : 'the repository offers no version at all; is the Kubernetes package repository configured, and was the package index updated?';
  throw new ConfigError(`Kubernetes ${wanted} is not available as a package: ${hint}`);
}

/** Orders package versions of the same upstream release by revision, numerically per dotted segment. */
function comparePackageRevisions(a: string, b: string): number {
  const revision = (v: string): number[] => {
    const dash = v.indexOf('-');
    return dash < 0 ? [] : v.slice(dash + 1).split(/[.~+]/).map((part) => Number.parseInt(part, 10) || 0);
  };
  const ra = revision(a);
  const rb = revision(b);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const diff = (ra[i] ?? 0) - (rb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
