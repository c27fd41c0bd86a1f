/**
 * What versions run where, read from the API: the apiserver's /version, every node's kubelet, and the
 * control-plane components from the image tags of kubeadm's static pods in kube-system
 * (`registry.k8s.io/kube-apiserver:v1.29.4`). The result feeds the skew checks and the hop planner.
 */
import type { ClusterSnapshot, ComponentInstance } from '../policy/skew.js';
import { tryParseKubeVersion } from '../policy/kube-version.js';
import { nodeReadyCondition, podRef, type KubePod, type KubePort } from './port.js';

export interface NodeVersion {
  name: string;
  kubeletVersion: string;
  ready: boolean;
  unschedulable: boolean;
  controlPlane: boolean;
}

export interface VersionSurvey {
  /** gitVersion from /version (the apiserver that answered). */
  apiserverVersion: string;
  snapshot: ClusterSnapshot;
  nodes: NodeVersion[];
  /** Things the survey could not determine, for the admin to see. */
  notes: string[];
}

const CONTROL_PLANE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/** The tag of an image reference, without a digest: `host:5000/kube-apiserver:v1.29.4@sha256:..` → `v1.29.4`. */
export function imageTag(image: string): string | null {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon < 0 ? null : withoutDigest.slice(colon + 1);
}

function componentVersion(pod: KubePod, component: string, notes: string[]): ComponentInstance | null {
  const containers = pod.spec.containers ?? [];
  const container = containers.find((c) => c.name === component) ?? containers[0];
  const tag = container?.image ? imageTag(container.image) : null;
  const node = pod.spec.nodeName ?? '(unscheduled)';
  if (!tag || !tryParseKubeVersion(tag)) {
    notes.push(`cannot read the ${component} version of ${podRef(pod)} from image "${container?.image ?? 'none'}"`);
    return null;
  }
  return { node, version: tag };
}

/** Each control-plane component's running instances (node, image tag) among kubeadm's static pods (`tier=control-plane`). */
export function controlPlaneComponents(pods: readonly KubePod[], notes: string[]): Map<string, ComponentInstance[]> {
  const byComponent = new Map<string, ComponentInstance[]>(CONTROL_PLANE_COMPONENTS.map((c) => [c, []]));
  for (const pod of pods) {
    const component = pod.metadata.labels?.component;
    const list = component ? byComponent.get(component) : undefined;
    if (!list || pod.metadata.deletionTimestamp) continue;
    const instance = componentVersion(pod, component!, notes);
    if (instance) list.push(instance);
  }
  return byComponent;
}

export async function surveyVersions(port: KubePort): Promise<VersionSurvey> {
  const notes: string[] = [];
  const [version, nodeList, controlPlanePods, proxyPods] = await Promise.all([
    port.getVersion(),
    port.listNodes(),
    port.listKubeSystemPods('tier=control-plane'),
    port.listKubeSystemPods('k8s-app=kube-proxy'),
  ]);

  const nodes: NodeVersion[] = nodeList.map((n) => ({
    name: n.metadata.name,
    kubeletVersion: n.status.nodeInfo?.kubeletVersion ?? '',
    ready: nodeReadyCondition(n)?.status === 'True',
    unschedulable: n.spec.unschedulable === true,
    controlPlane: CONTROL_PLANE_LABELS.some((label) => n.metadata.labels?.[label] !== undefined),
  }));

  const byComponent = controlPlaneComponents(controlPlanePods, notes);
  const apiservers = byComponent.get('kube-apiserver')!;
  if (apiservers.length === 0) {
    // Not a kubeadm static-pod control plane (or no rights to see it): fall back to the answering apiserver.
    apiservers.push({ node: '(api endpoint)', version: version.gitVersion });
    notes.push(`no kube-apiserver static pods found in kube-system; using /version (${version.gitVersion}) only`);
  }
  for (const component of ['kube-controller-manager', 'kube-scheduler']) {
    if (byComponent.get(component)!.length === 0) notes.push(`no ${component} pods found in kube-system; its version is not checked`);
  }

  const kubeProxies: ComponentInstance[] = [];
  for (const pod of proxyPods) {
    const instance = componentVersion(pod, 'kube-proxy', notes);
    if (instance) kubeProxies.push(instance);
  }

  const snapshot: ClusterSnapshot = {
    apiservers,
    controllerManagers: byComponent.get('kube-controller-manager')!,
    schedulers: byComponent.get('kube-scheduler')!,
    kubelets: nodes.map((n) => ({ node: n.name, version: n.kubeletVersion })),
    kubeProxies,
  };
  return { apiserverVersion: version.gitVersion, snapshot, nodes, notes };
}
