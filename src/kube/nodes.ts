/**
 * Waiting for a node to come back after a kubelet upgrade or reboot: Ready, optionally at the expected
 * kubelet version, optionally with its pods Ready. Polls against one deadline (watches are unreliable in
 * client-node 1.x). API hiccups while the control plane restarts are expected and do not end the wait.
 */
import { KubeApiError } from '../errors.js';
import { tryParseKubeVersion, compareKubeVersions } from '../policy/kube-version.js';
import { NodeWaitError } from './errors.js';
import { nodeReadyCondition, podRef, systemClock, type Clock, type KubeNode, type KubePod, type KubePort } from './port.js';

export interface WaitNodeReadyOptions {
  timeoutMs: number;
  /** e.g. `v1.30.2` or `1.30.2`; compared as major.minor.patch. */
  expectKubeletVersion?: string;
  /** Also wait until every running pod on the node reports Ready (static pods, DaemonSet pods). */
  requirePodsReady?: boolean;
  /**
   * The node as read just before its kubelet was restarted or the host rebooted: a Ready=True counts only
   * once the node shows a different boot id or a Ready heartbeat newer than this one, i.e. a status that
   * the restarted kubelet posted (the Ready=True left from before the restart is stale).
   */
  after?: NodeHeartbeat;
  pollMs?: number;
  clock?: Clock;
  onProgress?: (status: string) => void;
}

/**
 * A node's boot and its kubelet's last status post: `status.nodeInfo.bootID` and the Ready condition's
 * `lastHeartbeatTime`. Both are written by the kubelet only (the node controller keeps lastHeartbeatTime when
 * it marks a silent node Unknown), and a starting kubelet always posts its full status, so a restarted
 * kubelet shows itself by a newer heartbeat, a rebooted host also by a new boot id. The times come from the
 * node's own clock and are only compared with each other, never with the controller's clock.
 */
export interface NodeHeartbeat {
  bootId?: string;
  heartbeat?: string;
}

export function nodeHeartbeat(node: KubeNode): NodeHeartbeat {
  const bootId = node.status.nodeInfo?.bootID || undefined;
  const heartbeat = nodeReadyCondition(node)?.lastHeartbeatTime || undefined;
  return { ...(bootId ? { bootId } : {}), ...(heartbeat ? { heartbeat } : {}) };
}

/** Undefined when the node's status was posted after `before` (new boot id, or newer heartbeat); else why not. */
export function staleStatus(node: KubeNode, before: NodeHeartbeat): string | undefined {
  const now = nodeHeartbeat(node);
  if (before.bootId && now.bootId && now.bootId !== before.bootId) return undefined;
  const seen = Date.parse(now.heartbeat ?? '');
  const previous = Date.parse(before.heartbeat ?? '');
  if (!Number.isNaN(seen) && (Number.isNaN(previous) || seen > previous)) return undefined;
  const boot = before.bootId ? `, same boot id ${before.bootId}` : '';
  return `no status from the kubelet since the restart (last heartbeat ${now.heartbeat ?? 'none'}${boot})`;
}

/** What is still missing, or an empty list when the node is where we want it. */
function missing(node: KubeNode, pods: KubePod[] | null, options: WaitNodeReadyOptions): string[] {
  const gaps: string[] = [];
  const ready = nodeReadyCondition(node);
  if (ready?.status !== 'True') {
    const detail = [ready?.reason, ready?.message].filter(Boolean).join(': ');
    gaps.push(`Ready=${ready?.status ?? 'absent'}${detail ? ` (${detail})` : ''}`);
  }
  const stale = options.after ? staleStatus(node, options.after) : undefined;
  if (stale) gaps.push(ready?.status === 'True' ? `${stale}: its Ready=True is from before` : stale);
  if (options.expectKubeletVersion) {
    const actual = node.status.nodeInfo?.kubeletVersion ?? '';
    const want = tryParseKubeVersion(options.expectKubeletVersion);
    const have = tryParseKubeVersion(actual);
    if (!want || !have || compareKubeVersions(want, have) !== 0) {
      gaps.push(`kubelet ${actual || 'unknown'} (want ${options.expectKubeletVersion})`);
    }
  }
  if (pods) {
    const unready = pods.filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.status.phase !== 'Succeeded' &&
        p.status.phase !== 'Failed' &&
        p.status.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
    );
    if (unready.length > 0) gaps.push(`pods not ready: ${unready.map(podRef).join(', ')}`);
  }
  return gaps;
}

