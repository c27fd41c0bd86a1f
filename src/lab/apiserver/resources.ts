/**
 * The resource types the simulator serves, described once: discovery documents, URL routing, seeding and
 * table printing all read this registry.
 */

export interface ResourceType {
  /** Plural resource name as it appears in URLs: `pods`. */
  name: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources with their own verbs (`status`); `eviction` is described separately below. */
  subresources: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: readonly ResourceType[] = [
  { name: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], subresources: ['status'] },
  { name: 'nodes', singular: 'node', kind: 'Node', group: '', version: 'v1', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { name: 'pods', singular: 'pod', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status'] },
  { name: 'events', singular: 'event', kind: 'Event', group: '', version: 'v1', namespaced: true, shortNames: ['ev'], subresources: [] },
  { name: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'] },
  { name: 'deployments', singular: 'deployment', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status'] },
  { name: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status'] },
  { name: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status'] },
  { name: 'jobs', singular: 'job', kind: 'Job', group: 'batch', version: 'v1', namespaced: true, categories: ['all'], subresources: ['status'] },
  { name: 'poddisruptionbudgets', singular: 'poddisruptionbudget', kind: 'PodDisruptionBudget', group: 'policy', version: 'v1', namespaced: true, shortNames: ['pdb'], subresources: ['status'] },
  { name: 'leases', singular: 'lease', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', namespaced: true, subresources: [] },
];

export const GROUPS: readonly { name: string; version: string }[] = [
  { name: 'apps', version: 'v1' },
  { name: 'batch', version: 'v1' },
  { name: 'policy', version: 'v1' },
  { name: 'coordination.k8s.io', version: 'v1' },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.name === plural);
}

/** Looks a manifest's `apiVersion`/`kind` up; `policy/v1beta1` is accepted as an alias of `policy/v1`. */
export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const normalized = group === 'policy' && version === 'v1beta1' ? 'v1' : version;
  return RESOURCES.find((r) => r.group === group && r.version === normalized && r.kind === kind);
}

export function resourceByKind(kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

export function resourceByName(plural: string): ResourceType {
  const found = RESOURCES.find((r) => r.name === plural);
  if (!found) throw new Error(`unknown resource ${plural}`);
  return found;
}

/** One entry of an APIResourceList, the shape kubectl's discovery client reads. */
export function discoveryEntries(group: string, version: string): object[] {
  const entries: object[] = [];
  for (const type of RESOURCES.filter((r) => r.group === group && r.version === version)) {
    entries.push({
      name: type.name,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.name === 'events' ? ALL_VERBS : ALL_VERBS,
      ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      ...(type.categories ? { categories: type.categories } : {}),
    });
    for (const sub of type.subresources) {
      entries.push({ name: `${type.name}/${sub}`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
    }
    if (type.name === 'pods') {
      // kubectl drain looks for exactly this entry (name, kind, group, version) to decide it may evict.
      entries.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    }
  }
  return entries;
}
