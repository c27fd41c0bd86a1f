/**
 * The Kubernetes releases the lab's apt repository carries, with the package and image versions that go
 * with each, as pkgs.k8s.io and kubeadm name them. Pure.
 */
import { UsageError } from '../../errors.js';

/** Oldest first; two patches of 1.28 and 1.29 so patch and minor upgrades can both be rehearsed. */
export const KUBE_RELEASES = ['1.28.14', '1.28.15', '1.29.3', '1.29.4', '1.30.2'] as const;
export const DEFAULT_KUBE_VERSION: string = KUBE_RELEASES[0];
export const KUBE_PACKAGES = ['kubelet', 'kubectl', 'kubeadm'] as const;
export type KubePackage = (typeof KUBE_PACKAGES)[number];

/** Images kubeadm pairs with each minor (constants in kubeadm's source of that minor). */
const MINOR_IMAGES: Record<string, { etcd: string; coredns: string; pause: string }> = {
  '1.28': { etcd: '3.5.9-0', coredns: 'v1.10.1', pause: '3.9' },
  '1.29': { etcd: '3.5.10-0', coredns: 'v1.11.1', pause: '3.9' },
  '1.30': { etcd: '3.5.12-0', coredns: 'v1.11.1', pause: '3.9' },
};

export interface KubeRelease {
  /** `1.29.4` */
  version: string;
  /** `v1.29.4`, the tag of the control-plane images and what the binaries print. */
  tag: string;
  /** `1.29` */
  minor: string;
  /** `1.29.4-1.1`, the Debian package version on pkgs.k8s.io. */
  debVersion: string;
  /** `/core:/stable:/v1.29/deb/`, the repository path of the minor. */
  repoPath: string;
  etcdImageTag: string;
  corednsTag: string;
  pauseTag: string;
}

export function minorOf(version: string): string {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!match) throw new UsageError(`"${version}" is not a Kubernetes version (expected e.g. 1.29.4)`);
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

/** Accepts `1.29.4` or `v1.29.4`; only releases the lab's repository carries. */
export function parseKubeVersion(input: string): KubeRelease {
  const bare = input.trim().replace(/^v/, '');
  if (!(KUBE_RELEASES as readonly string[]).includes(bare)) {
    throw new UsageError(`--kube-version ${input}: the lab's repository carries ${KUBE_RELEASES.join(', ')}`);
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
