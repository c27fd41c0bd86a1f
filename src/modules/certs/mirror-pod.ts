/**
 * Reading a static pod through its mirror pod (`<component>-<node>` in kube-system): whether it is Ready,
 * and whether the one seen now is a new instance of the one seen before (a new uid, or the same mirror pod
 * with a newer start, which is what a kubelet that could not delete it while the API was down leaves). Pure.
 */
import type { KubePod } from '../../kube/port.js';

export const MIRROR_NAMESPACE = 'kube-system';

export function mirrorPodName(component: string, node: string): string {
  return `${component}-${node}`;
}

/** The fields of a pod's status this module reads beyond KubePort's subset (they come through from the API). */
interface StartedStatus {
  startTime?: string;
  containerStatuses?: Array<{ restartCount?: number; state?: { running?: { startedAt?: string } } }>;
}

export interface PodInstance {
  uid: string;
  /** startTime and each container's running.startedAt and restartCount, joined: changes with every restart. */
  started: string;
}

export function podInstance(pod: KubePod): PodInstance {
  const status = pod.status as KubePod['status'] & StartedStatus;
  const containers = (status.containerStatuses ?? []).map((c) => `${c.state?.running?.startedAt ?? '-'}#${c.restartCount ?? 0}`);
  return { uid: pod.metadata.uid ?? '', started: [status.startTime ?? '-', ...containers].join(' ') };
}

export function podReady(pod: KubePod): boolean {
  return pod.status.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A different pod, or the same mirror pod whose containers started again. */
export function isNewInstance(before: PodInstance, now: PodInstance): boolean {
  return now.uid !== before.uid || now.started !== before.started;
}

/** What the wait is still waiting for, for progress lines and timeout messages. */
export function describePod(pod: KubePod | null): string {
  if (!pod) return 'no mirror pod';
  if (pod.metadata.deletionTimestamp) return 'mirror pod terminating';
  const ready = (pod.status.conditions ?? []).find((c) => c.type === 'Ready');
  return `mirror pod ${pod.status.phase ?? 'Pending'}, Ready=${ready?.status ?? 'unknown'}`;
}
