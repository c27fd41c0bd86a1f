/**
 * The lab's Kubernetes parts, as `lab up` uses them: the apt repository (built once into the cache), the
 * cluster settings, the provisioners (registered on import), the services and the making of the cluster.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { ensureKubeRepo } from './repo.js';
import { checkPreviousRelease, kubeSettings, type KubeLabSettings } from './settings.js';
import { parseKubeVersion } from './versions.js';
import './provision.js';

export { startKubeServices } from './services.js';
export { ensureCluster } from './cluster.js';
export type { KubeLabSettings } from './settings.js';

export interface PrepareKubeOptions {
  stateDir: string;
  cacheDir: string;
  bridgeAddress: string;
  version?: string;
  certDays?: number;
  previous?: KubeLabSettings;
  log: (line: string) => void;
}

/** Everything the controller side needs before hosts are provisioned; idempotent across `up`s. */
export async function prepareKube(options: PrepareKubeOptions): Promise<KubeLabSettings> {
  const previous = options.previous;
  checkPreviousRelease(options.stateDir, previous);
  if (previous && options.version && parseKubeVersion(options.version).version !== previous.version) {
    throw new UsageError(`${options.stateDir} holds a cluster that started at ${previous.version}; run "drydock lab down --purge --state-dir ${options.stateDir}" first to start at ${options.version}`);
  }
  if (previous && options.certDays !== undefined && options.certDays !== previous.certDays) {
    throw new UsageError(`${options.stateDir} holds a cluster whose certificates were issued for ${previous.certDays} days; run "drydock lab down --purge --state-dir ${options.stateDir}" first to issue them for ${options.certDays}`);
  }
  const repo = await ensureKubeRepo(options.cacheDir, options.log);
  const settings = kubeSettings({
    stateDir: options.stateDir, repoDir: repo.dir, bridgeAddress: options.bridgeAddress,
    version: options.version, certDays: options.certDays, previous,
  });
  // cluster.ts writes the seed workload here once kubeadm has made the cluster.
  await mkdir(dirname(settings.seedFile), { recursive: true, mode: 0o700 });
  return settings;
}
