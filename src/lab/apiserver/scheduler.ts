/**
 * Node choice for new pods: a Ready, schedulable node whose NoSchedule/NoExecute taints the pod
 * tolerates and whose labels satisfy its nodeSelector; among those the least loaded (ties by name).
 */
import { nodeIsReady } from './types.js';
import type { Json, KubeObject } from './types.js';

export function tolerates(tolerations: Json[] | undefined, taint: Json): boolean {
  return (tolerations ?? []).some((t: Json) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

export function nodeSelectorMatches(podSpec: Json, node: KubeObject): boolean {
  const wanted = (podSpec?.nodeSelector ?? {}) as Record<string, string>;
  return Object.entries(wanted).every(([k, v]) => node.metadata.labels?.[k] === v);
}

/** Whether a regular (non-DaemonSet) pod may be placed on the node. */
export function schedulable(podSpec: Json, node: KubeObject): boolean {
  if (node.spec?.unschedulable === true || !nodeIsReady(node)) return false;
  const blocking = ((node.spec?.taints ?? []) as Json[]).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!blocking.every((taint) => tolerates(podSpec?.tolerations, taint))) return false;
  return nodeSelectorMatches(podSpec, node);
}

/**
 * Picks a node, preferring the one with the fewest pods of the same owner (spreading replicas), then the
 * fewest pods overall. Returns undefined when no node fits; the pod then stays Pending.
 */
export function pickNode(podSpec: Json, ownerUid: string | undefined, nodes: KubeObject[], pods: KubeObject[]): string | undefined {
  const candidates = nodes.filter((node) => schedulable(podSpec, node));
  let best: { name: string; siblings: number; load: number } | undefined;
  for (const node of candidates) {
    const onNode = pods.filter((p) => p.spec?.nodeName === node.metadata.name && !p.metadata.deletionTimestamp);
    const siblings = ownerUid ? onNode.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ownerUid)).length : 0;
    const score = { name: node.metadata.name, siblings, load: onNode.length };
    if (!best || score.siblings < best.siblings || (score.siblings === best.siblings && score.load < best.load)) best = score;
  }
  return best?.name;
}
