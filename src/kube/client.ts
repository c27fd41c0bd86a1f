/**
 * KubePort over @kubernetes/client-node 1.4 — the one module that imports it. Responsibilities beyond
 * forwarding: merge-patch content type on patches (the generated default is JSON-patch), paging like kubectl,
 * ApiException → KubeApiError with the Status message (never err.message, which embeds headers), and
 * loading kubeconfig without client-node's silent http://localhost:8080 fallback.
 */
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  V1MicroTime,
  VersionApi,
  type V1Lease,
} from '@kubernetes/client-node';
import { KubeApiError } from '../errors.js';
import { apiErrorFromResponse, describeFailure, statusCauses, statusHasCause } from './api-status.js';
import { resolveKubeConfig, type KubeConfigInfo, type KubeConfigSource } from './kubeconfig.js';
import type {
  EvictionResult,
  KubeLease,
  KubeNode,
  KubePdb,
  KubePod,
  KubePort,
  KubeVersionInfo,
  ObjectMeta,
} from './port.js';

export type { KubeConfigInfo } from './kubeconfig.js';

const PAGE_SIZE = 500;

export class KubeClient implements KubePort {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly policy: PolicyV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly version: VersionApi;

  constructor(
    kc: KubeConfig,
    /** Context, server and where the config came from: print these before changing anything. */
    readonly info: KubeConfigInfo,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.policy = kc.makeApiClient(PolicyV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.version = kc.makeApiClient(VersionApi);
  }

  async getNode(name: string): Promise<KubeNode> {
    return asNode(await this.call(`get node ${name}`, () => this.core.readNode({ name })));
  }

  async listNodes(labelSelector?: string): Promise<KubeNode[]> {
    const items = await this.paged('list nodes', (_continue) =>
      this.core.listNode({ labelSelector, limit: PAGE_SIZE, _continue }),
    );
    return items.map(asNode);
  }

  async patchNode(name: string, patch: Record<string, unknown>): Promise<KubeNode> {
    const node = await this.call(`patch node ${name}`, () =>
      this.core.patchNode({ name, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
    return asNode(node);
  }

  async listPodsOnNode(node: string, labelSelector?: string): Promise<KubePod[]> {
    const items = await this.paged(`list pods on node ${node}`, (_continue) =>
      this.core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${node}`,
        labelSelector,
        limit: PAGE_SIZE,
        _continue,
      }),
    );
    return items.map(asPod);
  }

  async listKubeSystemPods(labelSelector?: string): Promise<KubePod[]> {
    const items = await this.paged('list pods in kube-system', (_continue) =>
      this.core.listNamespacedPod({ namespace: 'kube-system', labelSelector, limit: PAGE_SIZE, _continue }),
    );
    return items.map(asPod);
  }

  async listPods(): Promise<KubePod[]> {
    const items = await this.paged('list pods', (_continue) => this.core.listPodForAllNamespaces({ limit: PAGE_SIZE, _continue }));
    return items.map(asPod);
  }

  async getPod(namespace: string, name: string): Promise<KubePod | null> {
    const pod = await this.callOrNull(`get pod ${namespace}/${name}`, () =>
      this.core.readNamespacedPod({ namespace, name }),
    );
    return pod ? asPod(pod) : null;
  }

  async evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<EvictionResult> {
    try {
      await this.core.createNamespacedPodEviction({
        namespace,
        name,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
          ...(gracePeriodSeconds === undefined ? {} : { deleteOptions: { gracePeriodSeconds } }),
        },
      });
      return { outcome: 'evicted', message: 'eviction accepted', status: 201 };
    } catch (err) {
      if (!(err instanceof ApiException)) throw this.translate(`evict pod ${namespace}/${name}`, err);
      const code = err.code;
      const base = { message: describeFailure(code, err.body).text, status: code, causes: statusCauses(err.body) };
      if (code === 429) return { outcome: 'blocked', ...base };
      if (code === 404) return { outcome: 'gone', ...base };
      if (code === 403 && statusHasCause(err.body, 'NamespaceTerminating')) {
        return { outcome: 'namespace-terminating', ...base };
      }
      return { outcome: 'fatal', ...base };
    }
  }

  async deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'> {
    const result = await this.callOrNull(`delete pod ${namespace}/${name}`, () =>
      this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds }),
    );
    return result === null ? 'gone' : 'deleted';
  }

  async listPdbs(namespace?: string): Promise<KubePdb[]> {
    const items = await this.paged('list PodDisruptionBudgets', (_continue) =>
      namespace
        ? this.policy.listNamespacedPodDisruptionBudget({ namespace, limit: PAGE_SIZE, _continue })
        : this.policy.listPodDisruptionBudgetForAllNamespaces({ limit: PAGE_SIZE, _continue }),
    );
    return items.map(asPdb);
  }

  async getDaemonSet(namespace: string, name: string): Promise<{ metadata: ObjectMeta } | null> {
    const ds = await this.callOrNull(`get daemonset ${namespace}/${name}`, () =>
      this.apps.readNamespacedDaemonSet({ namespace, name }),
    );
    return ds ? { metadata: meta(plain(ds)) } : null;
  }

  async patchDaemonSetAnnotations(namespace: string, name: string, annotations: Record<string, string | null>, resourceVersion: string): Promise<{ metadata: ObjectMeta }> {
    const ds = await this.call(`patch daemonset ${namespace}/${name}`, () =>
      this.apps.patchNamespacedDaemonSet(
        { namespace, name, body: { metadata: { resourceVersion, annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    return { metadata: meta(plain(ds)) };
  }

  async getVersion(): Promise<KubeVersionInfo> {
    const info = await this.call('get /version', () => this.version.getCode());
    return { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform };
  }

  async getLease(namespace: string, name: string): Promise<KubeLease | null> {
    const lease = await this.callOrNull(`get lease ${namespace}/${name}`, () =>
      this.coordination.readNamespacedLease({ namespace, name }),
    );
    return lease ? asLease(lease) : null;
  }

  async createLease(lease: KubeLease): Promise<KubeLease> {
    const namespace = lease.metadata.namespace ?? 'default';
    const created = await this.call(`create lease ${namespace}/${lease.metadata.name}`, () =>
      this.coordination.createNamespacedLease({ namespace, body: toV1Lease(lease) }),
    );
    return asLease(created);
  }

  async replaceLease(lease: KubeLease): Promise<KubeLease> {
    const namespace = lease.metadata.namespace ?? 'default';
    const name = lease.metadata.name;
    const replaced = await this.call(`replace lease ${namespace}/${name}`, () =>
      this.coordination.replaceNamespacedLease({ namespace, name, body: toV1Lease(lease) }),
    );
    return asLease(replaced);
  }

  async deleteLease(namespace: string, name: string): Promise<boolean> {
    const result = await this.callOrNull(`delete lease ${namespace}/${name}`, () =>
      this.coordination.deleteNamespacedLease({ namespace, name }),
    );
    return result !== null;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.translate(what, err);
    }
  }

  /** Like call, but a 404 is an answer (null) rather than an error. */
  private async callOrNull<T>(what: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return null;
      throw this.translate(what, err);
    }
  }

  private async paged<T>(
    what: string,
    page: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  ): Promise<T[]> {
    const all: T[] = [];
    let cont: string | undefined;
    do {
      const list = await this.call(what, () => page(cont));
      all.push(...list.items);
      cont = list.metadata?._continue || undefined;
    } while (cont);
    return all;
  }

  private translate(what: string, err: unknown): KubeApiError {
    if (err instanceof KubeApiError) return err;
    if (err instanceof ApiException) return apiErrorFromResponse(what, err.code, err.body);
    const e = err as { code?: unknown; type?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    // node-fetch's FetchError: "request to <url> failed, reason: <why>"; keep the why, name the server.
    const why = message.includes('reason: ') ? message.slice(message.indexOf('reason: ') + 8) : message;
    const code = typeof e.code === 'string' ? ` (${e.code})` : '';
    return new KubeApiError(`${what}: cannot reach the API server ${this.info.server}: ${why}${code}`);
  }
}

/** Loads kubeconfig from --kubeconfig, KUBECONFIG or ~/.kube/config (never localhost:8080) and connects. */
export function loadKubeConfig(options: KubeConfigSource = {}): KubeClient {
  const { config, info } = resolveKubeConfig(options, () => new KubeConfig());
  return new KubeClient(config, info);
}

/** The same from kubeconfig text (e.g. admin.conf fetched over SSH); `source` names it in messages. */
export function loadKubeConfigFromString(text: string, options: { context?: string; source?: string } = {}): KubeClient {
  const { config, info } = resolveKubeConfig({ ...options, text }, () => new KubeConfig());
  return new KubeClient(config, info);
}

/** client-node models serialise to the API's JSON (Dates become RFC 3339 strings). */
function plain(obj: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj ?? {})) as Record<string, unknown>;
}

function meta(obj: Record<string, unknown>): ObjectMeta {
  const metadata = (obj.metadata ?? {}) as ObjectMeta;
  return { ...metadata, name: metadata.name ?? '' };
}

function asNode(v1: unknown): KubeNode {
  const obj = plain(v1);
  return { metadata: meta(obj), spec: (obj.spec ?? {}) as KubeNode['spec'], status: (obj.status ?? {}) as KubeNode['status'] };
}

function asPod(v1: unknown): KubePod {
  const obj = plain(v1);
  return { metadata: meta(obj), spec: (obj.spec ?? {}) as KubePod['spec'], status: (obj.status ?? {}) as KubePod['status'] };
}

function asPdb(v1: unknown): KubePdb {
  const obj = plain(v1);
  return { metadata: meta(obj), spec: (obj.spec ?? {}) as KubePdb['spec'], status: (obj.status ?? {}) as KubePdb['status'] };
}

function asLease(v1: unknown): KubeLease {
  const obj = plain(v1);
  return { metadata: meta(obj), spec: (obj.spec ?? {}) as KubeLease['spec'] };
}

/** Lease times are MicroTime on the wire (six fractional digits); client-node's V1MicroTime writes that. */
function toV1Lease(lease: KubeLease): V1Lease {
  const micro = (t: string | undefined): V1MicroTime | undefined => (t ? new V1MicroTime(t) : undefined);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lease.metadata.name,
      namespace: lease.metadata.namespace,
      resourceVersion: lease.metadata.resourceVersion,
      labels: lease.metadata.labels,
      annotations: lease.metadata.annotations,
    },
    spec: {
      holderIdentity: lease.spec.holderIdentity,
      leaseDurationSeconds: lease.spec.leaseDurationSeconds,
      acquireTime: micro(lease.spec.acquireTime),
      renewTime: micro(lease.spec.renewTime),
      leaseTransitions: lease.spec.leaseTransitions,
    },
  };
}
