/**
 * A lab's Kubernetes settings, chosen by `lab up` and kept in lab.json (`kube`), so later `up`s, the
 * provisioners and the lab's services process agree on versions, addresses and paths. Pure.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { kubeBuildCache } from './binaries.js';
import { DEFAULT_KUBE_VERSION, parseKubeVersion, releaseInfo } from './versions.js';

export const API_SERVER_PORT = 6443;
export const REPO_PORT = 8089;
export const DEFAULT_CERT_DAYS = 365;

export interface KubeLabSettings {
  /** Starting release, e.g. `1.28.14`. */
  version: string;
  /** Validity of the leaf certificates issued at first provisioning. */
  certDays: number;
  /** Base URL of the lab's apt repositories, e.g. `http://10.213.5.1:8089`. */
  repoUrl: string;
  /** The cluster's API endpoint (the lab's API simulator on the bridge address). */
  apiServerUrl: string;
  apiEndpointAddress: string;
  /** The cluster CAs and service-account keys, on the controller. */
  pkiDir: string;
  apiStateDir: string;
  /** Admin kubeconfig for the controller (bearer token). */
  kubeconfig: string;
  seedFile: string;
  repoDir: string;
  clusterToken: string;
  servicesLog: string;
  servicesReady: string;
  /** A real release's image store (scripts/build-kube.sh's cache), bound into every host; absent for stand-ins. */
  imagesDir?: string;
}

export function checkCertDays(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 36500) throw new UsageError(`--cert-days must be a whole number of days from 1 to 36500, got ${value}`);
  return value;
}

export function kubeSettings(options: {
  stateDir: string; repoDir: string; bridgeAddress: string; labId: string; version?: string; certDays?: number; previous?: KubeLabSettings;
}): KubeLabSettings {
  const kubeDir = join(options.stateDir, 'kube');
  const version = parseKubeVersion(options.version ?? options.previous?.version ?? DEFAULT_KUBE_VERSION).version;
  return {
    version,
    certDays: checkCertDays(options.certDays ?? options.previous?.certDays ?? DEFAULT_CERT_DAYS),
    repoUrl: `http://${options.bridgeAddress}:${REPO_PORT}`,
    apiServerUrl: `https://${options.bridgeAddress}:${API_SERVER_PORT}`,
    apiEndpointAddress: options.bridgeAddress,
    pkiDir: join(kubeDir, 'pki'),
    apiStateDir: join(kubeDir, 'apiserver'),
    kubeconfig: join(options.stateDir, 'kubeconfig'),
    seedFile: join(kubeDir, 'seed.yaml'),
    repoDir: options.repoDir,
    clusterToken: `drydock-lab-${options.labId}`,
    servicesLog: join(kubeDir, 'services.log'),
    servicesReady: join(kubeDir, 'services.ready'),
    ...(releaseInfo(version).real ? { imagesDir: kubeBuildCache() } : {}),
  };
}
