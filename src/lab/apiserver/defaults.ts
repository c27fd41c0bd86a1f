/**
 * What the apiserver fills in and checks on create: defaulting (the fields kubectl and drain read) and
 * the validation errors users most often meet, worded as the real server words them.
 */
import { randomUUID } from 'node:crypto';
import { invalid } from './status.js';
import { selectorMatches } from './selectors.js';
import type { ResourceType } from './resources.js';
import type { Json, KubeObject } from './types.js';

export const SIMULATED_KUBERNETES_VERSION = 'v1.32.4';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export function applyDefaults(type: ResourceType, obj: KubeObject, nowIso: string): KubeObject {
  switch (type.name) {
    case 'pods': {
      const spec = (obj.spec ??= {});
      spec.terminationGracePeriodSeconds ??= 30;
      spec.restartPolicy ??= 'Always';
      spec.schedulerName ??= 'default-scheduler';
      spec.dnsPolicy ??= 'ClusterFirst';
      spec.tolerations ??= DEFAULT_TOLERATIONS.map((t) => ({ ...t }));
      obj.status ??= {};
      obj.status.phase ??= 'Pending';
      obj.status.qosClass ??= 'BestEffort';
      break;
    }
    case 'nodes': {
      obj.spec ??= {};
      obj.status ??= {};
      const status = obj.status;
      status.conditions ??= [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: nowIso, lastTransitionTime: nowIso },
      ];
      status.nodeInfo ??= {};
      status.nodeInfo.bootID ??= randomUUID();
      status.nodeInfo.kubeletVersion ??= SIMULATED_KUBERNETES_VERSION;
      status.nodeInfo.kubeProxyVersion ??= status.nodeInfo.kubeletVersion;
      status.nodeInfo.containerRuntimeVersion ??= 'containerd://1.7.24';
      status.nodeInfo.osImage ??= 'Debian GNU/Linux 12 (bookworm)';
      status.nodeInfo.kernelVersion ??= '6.1.0-lab';
      status.nodeInfo.operatingSystem ??= 'linux';
      status.nodeInfo.architecture ??= 'amd64';
      status.addresses ??= [{ type: 'Hostname', address: obj.metadata.name }];
      status.capacity ??= { cpu: '4', memory: '8Gi', pods: '110' };
      status.allocatable ??= { ...status.capacity };
      break;
    }
    case 'namespaces':
      obj.spec ??= { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
      break;
    case 'deployments':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.progressDeadlineSeconds ??= 600;
      obj.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      obj.status ??= {};
      break;
    case 'replicasets':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.status ??= { replicas: 0 };
      break;
    case 'daemonsets':
      obj.spec ??= {};
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      obj.status ??= { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
      break;
    case 'statefulsets':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.podManagementPolicy ??= 'OrderedReady';
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      obj.spec.revisionHistoryLimit ??= 10;
      obj.status ??= { replicas: 0, availableReplicas: 0 };
      break;
    case 'jobs':
      obj.spec ??= {};
      obj.spec.parallelism ??= 1;
      obj.spec.completions ??= 1;
      obj.spec.backoffLimit ??= 6;
      obj.spec.completionMode ??= 'NonIndexed';
      obj.spec.suspend ??= false;
      obj.spec.podReplacementPolicy ??= obj.spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
      obj.status ??= {};
      break;
    case 'poddisruptionbudgets':
      obj.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
      break;
  }
  return obj;
}

/** Throws a 422 Invalid ApiError for the mistakes the real validation would refuse. */
export function validate(type: ResourceType, obj: KubeObject): void {
  // A generateName prefix is checked as the name it will become.
  const name = obj.metadata?.name || (obj.metadata?.generateName ? `${obj.metadata.generateName}x` : '');
  const causes: { field: string; message: string; reason?: string }[] = [];
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  else if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  }
  if (type.name === 'pods' && !(obj.spec?.containers?.length > 0)) {
    causes.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  }
  if (type.name === 'jobs' && !['Never', 'OnFailure'].includes(obj.spec?.template?.spec?.restartPolicy)) {
    causes.push({ field: 'spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"', reason: 'FieldValueRequired' });
  }
  if (['deployments', 'replicasets', 'daemonsets', 'statefulsets'].includes(type.name)) {
    const selector: Json = obj.spec?.selector;
    if (!selector) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
    else if (!selectorMatches(selector, obj.spec?.template?.metadata?.labels)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(obj.spec?.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\`` });
    }
  }
  if (type.name === 'poddisruptionbudgets' && obj.spec?.minAvailable !== undefined && obj.spec?.maxUnavailable !== undefined) {
    causes.push({ field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set' });
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}
