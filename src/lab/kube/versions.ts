/**
 * The Kubernetes releases the lab's apt repository carries, with the package and image versions that go
 * with each, as pkgs.k8s.io and kubeadm name them. Pure.
 */
import { UsageError } from '../../errors.js';

/**
 * Real releases: the upstream programs built from the Go module proxy (scripts/build-kube.sh), kubeadm and
 * kubectl packaged as they are and the lab's node agent as the kubelet. The proxy serves matching staging
 * modules for 1.36.3 and 1.37.2 (not 1.36.1), so the lab starts at 1.36.3 and upgrades to 1.37.2.
 */
export const REAL_RELEASES = ['1.36.3', '1.37.2'] as const;
/** Every release the lab's repository carries, oldest first: only real ones. */
export const KUBE_RELEASES: readonly string[] = REAL_RELEASES;
export const DEFAULT_KUBE_VERSION: string = REAL_RELEASES[0];
/** The etcd release the lab builds and every release runs (kubeadm 1.36 and 1.37 expect 3.6). */
export const LAB_ETCD_VERSION = '3.6.16';

export const KUBE_PACKAGES = ['kubelet', 'kubectl', 'kubeadm'] as const;
export type KubePackage = (typeof KUBE_PACKAGES)[number];

/** Images kubeadm pairs with each minor (constants in kubeadm's source of that minor). */
const MINOR_IMAGES: Record<string, { etcd: string; coredns: string; pause: string }> = {
  // The lab's etcd build, named in kubeadm's ClusterConfiguration (etcd.local.imageTag).
  '1.36': { etcd: `${LAB_ETCD_VERSION}-0`, coredns: 'v1.12.1', pause: '3.10.1' },
  '1.37': { etcd: `${LAB_ETCD_VERSION}-0`, coredns: 'v1.12.1', pause: '3.10.1' },
};

export interface KubeRelease {
  /** `1.36.3` */
  version: string;
  /** `v1.36.3`, the tag of the control-plane images and what the binaries print. */
  tag: string;
  /** `1.36` */
  minor: string;
  /** `1.36.3-1.1`, the Debian package version on pkgs.k8s.io. */
  debVersion: string;
  /** `/core:/stable:/v1.36/deb/`, the repository path of the minor. */
  repoPath: string;
  etcdImageTag: string;
  corednsTag: string;
  pauseTag: string;
}

export function minorOf(version: string): string {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!match) throw new UsageError(`"${version}" is not a Kubernetes version (expected e.g. 1.36.3)`);
  return `${match[1]}.${match[2]}`;
}

export function repoPathFor(minor: string): string {
  return `/core:/stable:/v${minor}/deb/`;
}

export function releaseInfo(version: string): KubeRelease {
  const minor = minorOf(version);
  const images = MINOR_IMAGES[minor];
  if (!images) throw new UsageError(`no image table for Kubernetes ${minor}`);
  return {
    version, tag: `v${version}`, minor, debVersion: `${version}-1.1`, repoPath: repoPathFor(minor),
    etcdImageTag: images.etcd, corednsTag: images.coredns, pauseTag: images.pause,
  };
}

/** Accepts `1.36.3` or `v1.36.3`; only releases the lab's repository carries (the real ones). */
export function parseKubeVersion(input: string): KubeRelease {
  const bare = input.trim().replace(/^v/, '');
  if (!KUBE_RELEASES.includes(bare)) {
    throw new UsageError(`--kube-version ${input}: the lab runs only the real Kubernetes releases ${KUBE_RELEASES.join(', ')}`);
  }
  return releaseInfo(bare);
}

/** Releases grouped by minor, oldest minor first: one apt repository each. */
export function releasesByMinor(): Map<string, KubeRelease[]> {
  const byMinor = new Map<string, KubeRelease[]>();
  for (const version of KUBE_RELEASES) {
    const info = releaseInfo(version);
    byMinor.set(info.minor, [...(byMinor.get(info.minor) ?? []), info]);
  }
  return byMinor;
}
