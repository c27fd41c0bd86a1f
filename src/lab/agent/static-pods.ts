/**
 * Static pods, as the kubelet keeps them: every manifest in the static pod folder runs (runtime.ts); a
 * changed manifest stops the old container and starts the new one; a removed manifest stops it. Each one
 * has a mirror pod in the API (`<name>-<node>`, with kubeadm's `kubernetes.io/config.hash`,
 * `config.mirror` and `config.source` annotations) whose status follows the container and its probes.
 * A mirror pod whose hash is not the manifest's is deleted and made again, as the kubelet does.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../../util/yaml.js';
import { Api, isStatus } from './api.js';
import { probe, type Probe } from './probes.js';
import { imageBinary, listUnits, restartUnit, startUnit, stopUnit, unitName, type UnitState } from './runtime.js';

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

export interface Manifest {
  file: string;
  hash: string;
  pod: {
    metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: { containers: Container[]; terminationGracePeriodSeconds?: number; hostNetwork?: boolean; [k: string]: unknown };
  };
}

export function readManifests(dir: string, log: (line: string) => void): Manifest[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => !f.startsWith('.') && /\.(ya?ml|json)$/.test(f)).sort();
  } catch {
    return [];
  }
  const manifests: Manifest[] = [];
  for (const file of files) {
    try {
      const text = readFileSync(join(dir, file), 'utf8');
      const pod = parse(text) as Manifest['pod'];
      if (!pod?.metadata?.name || !pod.spec?.containers?.length) continue;
      manifests.push({ file, hash: createHash('md5').update(text).digest('hex'), pod });
    } catch (err) {
      log(`static pod manifest ${file}: ${(err as Error).message}`);
    }
  }
  return manifests;
}

interface Tracked {
  ready: boolean;
  livenessFailures: number;
  statusKey: string;
}

export class StaticPods {
  private tracked = new Map<string, Tracked>();
  private manifests: Manifest[] = [];
  private units = new Map<string, UnitState>();

  constructor(private readonly dir: string, private readonly address: string, private readonly log: (line: string) => void) {}

  /** The runtime side, which needs no API server: make the running containers match the manifests. */
  async reconcileContainers(): Promise<void> {
    this.manifests = readManifests(this.dir, this.log);
    this.units = await listUnits();
    const wanted = new Set<string>();
    for (const m of this.manifests) {
      const container = m.pod.spec.containers[0]!;
      const unit = unitName(m.pod.metadata.name);
      wanted.add(unit);
      const running = this.units.get(unit);
      if (running?.active && running.hash === m.hash) continue;
      if (running) {
        this.log(`static pod ${m.pod.metadata.name}: manifest changed, stopping the old container`);
        await stopUnit(unit);
      }
      const [command, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
      const binary = command ? imageBinary(container.image, command) : null;
      if (!binary) {
        this.log(`static pod ${m.pod.metadata.name}: cannot run image ${container.image}`);
        continue;
      }
      try {
        await startUnit({
          pod: m.pod.metadata.name, hash: m.hash, binary, args: rest,
          env: Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
          graceSeconds: m.pod.spec.terminationGracePeriodSeconds ?? 30,
        });
        this.log(`static pod ${m.pod.metadata.name}: started ${binary}`);
        this.tracked.delete(m.pod.metadata.name);
      } catch (err) {
        this.log(`static pod ${m.pod.metadata.name}: ${(err as Error).message}`);
      }
    }
    for (const unit of this.units.keys()) {
      if (!wanted.has(unit)) {
        this.log(`${unit}: its manifest is gone, stopping it`);
        await stopUnit(unit);
      }
    }
    this.units = await listUnits();
  }

  /** Probes each container: readiness for the mirror pod's status; liveness failures restart it. */
  async probeContainers(): Promise<void> {
    for (const m of this.manifests) {
      const name = m.pod.metadata.name;
      const container = m.pod.spec.containers[0]!;
      const unit = this.units.get(unitName(name));
      const t = this.tracked.get(name) ?? { ready: false, livenessFailures: 0, statusKey: '' };
      this.tracked.set(name, t);
      if (!unit?.active || unit.hash !== m.hash) {
        t.ready = false;
        continue;
      }
      const readiness = container.readinessProbe ?? container.startupProbe ?? container.livenessProbe;
      t.ready = readiness ? await probe(readiness, this.address) : true;
      const liveness = container.livenessProbe;
      const startedFor = unit.startedAt ? (Date.now() - unit.startedAt.getTime()) / 1000 : 0;
      if (liveness && startedFor > (liveness.initialDelaySeconds ?? 0) + 60) {
        t.livenessFailures = (await probe(liveness, this.address)) ? 0 : t.livenessFailures + 1;
        if (t.livenessFailures >= (liveness.failureThreshold ?? 3) * Math.max(1, Math.round((liveness.periodSeconds ?? 10) / 2))) {
          this.log(`static pod ${name}: liveness probe failed ${t.livenessFailures} times, restarting`);
          t.livenessFailures = 0;
          await restartUnit(unit.unit);
        }
      }
    }
  }

  /** The API side: one mirror pod per manifest, with the manifest's hash and the container's status. */
  async syncMirrorPods(api: Api, node: { name: string; uid: string }): Promise<void> {
    const wanted = new Map(this.manifests.map((m) => [`${m.pod.metadata.name}-${node.name}`, m]));
    const listed = await api.get<{ items: MirrorPod[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node.name}`)}`);
    const existing = new Map(listed.items.filter((p) => p.metadata.annotations?.['kubernetes.io/config.mirror']).map((p) => [p.metadata.name, p]));
    for (const [name, pod] of existing) {
      const m = wanted.get(name);
      if (m && pod.metadata.annotations?.['kubernetes.io/config.mirror'] === m.hash && !pod.metadata.deletionTimestamp) continue;
      await api.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${name}`, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
        .catch((err) => { if (!isStatus(err, 404)) throw err; });
      existing.delete(name);
    }
    for (const [name, m] of wanted) {
      const namespace = m.pod.metadata.namespace ?? 'default';
      if (!existing.has(name)) {
        const annotations = {
          ...(m.pod.metadata.annotations ?? {}),
          'kubernetes.io/config.hash': m.hash, 'kubernetes.io/config.mirror': m.hash,
          'kubernetes.io/config.seen': new Date().toISOString(), 'kubernetes.io/config.source': 'file',
        };
        await api.post(`/api/v1/namespaces/${namespace}/pods`, {
          apiVersion: 'v1', kind: 'Pod',
          metadata: { ...m.pod.metadata, name, namespace, annotations, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] },
          spec: { ...m.pod.spec, nodeName: node.name },
        });
        const t = this.tracked.get(m.pod.metadata.name);
        if (t) t.statusKey = '';
      }
      await this.postStatus(api, name, namespace, m);
    }
  }

  private async postStatus(api: Api, name: string, namespace: string, m: Manifest): Promise<void> {
    const unit = this.units.get(unitName(m.pod.metadata.name));
    const t = this.tracked.get(m.pod.metadata.name);
    const running = Boolean(unit?.active && unit.hash === m.hash);
    const ready = running && Boolean(t?.ready);
    const started = (unit?.startedAt ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    const key = JSON.stringify([running, ready, started, unit?.restarts ?? 0]);
    if (t && t.statusKey === key) return;
    const container = m.pod.spec.containers[0]!;
    const condition = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: started });
    await api.patch(`/api/v1/namespaces/${namespace}/pods/${name}/status`, {
      status: {
        phase: running ? 'Running' : 'Pending',
        conditions: [condition('Initialized', true), condition('Ready', ready), condition('ContainersReady', ready), condition('PodScheduled', true)],
        hostIP: this.address, podIP: this.address, podIPs: [{ ip: this.address }], startTime: started,
        containerStatuses: [{
          name: container.name, image: container.image, imageID: container.image, ready, started: running,
          restartCount: unit?.restarts ?? 0,
          state: running ? { running: { startedAt: started } } : { waiting: { reason: unit ? 'CrashLoopBackOff' : 'ContainerCreating' } },
        }],
      },
    });
    if (t) t.statusKey = key;
  }
}

interface MirrorPod {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string>; deletionTimestamp?: string };
}
