/**
 * Fact gathering for the upgrade plan: the cluster's versions from the API (KubePort), then every host's
 * packages and repository over its one SSH connection, `forks` hosts at a time. Reads only. A host that
 * cannot be reached or read is recorded with the reason, never fatal to the others: the plan names it.
 */
import { HostUnreachableError } from '../errors.js';
import type { ClusterView } from '../kube/drain-check.js';
import { controllerOf, type KubePort } from '../kube/port.js';
import { surveyVersions, type VersionSurvey } from '../kube/versions.js';
import { tryParseKubeVersion } from '../policy/kube-version.js';
import type { Connection, ConnectionSpec } from '../transport/types.js';
import { PQueue } from '../util/queue.js';
import { factsScript, parseFactsOutput, type HostFacts } from './host-facts.js';

export interface GatherTarget {
  host: string;
  spec: ConnectionSpec;
}

export interface GatherPorts {
  connect(spec: ConnectionSpec): Promise<Connection>;
  kube(): Promise<KubePort>;
}

export type HostFactsResult =
  | { host: string; ok: true; facts: HostFacts }
  | { host: string; ok: false; unreachable: boolean; error: string };

export interface GatheredFacts {
  cluster: VersionSurvey;
  /** The minors whose repositories were asked what they offer. */
  minors: string[];
  hosts: HostFactsResult[];
  /** Every node, pod and budget, for the drain blockers. */
  view: ClusterView;
}

export const DEFAULT_FACTS_TIMEOUT_MS = 180_000;
/** More minors than this in one plan is nonsense (and each costs an apt-get update per host). */
const MAX_MINORS = 4;

/**
 * The minors whose repositories matter: every minor after the oldest API server's up to the target's
 * (the hops), or the target's own when it is not ahead. At most four.
 */
export function minorsToQuery(apiserverVersions: readonly string[], target: string): string[] {
  const goal = tryParseKubeVersion(target);
  if (!goal) return [];
  const minors = apiserverVersions.map((v) => tryParseKubeVersion(v)).filter((v) => v !== null && v.major === goal.major).map((v) => v!.minor);
  const oldest = minors.length > 0 ? Math.min(...minors) : goal.minor;
  const first = oldest < goal.minor ? Math.max(oldest + 1, goal.minor - MAX_MINORS + 1) : goal.minor;
  const out: string[] = [];
  for (let minor = first; minor <= goal.minor; minor++) out.push(`${goal.major}.${minor}`);
  return out;
}

export async function gatherUpgradeFacts(
  request: { targets: readonly GatherTarget[]; target: string; forks: number; timeoutMs?: number },
  ports: GatherPorts,
): Promise<GatheredFacts> {
  const port = await ports.kube();
  const [cluster, view] = await Promise.all([surveyVersions(port), readClusterView(port, Date.now())]);
  const minors = minorsToQuery(cluster.snapshot.apiservers.map((a) => a.version), request.target);
  const script = factsScript(minors);
  const queue = new PQueue({ concurrency: Math.max(1, request.forks) });
  const readHost = async ({ host, spec }: GatherTarget): Promise<HostFactsResult> => {
    try {
      const connection = await ports.connect(spec);
      const result = await connection.exec(script, { become: { enabled: true }, timeoutMs: request.timeoutMs ?? DEFAULT_FACTS_TIMEOUT_MS });
      if (result.timedOut) return { host, ok: false, unreachable: false, error: `reading packages and repositories timed out after ${(request.timeoutMs ?? DEFAULT_FACTS_TIMEOUT_MS) / 1000}s` };
      if (result.code !== 0) {
        const why = result.stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
        return { host, ok: false, unreachable: false, error: `reading packages and repositories failed: ${why}` };
      }
      return { host, ok: true, facts: parseFactsOutput(result.stdout) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { host, ok: false, unreachable: err instanceof HostUnreachableError, error: message.startsWith(`${host}:`) ? message.slice(host.length + 1).trim() : message };
    }
  };
  const hosts = await Promise.all(request.targets.map((t) => queue.add(() => readHost(t))));
  return { cluster, minors, hosts: hosts.filter((h): h is HostFactsResult => h !== undefined), view };
}

/** One read of what the drains depend on: nodes, pods, budgets, and which DaemonSets owning pods exist. */
export async function readClusterView(port: KubePort, now: number): Promise<ClusterView> {
  const [nodes, pods, pdbs] = await Promise.all([port.listNodes(), port.listPods(), port.listPdbs()]);
  const owners = new Set<string>();
  for (const pod of pods) {
    const ref = controllerOf(pod.metadata);
    if (ref?.kind === 'DaemonSet') owners.add(`${pod.metadata.namespace ?? 'default'}/${ref.name}`);
  }
  const found = await Promise.all([...owners].map(async (key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return (await port.getDaemonSet(namespace, name)) ? key : null;
  }));
  return { nodes, pods, pdbs, daemonSets: new Set(found.filter((k): k is string => k !== null)), now };
}
