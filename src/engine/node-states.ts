/**
 * Each node's state at the end of a run, read from the API (the run's cluster access) and handed to the
 * renderers as a `nodes.state` event, and every node's versions before and after a run (`nodes.versions`,
 * for the run report): the renderers read events only.
 */
import type { NodeStateRow, RunEvent } from '../events/events.js';
import { cordonedBy } from '../kube/nodes.js';
import { nodeReadyCondition, type KubeNode, type KubePort } from '../kube/port.js';
import { controlPlaneComponents } from '../kube/versions.js';

/**
 * Rows for `formatNodeStates`, sorted by name. `cordonNotes` is what the run itself knows about the
 * nodes it left cordoned (PlayRenderer.cordonNotes()); without a note, the run id in drydock's cordoned-by
 * annotation (an earlier run's cordon) is named, and a cordon without it is a human's.
 */
export function nodeStateRows(nodes: readonly KubeNode[], cordonNotes: ReadonlyMap<string, string> = new Map()): NodeStateRow[] {
  return nodes
    .map((node): NodeStateRow => {
      const name = node.metadata.name;
      const condition = nodeReadyCondition(node);
      const ready = condition?.status === 'True';
      const cordoned = node.spec.unschedulable === true;
      const detail = [condition?.reason, condition?.message].filter(Boolean).join(': ');
      const run = cordoned ? cordonedBy(node) : undefined;
      const note = cordoned ? (cordonNotes.get(name) ?? (run !== undefined ? `cordoned by drydock run ${run}` : 'cordoned, not by drydock')) : undefined;
      return {
        name,
        ready,
        ...(ready ? {} : { readyDetail: `${condition?.status ?? 'absent'}${detail ? ` (${detail})` : ''}` }),
        cordoned,
        ...(note ? { cordonNote: note } : {}),
        kubeletVersion: node.status.nodeInfo?.kubeletVersion ?? 'unknown',
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Reads every node at the end of a run. Never throws: at the end of a failed run the API may be what failed,
 * and the recap above must still stand.
 */
export async function readNodeStates(port: () => Promise<KubePort>, cordonNotes: ReadonlyMap<string, string>): Promise<Extract<RunEvent, { type: 'nodes.state' }>> {
  try {
    return { type: 'nodes.state', rows: nodeStateRows(await (await port()).listNodes(), cordonNotes) };
  } catch (err) {
    return { type: 'nodes.state', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Every node's kubelet version, Ready and cordon, read before or after a run through the run's cluster access;
 * with `apiServers`, each control plane's kube-apiserver too (the image tags of kubeadm's static pods). Never
 * throws: an unreadable API is recorded as `error`, and the run goes on as it would have.
 */
export async function readNodeVersions(
  port: () => Promise<KubePort>,
  phase: 'before' | 'after',
  options: { apiServers?: boolean } = {},
): Promise<Extract<RunEvent, { type: 'nodes.versions' }>> {
  try {
    const kube = await port();
    const [nodes, pods] = await Promise.all([kube.listNodes(), options.apiServers ? kube.listKubeSystemPods('tier=control-plane') : undefined]);
    const rows = nodeStateRows(nodes).map(({ name, kubeletVersion, ready, cordoned }) => ({ name, kubeletVersion, ready, cordoned }));
    const apiServers = pods ? (controlPlaneComponents(pods, []).get('kube-apiserver') ?? []).sort((a, b) => a.node.localeCompare(b.node)) : undefined;
    return { type: 'nodes.versions', phase, rows, ...(apiServers ? { apiServers } : {}) };
  } catch (err) {
    return { type: 'nodes.versions', phase, error: err instanceof Error ? err.message : String(err) };
  }
}
