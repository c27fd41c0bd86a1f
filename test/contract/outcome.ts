/**
 * What the contract compares, read the same way from either backend: the eviction subresource's answer per
 * pod (a dry run, before anything moves), drydock's drain (which pods it evicted, which it could not, every
 * refusal's HTTP status and cause as the KubePort saw it) and the state read back once it settled. Pods are
 * named by a stable id (the StatefulSet pod name or the scenario's `role` label), never by random suffixes.
 */
import { openClusterAccess } from '../../src/kube/access.js';
import { drainNode, type DrainOptions } from '../../src/kube/drain.js';
import { DrainError } from '../../src/kube/errors.js';
import type { EvictionResult, KubePort } from '../../src/kube/port.js';
import { Kubectl } from '../integration/apiserver/kubectl-harness.js';
import { realKubectlPath } from '../helpers/real-apiserver.js';
import { waitFor } from './rest.js';
import type { World } from './clusters.js';

export function podId(pod: any): string {
  const labels = pod.metadata.labels ?? {};
  return labels['statefulset.kubernetes.io/pod-name'] ?? labels.role ?? pod.metadata.name;
}

/** The dry-run eviction's Status, per pod of the scenario's node: the API's own verdict. */
export async function probeEvictions(world: World): Promise<Record<string, unknown>> {
  const verdicts: Record<string, unknown> = {};
  for (const pod of await world.pods()) {
    if (pod.spec.nodeName !== world.node) continue;
    const { name } = pod.metadata;
    const answer = await world.rest.request('POST', `${world.ns(`pods/${name}/eviction`)}?dryRun=All`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: world.namespace },
      deleteOptions: { dryRun: ['All'] },
    });
    const body = answer.body ?? {};
    verdicts[podId(pod)] = {
      code: answer.status,
      ...(answer.status >= 300 ? { reason: body.reason ?? '', message: body.message } : {}),
      ...(body.details?.causes ? { causes: body.details.causes.map((c: any) => `${c.reason ?? ''}: ${c.message ?? ''}`) } : {}),
    };
  }
  return verdicts;
}

/** `full`: each refusal with its pod and cause; `codes`: only which statuses occurred (the pod that loses a race varies). */
export type RefusalDetail = 'full' | 'codes';

export interface DrainOutcome {
  result: 'ok' | string;
  evicted: string[];
  pending: string[];
  refusals: string[];
}

export async function drain(world: World, options: Partial<DrainOptions>, detail: RefusalDetail = 'full'): Promise<DrainOutcome> {
  const ids = new Map<string, string>();
  for (const pod of await world.pods()) ids.set(`${pod.metadata.namespace}/${pod.metadata.name}`, podId(pod));
  const id = (ref: string) => ids.get(ref) ?? ref;
  const { port } = await openClusterAccess({ kubeconfigPath: world.cluster.kubeconfigPath, env: {} });
  const refusals = new Set<string>();
  const note = (name: string, r: EvictionResult) => {
    if (r.outcome === 'evicted' || r.outcome === 'gone') return;
    const who = detail === 'full' ? `${id(`${world.namespace}/${name}`)}: ` : '';
    const why = detail === 'full' ? ` — ${(r.causes ?? []).join('; ') || r.message}` : '';
    refusals.add(`${who}${r.status} ${r.outcome}${why}`);
  };
  const recording: KubePort = Object.create(port, {
    evictPod: {
      value: async (ns: string, name: string, grace?: number) => {
        const result = await port.evictPod(ns, name, grace);
        note(name, result);
        return result;
      },
    },
  });
  const full: DrainOptions = {
    ignoreDaemonsets: true,
    deleteEmptydirData: true,
    force: false,
    skipWaitForDeleteTimeoutSeconds: 0,
    timeoutMs: 20_000,
    retryDelayMs: 300,
    pollMs: 100,
    ...options,
  };
  const ordered = (list: string[]) => [...new Set(list)].sort();
  try {
    const result = await drainNode(recording, world.node, full);
    return { result: 'ok', evicted: ordered(result.evicted.map(id)), pending: [], refusals: [...refusals].sort() };
  } catch (err) {
    if (!(err instanceof DrainError)) throw err;
    const pending = err.pending.map((p) => `${id(p.pod)} ${p.state}`);
    return { result: err.failure, evicted: [], pending: ordered(pending), refusals: [...refusals].sort() };
  }
}

/**
 * The real kubectl's drain of the scenario's node (the same binary against both backends): its exit code
 * and whether it gave up before its own --timeout (a refusal it does not retry), never its wording.
 */
export async function kubectlDrain(world: World, flags: string[], timeoutSeconds: number): Promise<{ exit: number; gaveUpEarly: boolean }> {
  const kubectl = new Kubectl(realKubectlPath(), world.cluster.kubeconfigPath);
  try {
    const started = Date.now();
    const result = await kubectl.run(['drain', world.node, '--ignore-daemonsets', '--delete-emptydir-data', ...flags, `--timeout=${timeoutSeconds}s`], (timeoutSeconds + 30) * 1000);
    return { exit: result.code, gaveUpEarly: Date.now() - started < timeoutSeconds * 1000 };
  } finally {
    kubectl.dispose();
  }
}

export interface ReadBack {
  cordoned: boolean;
  namespace: string;
  pods: string[];
}

async function readOnce(world: World, originals: Set<string>): Promise<ReadBack> {
  const node = await world.rest.get(`/api/v1/nodes/${world.node}`);
  const ns = await world.rest.get(`/api/v1/namespaces/${world.namespace}`);
  const pods = (await world.pods()).map((p) => {
    const owner = (p.metadata.ownerReferences ?? []).find((r: any) => r.controller)?.kind ?? 'none';
    const terminating = p.metadata.deletionTimestamp ? ' terminating' : '';
    const which = originals.has(p.metadata.uid) ? 'original' : 'replacement';
    return `${podId(p)} ${which} ${p.status?.phase}${terminating} on ${p.spec.nodeName ?? '(unbound)'} owner=${owner}`;
  });
  return { cordoned: node?.spec?.unschedulable === true, namespace: ns ? ns.status?.phase : 'gone', pods: pods.sort() };
}

/** The state once it stopped changing (two equal reads 800 ms apart) and `settled` holds. */
export async function readBack(world: World, originals: Set<string>, settled: (s: ReadBack) => boolean = () => true): Promise<ReadBack> {
  let previous = '';
  return waitFor(`a settled state of ${world.namespace} on the ${world.cluster.name}`, 60_000, async () => {
    const state = await readOnce(world, originals);
    const text = JSON.stringify(state);
    const stable = text === previous && settled(state);
    previous = text;
    if (!stable) await new Promise((r) => setTimeout(r, 800));
    return stable ? state : undefined;
  });
}

export async function uids(world: World): Promise<Set<string>> {
  return new Set((await world.pods()).map((p) => p.metadata.uid as string));
}
