/**
 * Namespace deletion and the garbage collector, as the real server and controller-manager do them:
 * - DELETE of a namespace marks it Terminating; the namespace controller then deletes everything in it
 *   (pods gracefully) and removes the namespace once it is empty. Meanwhile the NamespaceLifecycle
 *   admission plugin refuses every create in it — evictions included — with 403 and cause
 *   NamespaceTerminating.
 * - `propagationPolicy: Orphan` strips the owner's ownerReferences from its dependents, which keep running
 *   unmanaged; the default (background) deletes dependents whose owners are all gone.
 */
import { resourceByName, RESOURCES } from './resources.js';
import { ApiError, qualifiedResource } from './status.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

const PROTECTED = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function isTerminating(store: ObjectStore, namespace: string | undefined): boolean {
  if (!namespace) return false;
  return Boolean(store.find('namespaces', undefined, namespace)?.metadata.deletionTimestamp);
}

/** NamespaceLifecycle's refusal of new content (`pods "x" is forbidden: unable to create ...`). */
export function refuseInTerminatingNamespace(store: ObjectStore, resource: string, namespace: string | undefined, name: string): void {
  if (!isTerminating(store, namespace)) return;
  const what = qualifiedResource(resource, resourceByName(resource).group);
  const subject = name ? `${what} "${name}"` : what;
  throw new ApiError(403, 'Forbidden', `${subject} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
    ...(name ? { name } : {}),
    kind: resource,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
  });
}

/** DELETE of a namespace: Terminating until the namespace controller has emptied it. */
export function markNamespaceTerminating(store: ObjectStore, name: string, nowIso: string): KubeObject {
  const ns = store.get('namespaces', undefined, name);
  if (PROTECTED.includes(name)) {
    throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  if (ns.metadata.deletionTimestamp) return ns;
  ns.metadata.deletionTimestamp = nowIso;
  ns.metadata.deletionGracePeriodSeconds = 0;
  ns.status = { ...ns.status, phase: 'Terminating' };
  return store.update('namespaces', ns);
}

/** One pass of the namespace controller: delete the contents of Terminating namespaces, then the namespace. */
export function reconcileNamespaces(store: ObjectStore, deletePod: (namespace: string, name: string) => void): void {
  for (const ns of store.list('namespaces')) {
    if (!ns.metadata.deletionTimestamp) continue;
    const name = ns.metadata.name;
    let remaining = 0;
    for (const type of RESOURCES.filter((t) => t.namespaced)) {
      for (const obj of store.list(type.name, name)) {
        remaining += 1;
        if (type.name !== 'pods') store.remove(type.name, name, obj.metadata.name);
        else if (!obj.metadata.deletionTimestamp) deletePod(name, obj.metadata.name);
      }
    }
    if (remaining === 0) store.remove('namespaces', undefined, name);
  }
}

/** `propagationPolicy: Orphan` (or the old orphanDependents): dependents lose their references to the owner. */
export function orphanDependents(store: ObjectStore, owner: KubeObject): void {
  for (const type of RESOURCES) {
    for (const obj of store.list(type.name)) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (!refs.some((ref) => ref.uid === owner.metadata.uid)) continue;
      const kept = refs.filter((ref) => ref.uid !== owner.metadata.uid);
      if (kept.length > 0) obj.metadata.ownerReferences = kept;
      else delete obj.metadata.ownerReferences;
      store.update(type.name, obj);
    }
  }
}

/** Background cascading deletion: objects whose owners are all gone are deleted (pods gracefully). */
export function collectGarbage(store: ObjectStore, remove: (resource: string, namespace: string | undefined, name: string) => void): void {
  const uids = new Set<string>();
  const owned: { resource: string; obj: KubeObject }[] = [];
  for (const type of RESOURCES) {
    for (const obj of store.list(type.name)) {
      uids.add(obj.metadata.uid);
      if (obj.metadata.ownerReferences?.length) owned.push({ resource: type.name, obj });
    }
  }
  for (const { resource, obj } of owned) {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.some((ref) => uids.has(ref.uid))) continue;
    if (resource === 'pods' && obj.metadata.deletionTimestamp) continue;
    remove(resource, obj.metadata.namespace, obj.metadata.name);
  }
}
