/**
 * The workload controllers, small and honest: Deployment → ReplicaSet, ReplicaSet → pods (replacing lost
 * pods after a configurable delay), DaemonSet → one pod per eligible node. Each writes its status.
 */
import { createHash } from 'node:crypto';
import { randomSuffix } from './store.js';
import { schedulable, nodeSelectorMatches, pickNode, tolerates } from './scheduler.js';
import { selectorMatches } from './selectors.js';
import { controllerOf, podIsReady, podIsTerminal } from './types.js';
import type { ObjectStore } from './store.js';
import type { Json, KubeObject } from './types.js';

export interface WorkloadContext {
  store: ObjectStore;
  now: number;
  nowIso: string;
  replaceDelayMs: number;
  /** When each ReplicaSet (by uid) first fell short of its replicas: the replacement delay runs from here. */
  shortfallSince: Map<string, number>;
  /** Creates through the API's defaulting, as a controller's POST would. */
  create(resource: string, obj: KubeObject): KubeObject;
  deletePod(namespace: string, name: string): void;
  onPodBound(pod: KubeObject): void;
}

export function ownedBy(owner: KubeObject, objects: KubeObject[]): KubeObject[] {
  return objects.filter((o) => controllerOf(o)?.uid === owner.metadata.uid);
}

export function active(pods: KubeObject[]): KubeObject[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp && !podIsTerminal(p));
}

export function templateHash(template: Json): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

function controllerRef(owner: KubeObject): Json {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Builds a pod from a template; binds it now when a node is given or one fits, else leaves it Pending. A
 * template that names its node binds every pod there, as the real controllers' copies of it do.
 */
export function podFromTemplate(owner: KubeObject, template: Json, nodeName: string | undefined): KubeObject {
  const spec = structuredClone(template?.spec ?? {});
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${owner.metadata.name}-${randomSuffix(5)}`,
      namespace: owner.metadata.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(owner)],
      uid: '',
      resourceVersion: '',
      creationTimestamp: '',
    },
    spec,
  };
  if (nodeName && !pod.spec.nodeName) pod.spec.nodeName = nodeName;
  return pod;
}

export function reconcileDeployment(deploy: KubeObject, replicaSets: KubeObject[], ctx: WorkloadContext): void {
  const template = deploy.spec?.template ?? {};
  const hash = templateHash(template);
  const owned = ownedBy(deploy, replicaSets);
  const desired = deploy.spec?.replicas ?? 1;
  let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  if (!current) {
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    const revision = owned.length + 1;
    current = ctx.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deploy.metadata.name}-${hash}`,
        namespace: deploy.metadata.namespace,
        labels,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/revision': String(revision) },
        ownerReferences: [controllerRef(deploy)],
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
      },
      spec: {
        replicas: desired,
        selector: { ...deploy.spec.selector, matchLabels: { ...(deploy.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      },
      status: { replicas: 0 },
    });
  } else if (current.spec.replicas !== desired) {
    current.spec.replicas = desired;
    ctx.store.update('replicasets', current);
  }
  for (const old of owned) {
    if (old.metadata.uid !== current.metadata.uid && old.spec?.replicas !== 0) {
      old.spec.replicas = 0;
      ctx.store.update('replicasets', old);
    }
  }
  const all = ownedBy(deploy, ctx.store.list('replicasets', deploy.metadata.namespace));
  const sum = (f: (s: Json) => number) => all.reduce((n, rs) => n + (f(rs.status ?? {}) ?? 0), 0);
  const available = sum((s) => s.availableReplicas ?? 0);
  const newRs = all.find((rs) => rs.metadata.uid === current!.metadata.uid);
  const status = {
    observedGeneration: deploy.metadata.generation ?? 1,
    replicas: sum((s) => s.replicas ?? 0),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum((s) => s.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, desired - available),
    conditions: [
      available >= desired
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    ],
  };
  writeStatus(ctx, 'deployments', deploy, status);
}

export function writeStatus(ctx: WorkloadContext, resource: string, obj: KubeObject, status: Json): void {
  const fresh = ctx.store.find(resource, obj.metadata.namespace, obj.metadata.name);
  if (!fresh) return;
  const keepTimes = (fresh.status?.conditions ?? []) as Json[];
  for (const c of status.conditions ?? []) {
    const before = keepTimes.find((k) => k.type === c.type);
    c.lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : ctx.nowIso;
    c.lastUpdateTime = c.lastTransitionTime;
  }
  if (JSON.stringify(fresh.status) === JSON.stringify(status)) return;
  fresh.status = status;
  ctx.store.update(resource, fresh);
}

