/**
 * The StatefulSet and Job controllers, reduced to what drains meet:
 * - a StatefulSet keeps pods `<name>-0 … <name>-(n-1)` (stable names, the pod-name and pod-index labels);
 *   OrderedReady creates one at a time, each after the lower ordinals are Running and Ready, and recreates a
 *   missing ordinal only once its old pod is gone;
 * - a Job runs `parallelism` pods until `completions` succeeded; an evicted or deleted pod is replaced as soon
 *   as it is terminating (podReplacementPolicy TerminatingOrFailed, the default without a podFailurePolicy).
 */
import { active, ownedBy, podFromTemplate, templateHash, writeStatus, type WorkloadContext } from './workloads.js';
import { podIsReady, podIsTerminal } from './types.js';
import type { Json, KubeObject } from './types.js';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const runningAndReady = (pod: KubeObject) => !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && podIsReady(pod);

export function reconcileStatefulSet(sts: KubeObject, pods: KubeObject[], ctx: WorkloadContext): void {
  const namespace = sts.metadata.namespace!;
  const name = sts.metadata.name;
  const replicas = sts.spec?.replicas ?? 1;
  const ordered = (sts.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const revision = `${name}-${templateHash(sts.spec?.template)}`;
  const mine = ownedBy(sts, pods);
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const podName = `${name}-${ordinal}`;
    const existing = pods.find((p) => p.metadata.name === podName);
    if (!existing) {
      const pod = podFromTemplate(sts, sts.spec?.template, undefined);
      pod.metadata.name = podName;
      pod.metadata.labels = { ...pod.metadata.labels, [STATEFULSET_POD_NAME_LABEL]: podName, [POD_INDEX_LABEL]: String(ordinal), 'controller-revision-hash': revision };
      pod.spec.hostname = podName;
      if (sts.spec?.serviceName) pod.spec.subdomain = sts.spec.serviceName;
      ctx.create('pods', pod);
      if (ordered) break;
      continue;
    }
    if (ordered && !runningAndReady(existing)) break;
  }
  // Scale down from the highest ordinal.
  const surplus = active(mine)
    .filter((p) => Number(p.metadata.labels?.[POD_INDEX_LABEL] ?? -1) >= replicas)
    .sort((a, b) => Number(b.metadata.labels?.[POD_INDEX_LABEL]) - Number(a.metadata.labels?.[POD_INDEX_LABEL]));
  for (const pod of ordered ? surplus.slice(0, 1) : surplus) ctx.deletePod(namespace, pod.metadata.name);

  const now = active(ownedBy(sts, ctx.store.list('pods', namespace)));
  const ready = now.filter(podIsReady).length;
  writeStatus(ctx, 'statefulsets', sts, {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: now.length,
    readyReplicas: ready,
    availableReplicas: ready,
    currentReplicas: now.length,
    updatedReplicas: now.length,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  });
}

/** What the Job's admission adds: the generated selector and the labels that make its pods match it. */
export function jobSelectorDefaults(job: KubeObject): KubeObject {
  if (job.spec?.manualSelector === true) return job;
  const { uid, name } = job.metadata;
  const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  job.spec.template = { ...job.spec.template, metadata: { ...job.spec.template?.metadata, labels: { ...job.spec.template?.metadata?.labels, ...labels } } };
  return job;
}

export function reconcileJob(job: KubeObject, pods: KubeObject[], ctx: WorkloadContext): void {
  if (job.spec?.suspend === true) return;
  const namespace = job.metadata.namespace!;
  const mine = ownedBy(job, pods);
  const live = active(mine);
  const succeeded = mine.filter((p) => p.status?.phase === 'Succeeded').length;
  const failed = mine.filter((p) => p.status?.phase === 'Failed').length;
  const completions = job.spec?.completions ?? 1;
  const complete = succeeded >= completions;
  const wanted = complete ? 0 : Math.min(job.spec?.parallelism ?? 1, completions - succeeded);
  for (let i = live.length; i < wanted; i++) ctx.create('pods', podFromTemplate(job, job.spec?.template, undefined));

  const now = ownedBy(job, ctx.store.list('pods', namespace));
  const status: Json = {
    active: active(now).length,
    ready: active(now).filter(podIsReady).length,
    succeeded,
    failed,
    terminating: now.filter((p) => p.metadata.deletionTimestamp && !podIsTerminal(p)).length,
    startTime: job.status?.startTime ?? ctx.nowIso,
  };
  if (complete) {
    status.completionTime = job.status?.completionTime ?? ctx.nowIso;
    status.conditions = [{ type: 'Complete', status: 'True' }];
  }
  writeStatus(ctx, 'jobs', job, status);
}
