/**
 * The simulated cluster behind the API: creates objects through defaulting and validation, deletes pods
 * gracefully, evicts through PodDisruptionBudgets, and runs every control loop in one idempotent
 * `reconcile()` pass driven by an injected clock (a timer in the server, a fake clock in tests).
 */
import { applyDefaults, validate } from './defaults.js';
import { computePdbStatus, decideEviction, pdbStatusObject, storedPdbStatus } from './pdb.js';
import { collectGarbage, markNamespaceTerminating, orphanDependents, reconcileNamespaces, refuseInTerminatingNamespace } from './namespaces.js';
import { jobSelectorDefaults, reconcileJob, reconcileStatefulSet } from './sets-and-jobs.js';
import { randomUUID } from 'node:crypto';
import { Kubelets, kubeletServes, postStartingKubeletStatus, reconcileNodeHealth, renewNodeLease, shutdownMs, startPod } from './lifecycle.js';
import { reconcileDaemonSet, reconcileDeployment, reconcileReplicaSet, schedulePending } from './workloads.js';
import { resourceByKind, resourceByName } from './resources.js';
import { notFound, qualifiedResource } from './status.js';
import { controllerOf, isoSeconds, podIsTerminal, systemClock } from './types.js';
import type { ObjectStore } from './store.js';
import type { PdbStatus, ScaleOf } from './pdb.js';
import type { WorkloadContext } from './workloads.js';
import type { Clock, KubeObject } from './types.js';

export interface SimulationOptions {
  /** Delay before a ReplicaSet replaces a missing pod. Default 2000 ms. */
  replaceDelayMs?: number;
  /** Delay between binding a pod and the kubelet reporting it Running and Ready. Default 500 ms. */
  podStartDelayMs?: number;
  /** How long containers take to stop after SIGTERM (capped by the grace period). Default 1000 ms. */
  podShutdownMs?: number;
  /** Heartbeat silence after which a node turns NotReady. Default 40 s, the node-monitor grace period. */
  heartbeatGraceMs?: number;
  /** Renew the heartbeats of all nodes whose kubelet is not stopped. Default true. */
  autoHeartbeat?: boolean;
}

export class Simulation {
  readonly kubelets: Kubelets;
  private readonly options: Required<SimulationOptions>;
  private readonly shortfallSince = new Map<string, number>();
  private readonly boundAt = new Map<string, number>();
  private readonly deletingSince = new Map<string, number>();
  private podIpCounter = 0;

  constructor(
    readonly store: ObjectStore,
    readonly clock: Clock = systemClock,
    options: SimulationOptions = {},
  ) {
    this.options = {
      replaceDelayMs: options.replaceDelayMs ?? 2000,
      podStartDelayMs: options.podStartDelayMs ?? 500,
      podShutdownMs: options.podShutdownMs ?? 1000,
      heartbeatGraceMs: options.heartbeatGraceMs ?? 40_000,
      autoHeartbeat: options.autoHeartbeat ?? true,
    };
    this.kubelets = new Kubelets(this.options.autoHeartbeat);
  }

  private get nowIso(): string {
    return isoSeconds(this.clock.now());
  }

  /** POST semantics: defaults, validation, namespace existence, then the store. */
  create(resource: string, input: KubeObject): KubeObject {
    const type = resourceByName(resource);
    const obj = applyDefaults(type, structuredClone(input), this.nowIso);
    validate(type, obj);
    if (type.namespaced) {
      obj.metadata.namespace ||= 'default';
      if (!this.store.find('namespaces', undefined, obj.metadata.namespace)) throw notFound('namespaces', '', obj.metadata.namespace);
      refuseInTerminatingNamespace(this.store, resource, obj.metadata.namespace, obj.metadata.name ?? '');
    }
    let created = this.store.create(resource, obj);
    if (resource === 'jobs') created = this.store.update('jobs', jobSelectorDefaults(created));
    if (resource === 'pods' && created.spec?.nodeName) this.onPodBound(created);
    if (resource === 'nodes') this.kubelets.last(created, this.clock.now());
    return created;
  }

