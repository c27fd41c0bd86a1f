/**
 * Seeding from ordinary manifests: a multi-document YAML of Nodes, Pods, PDBs and workloads (a `List`
 * expands to its items). Owner references in seeds may name their owner without a uid; the uid is filled
 * in from the seeded owner. Seeded pods bound to a Ready node start out Running and Ready, as in a cluster
 * that has been up for a while.
 */
import { parseAllDocuments } from '../../util/yaml.js';
import { ConfigError } from '../../errors.js';
import { findByKind } from './resources.js';
import { ApiError } from './status.js';
import { startPod } from './lifecycle.js';
import { isoSeconds, nodeIsReady } from './types.js';
import type { ConfigIssue } from '../../errors.js';
import type { Simulation } from './simulation.js';
import type { Json, KubeObject } from './types.js';

interface SeedDocument {
  obj: Json;
  line: number;
}

/** Parses the documents; every problem is collected with file:line before anything is created. */
export function parseSeed(text: string, file: string): SeedDocument[] {
  const issues: ConfigIssue[] = [];
  const out: SeedDocument[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  for (const doc of parseAllDocuments(text)) {
    const line = lineOf(doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0);
    for (const err of doc.errors) issues.push({ file, line: err.linePos?.[0]?.line ?? line, col: err.linePos?.[0]?.col, message: err.message });
    if (doc.errors.length) continue;
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    const items: Json[] = value.kind === 'List' ? (value.items ?? []) : [value];
    for (const obj of items) {
      if (!obj?.apiVersion || !obj?.kind) {
        issues.push({ file, line, message: 'a seed document needs apiVersion and kind' });
      } else if (!findByKind(obj.apiVersion, obj.kind)) {
        issues.push({ file, line, message: `the simulator does not serve ${obj.kind} (${obj.apiVersion})` });
      } else if (!obj.metadata?.name) {
        issues.push({ file, line, message: `${obj.kind} without metadata.name` });
      } else {
        out.push({ obj, line });
      }
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return out;
}

const ORDER = ['Namespace', 'Node', 'Deployment', 'ReplicaSet', 'DaemonSet', 'PodDisruptionBudget', 'Lease', 'Pod', 'Event'];

/** Creates the seed's objects in dependency order (owners before the objects that name them). */
export function applySeed(sim: Simulation, docs: SeedDocument[], file: string): void {
  const sorted = [...docs].sort((a, b) => ORDER.indexOf(a.obj.kind) - ORDER.indexOf(b.obj.kind));
  const issues: ConfigIssue[] = [];
  for (const { obj, line } of sorted) {
    const type = findByKind(obj.apiVersion, obj.kind)!;
    const input = structuredClone(obj) as KubeObject;
    if (type.namespaced) {
      input.metadata.namespace ??= 'default';
      ensureNamespace(sim, input.metadata.namespace!);
    }
    try {
      resolveOwners(sim, input);
      const created = sim.create(type.name, input);
      if (type.name === 'pods') startSeededPod(sim, created, obj);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof ConfigError)) throw err;
      issues.push({ file, line, message: `${obj.kind} ${obj.metadata.name}: ${err.message}` });
    }
  }
  if (issues.length) throw new ConfigError(issues);
}

function ensureNamespace(sim: Simulation, name: string): void {
  if (!sim.store.find('namespaces', undefined, name)) sim.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
}

function resolveOwners(sim: Simulation, obj: KubeObject): void {
  for (const ref of obj.metadata.ownerReferences ?? []) {
    if (ref.uid) continue;
    const type = findByKind(ref.apiVersion, ref.kind);
    const owner = type ? sim.store.find(type.name, type.namespaced ? obj.metadata.namespace : undefined, ref.name) : undefined;
    if (!owner) throw new ConfigError(`owner ${ref.kind} "${ref.name}" is not in the seed (list owners in the seed, or give their uid)`);
    ref.uid = owner.metadata.uid;
  }
}

function startSeededPod(sim: Simulation, pod: KubeObject, manifest: Json): void {
  if (manifest.status?.phase || !pod.spec?.nodeName) return;
  const node = sim.store.find('nodes', undefined, pod.spec.nodeName);
  if (!node || !nodeIsReady(node)) return;
  const ip = `10.244.0.${(Math.abs(hash(pod.metadata.name)) % 250) + 2}`;
  sim.store.update('pods', startPod(pod, node, ip, isoSeconds(sim.clock.now())));
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}