/** Errors worth waiting out: connection failures, 5xx, 429, and 404 while a node re-registers. */
function transient(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  return err.status === undefined || err.status >= 500 || err.status === 429 || err.status === 404;
}

export async function waitNodeReady(port: KubePort, name: string, options: WaitNodeReadyOptions): Promise<KubeNode> {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 2000;
  const deadline = clock.now() + options.timeoutMs;
  let last = 'no answer from the API server yet';
  let lastReported = '';
  for (;;) {
    try {
      const node = await port.getNode(name);
      const pods = options.requirePodsReady ? await port.listPodsOnNode(name) : null;
      const gaps = missing(node, pods, options);
      if (gaps.length === 0) return node;
      last = gaps.join('; ');
    } catch (err) {
      if (!transient(err)) throw err;
      last = (err as Error).message;
    }
    if (last !== lastReported) {
      options.onProgress?.(last);
      lastReported = last;
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new NodeWaitError(name, `node ${name} not ready after ${Math.round(options.timeoutMs / 1000)}s: ${last}`);
    }
    await clock.sleep(Math.min(pollMs, remaining));
  }
}

/**
 * The cordon record that outlives the controller: drydock writes this annotation (value: its run id) in the
 * same patch that cordons a schedulable node, and removes it in the patch that uncordons. A node found
 * cordoned with it was cordoned by a drydock run — possibly one that died before it could uncordon — so a
 * later kube_uncordon may uncordon it; a node cordoned without it belongs to a human and stays cordoned.
 * (kured keeps the same record in its lock annotation.)
 */
export const CORDONED_BY_ANNOTATION = 'drydock.io/cordoned-by';

export function cordonedBy(node: KubeNode): string | undefined {
  return node.metadata.annotations?.[CORDONED_BY_ANNOTATION];
}

export interface MarkedCordon {
  wasAlreadyCordoned: boolean;
  /** The annotation's run id when the node was already cordoned by a drydock run. */
  cordonedBy?: string;
}

/** Cordons a schedulable node and records `runId` on it, in one merge patch; an already cordoned node is left as it is. */
export async function cordonMarked(port: KubePort, name: string, runId: string): Promise<MarkedCordon> {
  const current = await port.getNode(name);
  if (current.spec.unschedulable === true) {
    const by = cordonedBy(current);
    return { wasAlreadyCordoned: true, ...(by !== undefined ? { cordonedBy: by } : {}) };
  }
  await port.patchNode(name, { spec: { unschedulable: true }, metadata: { annotations: { [CORDONED_BY_ANNOTATION]: runId } } });
  return { wasAlreadyCordoned: false };
}

/** Uncordons and drops the record in one merge patch; a schedulable node only loses a stale record. */
export async function uncordonMarked(port: KubePort, name: string, current?: KubeNode): Promise<{ wasCordoned: boolean }> {
  const node = current ?? (await port.getNode(name));
  const marked = cordonedBy(node) !== undefined;
  const cordoned = node.spec.unschedulable === true;
  if (!cordoned && !marked) return { wasCordoned: false };
  await port.patchNode(name, {
    ...(cordoned ? { spec: { unschedulable: null } } : {}),
    ...(marked ? { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: null } } } : {}),
  });
  return { wasCordoned: cordoned };
}
