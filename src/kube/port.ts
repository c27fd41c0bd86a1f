/**
 * The narrow slice of the Kubernetes API drydock uses, as an injected port. `client.ts` implements it with
 * @kubernetes/client-node; unit tests implement it with plain objects. The object types mirror the API's JSON
 * field paths (a subset), so fakes and the real client agree on shape; timestamps are RFC 3339 strings.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  /** Node conditions: when the kubelet last posted this condition (the kubelet's clock, RFC 3339). */
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface KubeTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface KubeToleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
}

/** Resource quantities as the API writes them (`cpu: 500m`, `memory: 1Gi`, `pods: 110`). */
export type ResourceList = Record<string, string | number>;

export interface KubeNode {
  metadata: ObjectMeta;
  spec: { unschedulable?: boolean; taints?: KubeTaint[] };
  status: {
    conditions?: Condition[];
    nodeInfo?: { kubeletVersion?: string; kubeProxyVersion?: string; bootID?: string };
    allocatable?: ResourceList;
  };
}

export interface KubeVolume {
  name: string;
  emptyDir?: Record<string, unknown>;
  hostPath?: { path: string };
}

export interface KubeContainer {
  name: string;
  image?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

export interface KubePod {
  metadata: ObjectMeta;
  spec: {
    nodeName?: string;
    volumes?: KubeVolume[];
    containers?: KubeContainer[];
    initContainers?: KubeContainer[];
    tolerations?: KubeToleration[];
    overhead?: ResourceList;
    terminationGracePeriodSeconds?: number;
  };
  status: { phase?: string; conditions?: Condition[] };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface KubePdb {
  metadata: ObjectMeta;
  /** Absent selector selects nothing; an empty selector `{}` selects every pod in the namespace (policy/v1). */
  spec: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string; unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow' | string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number };
}

export interface KubeLease {
  metadata: ObjectMeta;
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface KubeVersionInfo {
  gitVersion: string;
  major?: string;
  minor?: string;
  platform?: string;
}

/**
 * What an eviction request came to. `blocked` is 429 (a PodDisruptionBudget or rate limiting; retry later),
 * `gone` is 404, `namespace-terminating` is 403 with cause NamespaceTerminating (kubectl waits or retries),
 * `fatal` is anything else (500 for a pod under several PDBs, 403 for missing rights...) and is not retried.
 */
export interface EvictionResult {
  outcome: 'evicted' | 'blocked' | 'gone' | 'namespace-terminating' | 'fatal';
  /** The Status message (or a summary of the transport failure). */
  message: string;
  status?: number;
  /** Status details.causes messages, e.g. "The disruption budget web-pdb needs 2 healthy pods...". */
  causes?: string[];
}

export interface KubePort {
  /** Throws KubeApiError (status 404) for an unknown node. */
  getNode(name: string): Promise<KubeNode>;
  listNodes(labelSelector?: string): Promise<KubeNode[]>;
  /** JSON merge patch (application/merge-patch+json); null removes a field. */
  patchNode(name: string, patch: Record<string, unknown>): Promise<KubeNode>;
  /** Pods in every namespace with spec.nodeName=node, paged like kubectl. */
  listPodsOnNode(node: string, labelSelector?: string): Promise<KubePod[]>;
  listKubeSystemPods(labelSelector?: string): Promise<KubePod[]>;
  /** Every pod of the cluster (all namespaces, all nodes), paged like kubectl. */
  listPods(): Promise<KubePod[]>;
  /** null when the pod does not exist. */
  getPod(namespace: string, name: string): Promise<KubePod | null>;
  /** POST policy/v1 Eviction; gracePeriodSeconds undefined means the pod's own grace period. Never throws for API refusals. */
  evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<EvictionResult>;
  /** Plain DELETE (bypasses PodDisruptionBudgets); 'gone' when it did not exist. */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'>;
  listPdbs(namespace?: string): Promise<KubePdb[]>;
  /** null when the DaemonSet does not exist. */
  getDaemonSet(namespace: string, name: string): Promise<{ metadata: ObjectMeta } | null>;
  /**
   * Sets (string) or removes (null) annotations of a DaemonSet by a merge patch that carries
   * `resourceVersion`, so it applies only to the version read: 409 Conflict otherwise, 404 when it is gone.
   */
  patchDaemonSetAnnotations(namespace: string, name: string, annotations: Record<string, string | null>, resourceVersion: string): Promise<{ metadata: ObjectMeta }>;
  /** GET /version. */
  getVersion(): Promise<KubeVersionInfo>;
  /** null when the lease does not exist. */
  getLease(namespace: string, name: string): Promise<KubeLease | null>;
  /** Throws KubeApiError with status 409 (AlreadyExists) when someone else created it first. */
  createLease(lease: KubeLease): Promise<KubeLease>;
  /** Optimistic: metadata.resourceVersion must be the one read; 409 Conflict otherwise. */
  replaceLease(lease: KubeLease): Promise<KubeLease>;
  /** false when it was already gone. */
  deleteLease(namespace: string, name: string): Promise<boolean>;
}

/** Time, injected so waits and retries are testable without real sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `namespace/name`, the way kubectl names pods in drain messages. */
export function podRef(pod: { metadata: ObjectMeta }): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** The ownerReference with controller: true, like metav1.GetControllerOf. */
export function controllerOf(meta: ObjectMeta): OwnerReference | undefined {
  return meta.ownerReferences?.find((ref) => ref.controller === true);
}

export function nodeReadyCondition(node: KubeNode): Condition | undefined {
  return node.status.conditions?.find((c) => c.type === 'Ready');
}
