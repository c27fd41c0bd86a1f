/**
 * The workload the lab's cluster starts with, as a drydock rehearsal needs it: Deployments guarded by
 * PodDisruptionBudgets, a DaemonSet on every node, a StatefulSet, a Job, a pod with emptyDir data and one
 * without a controller. Applied with the real kubectl once kubeadm has made the cluster (cluster.ts); the
 * real scheduler places the pods and the node agents play them. Pure.
 */
import { stringify } from '../../util/yaml.js';

function deployment(name: string, replicas: number, image: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }], ...extra } },
    },
  };
}

function pdb(name: string, selector: string, budget: { minAvailable?: number; maxUnavailable?: number }) {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { ...budget, selector: { matchLabels: { app: selector } } } };
}

function daemonSet(name: string, namespace: string, image: string, tolerateControlPlane: boolean) {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace, labels: { 'k8s-app': name } },
    spec: {
      selector: { matchLabels: { 'k8s-app': name } },
      template: {
        metadata: { labels: { 'k8s-app': name } },
        spec: {
          containers: [{ name, image }],
          ...(tolerateControlPlane ? { tolerations: [{ operator: 'Exists' }] } : {}),
        },
      },
    },
  };
}

/**
 * What only the real controllers reconcile: a StatefulSet (with its headless Service) and a Job; kube-proxy
 * comes from kubeadm's own addon. Pods stop within a few seconds of a deletion (the node agent finishes a
 * deleting pod after its grace period), so drains stay short.
 */
function controllerExtras(): unknown[] {
  const grace = { terminationGracePeriodSeconds: 5 };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default', labels: { app: 'db' } },
      spec: {
        serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }], ...grace } },
      },
    },
    {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'report', namespace: 'default' },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { annotations: { 'lab.drydock.io/run-seconds': '5' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox:1.36', command: ['sh', '-c', 'echo done'] }], ...grace },
        },
      },
    },
  ];
}

export function labSeed(): string {
  const grace = { terminationGracePeriodSeconds: 5 };
  const docs = [
    ...controllerExtras(),
    daemonSet('node-exporter', 'monitoring', 'quay.io/prometheus/node-exporter:v1.8.2', true),
    deployment('web', 3, 'nginx:1.27', grace),
    pdb('web', 'web', { minAvailable: 2 }),
    deployment('api', 2, 'ghcr.io/example/api:2.4.1', grace),
    pdb('api', 'api', { maxUnavailable: 1 }),
    deployment('cache', 1, 'redis:7.2', { volumes: [{ name: 'data', emptyDir: {} }], ...grace }),
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'scratch-job', namespace: 'default', labels: { app: 'scratch' } },
      spec: { ...grace, containers: [{ name: 'work', image: 'busybox:1.36', volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }], volumes: [{ name: 'scratch', emptyDir: {} }] },
    },
  ];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
