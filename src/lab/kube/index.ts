/**
 * The lab's Kubernetes parts, as `lab up` uses them: the apt repository (built once into the cache), the
 * cluster settings and PKI, the seed workload, the provisioners (registered on import) and the services.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { ensureKubeRepo } from './repo.js';
import { labSeed } from './seed.js';
import { kubeSettings, type KubeLabSettings } from './settings.js';
import { shareClusterCa } from './provision.js';
import { parseKubeVersion, releaseInfo } from './versions.js';

export { startKubeServices } from './services.js';
export { ensureCluster } from './cluster.js';
export type { KubeLabSettings } from './settings.js';

export interface PrepareKubeOptions {
  stateDir: string;
  cacheDir: string;
  labId: string;
  bridgeAddress: string;
  version?: string;
  certDays?: number;
  previous?: KubeLabSettings;
  log: (line: string) => void;
}

/** Everything the controller side needs before hosts are provisioned; idempotent across `up`s. */
export async function prepareKube(options: PrepareKubeOptions): Promise<KubeLabSettings> {
  const previous = options.previous;
  if (previous && options.version && parseKubeVersion(options.version).version !== previous.version) {
    throw new UsageError(`${options.stateDir} holds a cluster that started at ${previous.version}; run "drydock lab down --purge --state-dir ${options.stateDir}" first to start at ${options.version}`);
  }
  if (previous && options.certDays !== undefined && options.certDays !== previous.certDays) {
    throw new UsageError(`${options.stateDir} holds a cluster whose certificates were issued for ${previous.certDays} days; run "drydock lab down --purge --state-dir ${options.stateDir}" first to issue them for ${options.certDays}`);
  }
  const repo = await ensureKubeRepo(options.cacheDir, options.log);
  const settings = kubeSettings({
    stateDir: options.stateDir, repoDir: repo.dir, bridgeAddress: options.bridgeAddress, labId: options.labId,
    version: options.version, certDays: options.certDays, previous: options.previous,
  });
  await mkdir(dirname(settings.seedFile), { recursive: true, mode: 0o700 });
  // A real cluster's PKI and seed are kubeadm's and cluster.ts's; the stand-ins' simulator needs them here.
  if (releaseInfo(settings.version).real) return settings;
  if (!existsSync(settings.seedFile)) await writeFile(settings.seedFile, labSeed(releaseInfo(settings.version).tag));
  await shareClusterCa(settings);
  return settings;
}
