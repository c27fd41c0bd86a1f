/**
 * The lab's node agent, installed as /usr/bin/kubelet by the lab's kubelet package: it takes the kubelet's
 * flags and files as kubeadm leaves them (kubelet.service + 10-kubeadm.conf, /var/lib/kubelet/config.yaml,
 * kubelet.conf or bootstrap-kubelet.conf), serves healthz, runs the static pods as host services of the real
 * binaries (static-pods.ts), registers the Node and keeps its status and Lease fresh (node.ts), rotates its
 * client certificate (credentials.ts) and plays the pods bound to it (pods.ts). It runs no containers:
 * these machines cannot run a container runtime (see docs/architecture.md).
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from '../../util/yaml.js';
import { Api } from './api.js';
import { loadCredentials, rotateIfDue, type CredentialPaths } from './credentials.js';
import { nodeAddress, nodeName, postStatus, registerNode, renewLease, type NodeObject } from './node.js';
import { parseFlags } from './flags.js';
import { playPods } from './pods.js';
import { StaticPods } from './static-pods.js';

/** `drydock lab fault HOST hang-kubelet` creates it (src/lab/ops.ts KUBELET_HANG_FLAG). */
const HANG_FLAG = '/var/lib/kubelet/drydock-fault-hang';

/** Stamped in by the lab's package build: the version of the kubelet package this agent is. */
const VERSION = '@KUBELET_VERSION@';

interface KubeletConfig {
  staticPodPath?: string;
  healthzPort?: number;
  healthzBindAddress?: string;
}

const log = (line: string) => process.stderr.write(`kubelet: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `body` every `ms` until the process ends; a failure is logged (once per distinct message) and retried. */
function every(ms: number, what: string, body: () => Promise<void>): void {
  let last = '';
  const tick = async () => {
    try {
      await body();
      last = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== last) log(`${what}: ${message}`);
      last = message;
    }
    setTimeout(() => void tick(), ms);
  };
  void tick();
}

async function main(argv: string[]): Promise<void> {
  const version = VERSION.startsWith('@') ? `v${process.env.DRYDOCK_AGENT_VERSION ?? '0.0.0'}` : `v${VERSION}`;
  const flags = parseFlags(argv);
  if (flags === 'version') {
    process.stdout.write(`Kubernetes ${version}\n`);
    return;
  }
  if (!flags.config) throw new Error('no --config given');
  let config: KubeletConfig;
  try {
    config = (parse(readFileSync(flags.config, 'utf8')) ?? {}) as KubeletConfig;
  } catch (err) {
    throw new Error(`failed to load kubelet config file, path: ${flags.config}, error: ${(err as Error).message}`);
  }
  const name = nodeName(flags.hostnameOverride);
  const address = nodeAddress(flags.nodeIp);
  log(`node agent ${version} for node ${name} (${address})`);

  const healthz = createServer((_req, res) => res.end('ok'));
  healthz.listen(config.healthzPort ?? 10248, config.healthzBindAddress ?? '127.0.0.1');

  const staticPods = new StaticPods(config.staticPodPath ?? '/etc/kubernetes/manifests', address, log);
  every(1000, 'static pods', () => staticPods.reconcileContainers());
  every(2000, 'probes', () => staticPods.probeContainers());

  // The API server may be one of this node's own static pods: keep trying until it answers.
  const paths: CredentialPaths = { kubeconfig: flags.kubeconfig, bootstrapKubeconfig: flags.bootstrapKubeconfig };
  let api: Api | null = null;
  while (!api) {
    try {
      api = new Api(await loadCredentials(paths, name, log));
    } catch (err) {
      if (/unable to load bootstrap kubeconfig/.test((err as Error).message)) throw err;
      log(`credentials: ${(err as Error).message}`);
      await sleep(2000);
    }
  }
  const client = api;
  const id = { name, address, version };
  let node: NodeObject | null = null;
  every(10000, 'node status', async () => {
    // The lab's hang-kubelet fault: the agent stays up but posts no status and renews no lease.
    if (existsSync(HANG_FLAG)) return;
    node ??= await registerNode(client, id);
    node = await postStatus(client, id, new Date());
    await renewLease(client, node, new Date());
  });
  every(2000, 'mirror pods', async () => {
    if (node) await staticPods.syncMirrorPods(client, { name, uid: node.metadata.uid });
  });
  every(2000, 'pods', async () => {
    if (node) await playPods(client, { name, podCIDR: node.spec?.podCIDR, address }, log);
  });
  every(60000, 'certificate rotation', async () => {
    const renewed = await rotateIfDue(client, paths, name, log);
    if (renewed) client.use(renewed);
  });
}

main(process.argv.slice(2)).catch((err) => {
  log(`"command failed" err="${(err as Error).message}"`);
  process.exit(1);
});
