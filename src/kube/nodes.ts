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
  pollMs?: number;
  clock?: Clock;
  onProgress?: (status: string) => void;
}

/** What is still missing, or an empty list when the node is where we want it. */
function missing(node: KubeNode, pods: KubePod[] | null, options: WaitNodeReadyOptions): string[] {
  const gaps: string[] = [];
  const ready = nodeReadyCondition(node);
  if (ready?.status !== 'True') {
    const detail = [ready?.reason, ready?.message].filter(Boolean).join(': ');
    gaps.push(`Ready=${ready?.status ?? 'absent'}${detail ? ` (${detail})` : ''}`);
  }
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