export function reconcileReplicaSet(rs: KubeObject, pods: KubeObject[], nodes: KubeObject[], ctx: WorkloadContext): void {
  const mine = ownedBy(rs, pods);
  const live = active(mine);
  const desired = rs.spec?.replicas ?? 1;
  if (live.length < desired) {
    const since = ctx.shortfallSince.get(rs.metadata.uid) ?? ctx.now;
    ctx.shortfallSince.set(rs.metadata.uid, since);
    if (ctx.now - since >= ctx.replaceDelayMs) {
      ctx.shortfallSince.delete(rs.metadata.uid);
      const placed = [...pods];
      for (let i = live.length; i < desired; i++) {
        const node = pickNode(rs.spec?.template?.spec, rs.metadata.uid, nodes, placed);
        const created = ctx.create('pods', podFromTemplate(rs, rs.spec?.template, node));
        placed.push(created);
      }
    }
  } else {
    ctx.shortfallSince.delete(rs.metadata.uid);
    // Scale down the least useful pods first: unscheduled, then not ready, then the newest.
    const surplus = [...live]
      .sort((a, b) => rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp))
      .slice(0, live.length - desired);
    for (const pod of surplus) ctx.deletePod(pod.metadata.namespace!, pod.metadata.name);
  }
  const now = active(ownedBy(rs, ctx.store.list('pods', rs.metadata.namespace)));
  const ready = now.filter(podIsReady).length;
  writeStatus(ctx, 'replicasets', rs, {
    replicas: now.length,
    fullyLabeledReplicas: now.filter((p) => selectorMatches(rs.spec?.selector, p.metadata.labels)).length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
  });
}

function rank(pod: KubeObject): number {
  if (!pod.spec?.nodeName) return 0;
  return podIsReady(pod) ? 2 : 1;
}

/** DaemonSet pods tolerate cordons and node trouble, as the DaemonSet controller's added tolerations do. */
export function daemonPodFits(template: Json, node: KubeObject): boolean {
  if (!nodeSelectorMatches(template?.spec, node)) return false;
  const automatic = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure'];
  const blocking = ((node.spec?.taints ?? []) as Json[]).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return blocking.every((taint) => automatic.includes(taint.key) || tolerates(template?.spec?.tolerations, taint));
}

export function reconcileDaemonSet(ds: KubeObject, pods: KubeObject[], nodes: KubeObject[], ctx: WorkloadContext): void {
  const mine = active(ownedBy(ds, pods));
  const eligible = nodes.filter((node) => daemonPodFits(ds.spec?.template, node));
  for (const node of eligible) {
    const onNode = mine.filter((p) => p.spec?.nodeName === node.metadata.name);
    if (onNode.length === 0) ctx.create('pods', podFromTemplate(ds, ds.spec?.template, node.metadata.name));
    for (const extra of onNode.slice(1)) ctx.deletePod(extra.metadata.namespace!, extra.metadata.name);
  }
  const eligibleNames = new Set(eligible.map((n) => n.metadata.name));
  for (const pod of mine) if (!eligibleNames.has(pod.spec?.nodeName)) ctx.deletePod(pod.metadata.namespace!, pod.metadata.name);
  const now = active(ownedBy(ds, ctx.store.list('pods', ds.metadata.namespace)));
  const ready = now.filter(podIsReady).length;
  writeStatus(ctx, 'daemonsets', ds, {
    currentNumberScheduled: now.filter((p) => eligibleNames.has(p.spec?.nodeName)).length,
    desiredNumberScheduled: eligible.length,
    numberMisscheduled: now.filter((p) => !eligibleNames.has(p.spec?.nodeName)).length,
    numberReady: ready,
    numberAvailable: ready,
    updatedNumberScheduled: now.length,
    observedGeneration: ds.metadata.generation ?? 1,
  });
}

/** Binds unscheduled pods; one that fits nowhere gets a PodScheduled=False condition and waits. */
export function schedulePending(pods: KubeObject[], nodes: KubeObject[], ctx: WorkloadContext): void {
  for (const pod of pods) {
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp || podIsTerminal(pod)) continue;
    const node = pickNode(pod.spec, controllerOf(pod)?.uid, nodes, pods);
    if (node) {
      pod.spec.nodeName = node;
      pod.status = { ...(pod.status ?? {}), conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: ctx.nowIso }] };
      ctx.onPodBound(ctx.store.update('pods', pod));
    } else {
      const usable = nodes.filter((n) => schedulable(pod.spec, n)).length;
      const message = `0/${nodes.length} nodes are available: ${nodes.length - usable} node(s) were unschedulable or not ready.`;
      const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message };
      const before = (pod.status?.conditions ?? []).find((c: Json) => c.type === 'PodScheduled');
      if (before?.message === message) continue;
      pod.status = { ...(pod.status ?? {}), phase: 'Pending', conditions: [{ ...condition, lastTransitionTime: ctx.nowIso }] };
      ctx.store.update('pods', pod);
    }
  }
}
