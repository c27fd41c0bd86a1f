/**
 * A lab's Kubernetes settings, chosen by `lab up` and kept in lab.json (`kube`), so later `up`s, the
 * provisioners and the lab's services process agree on versions, addresses and paths. Pure.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { kubeBuildCache } from './binaries.js';
import { DEFAULT_KUBE_VERSION, KUBE_RELEASES, parseKubeVersion } from './versions.js';

export const API_SERVER_PORT = 6443;
export const REPO_PORT = 8089;
export const DEFAULT_CERT_DAYS = 365;

export interface KubeLabSettings {
  /** Starting release, e.g. `1.36.3`. */
  version: string;
  /** Validity kubeadm gives the certificates it issues when the cluster is made. */
  certDays: number;
  /** Base URL of the lab's apt repositories, e.g. `http://10.213.5.1:8089`. */
  repoUrl: string;
  /** The cluster's API endpoint: the load balancer on the bridge address in front of the control planes. */
  apiServerUrl: string;
  /** Admin kubeconfig for the controller (kubeadm's admin.conf, copied from the first control plane). */
  kubeconfig: string;
  seedFile: string;
  repoDir: string;
  servicesLog: string;
  servicesReady: string;
  /** The image store (scripts/build-kube.sh's cache), bound read-only into every host. */
  imagesDir: string;
}

export function checkCertDays(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 36500) throw new UsageError(`--cert-days must be a whole number of days from 1 to 36500, got ${value}`);
  return value;
}

/** A state folder made when the lab still ran the old stand-in releases holds a cluster no `up` can resume. */
export function checkPreviousRelease(stateDir: string, previous: KubeLabSettings | undefined): void {
  if (previous && !KUBE_RELEASES.includes(previous.version)) {
    throw new UsageError(`${stateDir} holds a cluster at ${previous.version}, which the lab no longer runs (only ${KUBE_RELEASES.join(', ')}); run "drydock lab down --purge --state-dir ${stateDir}" first`);
  }
}

export function kubeSettings(options: {
  stateDir: string; repoDir: string; bridgeAddress: string; version?: string; certDays?: number; previous?: KubeLabSettings;
}): KubeLabSettings {
  const kubeDir = join(options.stateDir, 'kube');
  const previous = options.previous;
  checkPreviousRelease(options.stateDir, previous);
  const version = parseKubeVersion(options.version ?? previous?.version ?? DEFAULT_KUBE_VERSION).version;
  return {
    version,
    certDays: checkCertDays(options.certDays ?? previous?.certDays ?? DEFAULT_CERT_DAYS),
    repoUrl: `http://${options.bridgeAddress}:${REPO_PORT}`,
    apiServerUrl: `https://${options.bridgeAddress}:${API_SERVER_PORT}`,
    kubeconfig: join(options.stateDir, 'kubeconfig'),
    seedFile: join(kubeDir, 'seed.yaml'),
    repoDir: options.repoDir,
    servicesLog: join(kubeDir, 'services.log'),
    servicesReady: join(kubeDir, 'services.ready'),
    imagesDir: kubeBuildCache(),
  };
}
