/**
 * The lab's cluster-side services, run in one detached process next to the supervisor: the apt repository
 * server and the control-plane endpoint (a TCP load balancer in front of the control planes'
 * kube-apiservers), both on the bridge address so every host reaches them. The
 * process ends when the lab's supervisor does (or lab.json goes away), and lives in the lab's cgroup so a
 * teardown sweeps it even after a crash.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxLoaderArgs } from '../../util/tsx-loader.js';
import { ConfigError } from '../../errors.js';
import { ensureCgroup } from '../cgroup.js';
import { readLabRecord, type LabRecord } from '../state.js';
import { apiserverReady, startBalancer } from './balancer.js';
import { spawnDetached, processExists } from '../sys.js';
import { isSupervisorProcess } from '../teardown.js';
import { slowAptFile, startRepoServer } from './reposerver.js';
import { API_SERVER_PORT, REPO_PORT, type KubeLabSettings } from './settings.js';

export const SERVICES_CGROUP = 'kube-services';

/** The cluster's endpoint: the load balancer in front of the control planes' kube-apiservers. */
async function startEndpoint(record: LabRecord): Promise<{ url: string; stop(): Promise<void> }> {
  const controlPlanes = record.hosts.filter((h) => h.role === 'control_plane').map((h) => ({ host: h.address, port: API_SERVER_PORT }));
  const balancer = await startBalancer({ host: record.bridgeAddress, port: API_SERVER_PORT }, () => controlPlanes, { healthy: (b) => apiserverReady(b) });
  return { url: `https://${balancer.address}:${balancer.port} -> ${controlPlanes.map((b) => b.host).join(', ')}`, stop: () => balancer.stop() };
}

/** Starts the services process for the lab whose lab.json is given; returns its pid once both listen. */
export async function startKubeServices(labJson: string, kube: KubeLabSettings, labCgroup: string, timeoutMs = 30000): Promise<number> {
  await rm(kube.servicesReady, { force: true });
  await mkdir(join(kube.servicesReady, '..'), { recursive: true });
  const here = import.meta.url;
  const extension = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`./services-main${extension}`, here));
  const loader = tsxLoaderArgs(here);
  const pid = spawnDetached(process.execPath, [...loader, entry, labJson], kube.servicesLog);
  const cgroup = join(labCgroup, SERVICES_CGROUP);
  await ensureCgroup(cgroup);
  await writeFile(join(cgroup, 'cgroup.procs'), String(pid));
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(kube.servicesReady)) {
    if (!processExists(pid) || Date.now() > deadline) {
      const tail = existsSync(kube.servicesLog) ? readFileSync(kube.servicesLog, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
      throw new ConfigError(`the lab's Kubernetes services (apt repository, API endpoint) did not start:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return pid;
}

/** Body of the services process. */
export async function runKubeServices(labJson: string, log: (line: string) => void): Promise<void> {
  const record = readLabRecord(labJson);
  const kube = (record as { kube?: KubeLabSettings } | null)?.kube;
  if (!record || !kube) throw new ConfigError(`${labJson}: no Kubernetes settings (kube) in the lab record`);
  const repo = await startRepoServer(kube.repoDir, record.bridgeAddress, REPO_PORT, undefined, slowAptFile(dirname(kube.servicesLog)));
  log(`apt repository ${repo.url} serving ${kube.repoDir}`);
  const api = await startEndpoint(record);
  log(`API endpoint ${api.url}; admin kubeconfig ${kube.kubeconfig}`);
  await writeFile(kube.servicesReady, `${process.pid}\n`);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    await Promise.allSettled([api.stop(), repo.stop()]);
    await rm(kube.servicesReady, { force: true });
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(`received ${signal}`));
  // `lab up` starts this before the supervisor; from the supervisor's first record on, follow its life. A
  // stopping supervisor clears its pid in lab.json before it exits: leave then, ahead of the teardown sweep.
  let seenSupervisor = false;
  const started = Date.now();
  setInterval(() => {
    let current;
    try {
      current = readLabRecord(labJson);
    } catch {
      current = null;
    }
    if (!current) return void stop(`${labJson} is gone`);
    const alive = isSupervisorProcess(current.supervisorPid, labJson);
    if (alive) seenSupervisor = true;
    else if (seenSupervisor || Date.now() - started > 120000) void stop('the lab supervisor stopped');
  }, 100);
}
