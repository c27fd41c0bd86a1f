/**
 * The version /version reports. In a lab whose control planes are mirrored into the API (kube-apiserver
 * static pods), it is the release those pods run — the oldest one while an upgrade is half done, as a
 * client behind a load balancer must expect; without such pods, the simulator's own version.
 */
import { SIMULATED_KUBERNETES_VERSION } from './defaults.js';
import type { ObjectStore } from './store.js';

function parts(tag: string): number[] {
  return tag.slice(1).split('.').map(Number);
}

function older(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return false;
}

export function servedVersion(store: ObjectStore): string {
  let oldest: string | undefined;
  for (const pod of store.list('pods', 'kube-system')) {
    if (pod.metadata.labels?.component !== 'kube-apiserver' || !pod.metadata.annotations?.['kubernetes.io/config.mirror']) continue;
    const tag = /:(v\d+\.\d+\.\d+)$/.exec(pod.spec?.containers?.[0]?.image ?? '')?.[1];
    if (tag && (!oldest || older(tag, oldest))) oldest = tag;
  }
  return oldest ?? SIMULATED_KUBERNETES_VERSION;
}