  /** Graceful pod deletion: sets deletionTimestamp; the pod goes once its containers stopped (0 = now). */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): KubeObject {
    const pod = this.store.get('pods', namespace, name);
    const grace = gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    // An unbound or finished pod has no containers to stop, so the apiserver removes it at once.
    if (grace === 0 || !pod.spec?.nodeName || podIsTerminal(pod)) return this.store.remove('pods', namespace, name);
    if (pod.metadata.deletionTimestamp) {
      if (grace >= (pod.metadata.deletionGracePeriodSeconds ?? grace)) return pod;
    } else {
      this.deletingSince.set(pod.metadata.uid, this.clock.now());
    }
    pod.metadata.deletionTimestamp = isoSeconds(this.clock.now() + grace * 1000);
    pod.metadata.deletionGracePeriodSeconds = grace;
    return this.store.update('pods', pod);
  }

  /**
   * Removes any object: pods through graceful deletion, namespaces through Terminating; `Orphan` leaves the
   * dependents running without their owner reference (otherwise the garbage collector deletes them).
   */
  delete(resource: string, namespace: string | undefined, name: string, gracePeriodSeconds?: number, propagationPolicy?: string): KubeObject {
    if (resource === 'pods') return this.deletePod(namespace!, name, gracePeriodSeconds);
    if (resource === 'namespaces') return markNamespaceTerminating(this.store, name, this.nowIso);
    if (propagationPolicy === 'Orphan') orphanDependents(this.store, this.store.get(resource, namespace, name));
    const gone = this.store.remove(resource, namespace, name);
    if (resource === 'nodes') this.kubelets.forget(name);
    return gone;
  }

  pdbStatus(pdb: KubeObject): PdbStatus {
    return computePdbStatus(pdb, this.store.list('pods', pdb.metadata.namespace), (pod) => this.scaleOf(pod), this.clock.now());
  }

  /**
   * The policy/v1 Eviction subresource: 403 in a Terminating namespace (admission, before anything else),
   * the 429/500 ApiErrors of the budget's stored status, else the budget is charged (one disruption less,
   * the pod in disruptedPods), the pod gets its DisruptionTarget condition and is deleted (unless dry run).
   */
  evict(namespace: string, name: string, gracePeriodSeconds?: number, dryRun = false): void {
    refuseInTerminatingNamespace(this.store, 'pods', namespace, name);
    const pod = this.store.get('pods', namespace, name);
    const verdict = decideEviction(pod, this.store.list('poddisruptionbudgets', namespace), storedPdbStatus);
    if (verdict.kind === 'already-terminating' || dryRun) return;
    if (verdict.chargedPdb) {
      const pdb = this.store.get('poddisruptionbudgets', namespace, verdict.chargedPdb);
      const allowed = pdb.status.disruptionsAllowed - 1;
      pdb.status = { ...pdb.status, disruptionsAllowed: allowed, disruptedPods: { ...(pdb.status.disruptedPods ?? {}), [name]: this.nowIso } };
      if (allowed === 0) pdb.status = pdbStatusObject(pdb, { ...storedPdbStatus(pdb), disruptionsAllowed: 0, disruptedPods: pdb.status.disruptedPods }, this.nowIso);
      this.store.update('poddisruptionbudgets', pdb);
    }
    const conditions = (pod.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'DisruptionTarget');
    conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: this.nowIso });
    this.store.update('pods', { ...pod, status: { ...pod.status, conditions } });
    this.deletePod(namespace, name, gracePeriodSeconds);
  }

  /** The scale the disruption controller finds for a pod's controller (a Deployment's for its ReplicaSets). */
  private scaleOf: ScaleOf = (pod) => {
    const owner = controllerOf(pod);
    if (!owner) return 'unmanaged';
    const ns = pod.metadata.namespace;
    const byUid = (resource: string, uid: string) => this.store.list(resource, ns).find((o) => o.metadata.uid === uid);
    const noController = { error: `found no controllers for pod "${pod.metadata.name}"` };
    if (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet' || owner.kind === 'Deployment') {
      const found = byUid(resourceByKind(owner.kind)!.name, owner.uid);
      if (!found) return noController;
      const parent = owner.kind === 'ReplicaSet' ? controllerOf(found) : undefined;
      const deployment = parent?.kind === 'Deployment' ? byUid('deployments', parent.uid) : undefined;
      return (deployment ?? found).spec?.replicas ?? 1;
    }
    const type = resourceByKind(owner.kind);
    if (!type) return noController;
    return { error: `${qualifiedResource(type.name, type.group)} does not implement the scale subresource` };
  };

  onPodBound(pod: KubeObject): void {
    if (!this.boundAt.has(pod.metadata.uid)) this.boundAt.set(pod.metadata.uid, this.clock.now());
  }

  /** One pass of every control loop; idempotent, so it may run as often as wanted. */
  reconcile(): void {
    const now = this.clock.now();
    const nowIso = this.nowIso;
    for (const node of this.store.list('nodes')) {
      reconcileNodeHealth(node, this.kubelets.last(node, now), now, nowIso, this.options.heartbeatGraceMs, this.store);
      if (this.kubelets.auto && !this.kubelets.isStopped(node.metadata.name)) renewNodeLease(this.store, node, now);
    }
    collectGarbage(this.store, (resource, ns, name) => void this.delete(resource, ns, name));
    reconcileNamespaces(this.store, (ns, name) => void this.deletePod(ns, name));
    this.finishTerminations(now);
    const ctx: WorkloadContext = {
      store: this.store,
      now,
      nowIso,
      replaceDelayMs: this.options.replaceDelayMs,
      shortfallSince: this.shortfallSince,
      create: (resource, obj) => this.create(resource, obj),
      deletePod: (ns, name) => void this.deletePod(ns, name),
      onPodBound: (pod) => this.onPodBound(pod),
    };
    const nodes = this.store.list('nodes');
    const deployments = () => {
      for (const deploy of this.store.list('deployments')) reconcileDeployment(deploy, this.store.list('replicasets', deploy.metadata.namespace), ctx);
    };
    const podOwners = () => {
      for (const rs of this.store.list('replicasets')) reconcileReplicaSet(rs, this.store.list('pods'), nodes, ctx);
      for (const ds of this.store.list('daemonsets')) reconcileDaemonSet(ds, this.store.list('pods'), nodes, ctx);
      for (const sts of this.store.list('statefulsets')) reconcileStatefulSet(sts, this.store.list('pods', sts.metadata.namespace), ctx);
      for (const job of this.store.list('jobs')) reconcileJob(job, this.store.list('pods', job.metadata.namespace), ctx);
    };
    deployments();
    podOwners();
    schedulePending(this.store.list('pods'), nodes, ctx);
    this.startBoundPods(now);
    // A second pass writes statuses that reflect the pods started above (creations are idempotent).
    podOwners();
    deployments();
    for (const pdb of this.store.list('poddisruptionbudgets')) {
      const status = pdbStatusObject(pdb, this.pdbStatus(pdb), nowIso);
      if (JSON.stringify(status) !== JSON.stringify(pdb.status)) {
        pdb.status = status;
        this.store.update('poddisruptionbudgets', pdb);
      }
    }
  }

  private startBoundPods(now: number): void {
    const nodes = new Map(this.store.list('nodes').map((n) => [n.metadata.name, n]));
    for (const pod of this.store.list('pods')) {
      if (pod.status?.phase !== 'Pending' || !pod.spec?.nodeName || pod.metadata.deletionTimestamp) continue;
      const node = nodes.get(pod.spec.nodeName);
      if (!kubeletServes(node, this.kubelets)) continue;
      const since = this.boundAt.get(pod.metadata.uid) ?? now;
      this.boundAt.set(pod.metadata.uid, since);
      if (now - since < this.options.podStartDelayMs) continue;
      this.podIpCounter += 1;
      const ip = `10.244.${Math.floor(this.podIpCounter / 250) % 250}.${(this.podIpCounter % 250) + 2}`;
      this.store.update('pods', startPod(pod, node, ip, this.nowIso));
      this.boundAt.delete(pod.metadata.uid);
    }
  }

  private finishTerminations(now: number): void {
    const nodes = new Map(this.store.list('nodes').map((n) => [n.metadata.name, n]));
    for (const pod of this.store.list('pods')) {
      if (!pod.metadata.deletionTimestamp) continue;
      const node = nodes.get(pod.spec?.nodeName);
      // Only a live kubelet confirms containers stopped; on a dead node the pod stays Terminating.
      if (node && !kubeletServes(node, this.kubelets)) continue;
      const since = this.deletingSince.get(pod.metadata.uid) ?? now;
      this.deletingSince.set(pod.metadata.uid, since);
      if (now - since < shutdownMs(pod, this.options.podShutdownMs)) continue;
      this.store.remove('pods', pod.metadata.namespace, pod.metadata.name);
      this.deletingSince.delete(pod.metadata.uid);
    }
  }

  /** For tests and the lab: stop or resume a node's kubelet (heartbeats and container starts/stops). */
  setKubeletRunning(node: string, running: boolean): void {
    if (running) this.kubelets.start(node, this.clock.now());
    else this.kubelets.stop(node);
  }

  /**
   * A kubelet restart (`reboot`: the whole host, with a new boot id): the new kubelet posts its full status
   * at once, a fresh Ready heartbeat, as a real one does. A node without an object is left alone.
   */
  restartKubelet(node: string, options: { reboot?: boolean } = {}): void {
    this.kubelets.start(node, this.clock.now());
    const object = this.store.find('nodes', undefined, node);
    if (object) postStartingKubeletStatus(object, this.nowIso, options.reboot ? randomUUID() : undefined, this.store);
  }

  /** What a kubelet's node-status update or Lease renewal does. */
  heartbeat(node: string): void {
    this.kubelets.heartbeat(node, this.clock.now());
  }
}
