/**
 * The two backends of the contract test behind one shape: the API simulator (its own kubelet and
 * controllers) and a real kube-apiserver + kube-controller-manager with the node agent as kubelet. Both get
 * the same timings, and the scenario's objects are created through the same REST calls.
 */
import { startApiServer } from '../../src/lab/apiserver/index.js';
import { startRealApiServer, type RealApiServer } from '../helpers/real-apiserver.js';
import { NodeAgent } from './node-agent.js';
import { Rest, waitFor } from './rest.js';

/** The simulator's kubelet and controller timings; the node agent plays the real cluster's with the same. */
export const TIMING = { replaceDelayMs: 300, podStartDelayMs: 200, podShutdownMs: 300 };

export interface Cluster {
  /** `simulator` or `kube-apiserver v1.36.3`. */
  name: string;
  rest: Rest;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

export async function startSimulatorCluster(): Promise<Cluster> {
  const server = await startApiServer({ ...TIMING });
  const rest = new Rest({ server: server.url, caPem: server.caPem, clientCertPem: server.clientCertPem, clientKeyPem: server.clientKeyPem });
  return { name: 'simulator', rest, kubeconfigPath: server.kubeconfigPath, stop: () => server.stop() };
}

export async function startRealCluster(): Promise<Cluster & { real: RealApiServer; agent: NodeAgent }> {
  const real = await startRealApiServer();
  const agent = new NodeAgent(real.rest, { startMs: TIMING.podStartDelayMs, shutdownMs: TIMING.podShutdownMs });
  agent.start();
  return {
    name: `kube-apiserver ${real.version}`,
    rest: real.rest,
    kubeconfigPath: real.kubeconfigPath,
    real,
    agent,
    async stop() {
      await agent.stop();
      await real.stop();
    },
  };
}

/** A running pod's conditions; not Ready means its containers are not ready either. */
const podConditions = (ready: boolean) =>
  ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
    type,
    status: !ready && (type === 'Ready' || type === 'ContainersReady') ? 'False' : 'True',
  }));

/** Scenario building blocks, the same REST calls on either backend. */
export class World {
  constructor(
    readonly cluster: Cluster,
    readonly namespace: string,
    readonly node: string,
  ) {}

  get rest(): Rest {
    return this.cluster.rest;
  }

  ns(path: string, group = ''): string {
    return `${group ? `/apis/${group}` : '/api/v1'}/namespaces/${this.namespace}/${path}`;
  }

  /** The scenario's node (Ready, untainted, so the DaemonSet controller counts it) and namespace. */
  async init(nodeLabels: Record<string, string> = {}): Promise<void> {
    await this.rest.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: this.node, labels: { 'kubernetes.io/hostname': this.node, ...nodeLabels } } });
    await this.rest.patch(`/api/v1/nodes/${this.node}`, { spec: { taints: null } });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.rest.patch(`/api/v1/nodes/${this.node}/status`, {
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      },
    });
    await this.rest.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } });
  }

  podSpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { nodeName: this.node, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }], ...extra };
  }

  /** A pod without a controller, bound to the scenario's node. */
  async barePod(name: string, labels: Record<string, string>, annotations?: Record<string, string>): Promise<void> {
    await this.rest.create(this.ns('pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { role: name, ...labels }, ...(annotations ? { annotations } : {}) },
      spec: this.podSpec(),
    });
  }

  async pdb(name: string, selector: Record<string, string>, budget: { minAvailable?: number | string; maxUnavailable?: number | string }): Promise<void> {
    await this.rest.create(this.ns('poddisruptionbudgets', 'policy/v1'), {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name },
      spec: { selector: { matchLabels: selector }, ...budget },
    });
  }

  async pods(): Promise<any[]> {
    return this.rest.list(this.ns('pods'));
  }

  /** Waits until `count` live pods of the namespace are Running and Ready. */
  async running(count: number): Promise<any[]> {
    return waitFor(`${count} Running and Ready pods in ${this.namespace} on the ${this.cluster.name}`, 30_000, async () => {
      const pods = (await this.pods()).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
      const ready = pods.filter((p) => (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === count && pods.length === count ? pods : undefined;
    });
  }

  async setReady(pod: string, ready: boolean): Promise<void> {
    await this.rest.patch(this.ns(`pods/${pod}/status`), { status: { phase: 'Running', conditions: podConditions(ready) } });
  }

  /** Waits until the disruption controller has processed the budget's current generation and `check` holds. */
  async pdbStatus(name: string, check: (status: any) => boolean = () => true): Promise<any> {
    return waitFor(`PodDisruptionBudget ${this.namespace}/${name} status on the ${this.cluster.name}`, 30_000, async () => {
      const pdb = await this.rest.get(this.ns(`poddisruptionbudgets/${name}`, 'policy/v1'));
      const processed = pdb && (pdb.status?.observedGeneration ?? 0) >= pdb.metadata.generation;
      return processed && check(pdb.status) ? pdb.status : undefined;
    });
  }
}
