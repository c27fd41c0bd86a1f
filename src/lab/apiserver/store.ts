/**
 * The simulator's etcd: objects per resource, one global resourceVersion counter, and a bounded history of
 * changes so watches can resume from a resourceVersion (or be told 410 Gone when it is too old).
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, conflict, notFound } from './status.js';
import { apiVersionOf, resourceByName } from './resources.js';
import { clone, isoSeconds, systemClock } from './types.js';
import type { Clock, KubeObject } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resource: string;
  object: KubeObject;
  /** The object before the change (absent for ADDED): lets a filtered watch see objects leave its filter. */
  previous?: KubeObject;
  resourceVersion: number;
}

const HISTORY_LIMIT = 5000;

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private revision = 0;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  get currentRevision(): number {
    return this.revision;
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let found = this.buckets.get(resource);
    if (!found) {
      found = new Map();
      this.buckets.set(resource, found);
    }
    return found;
  }

  /** Returns a copy; callers may change it freely and hand it back to `update`. */
  find(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(resource).get(key(namespace, name));
    return found ? clone(found) : undefined;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject {
    const found = this.find(resource, namespace, name);
    if (!found) throw notFound(resource, resourceByName(resource).group, name);
    return found;
  }

  /** Objects sorted by namespace then name, as the real apiserver lists them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.bucket(resource).values()) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(clone(obj));
    }
    return out.sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
  }

  create(resource: string, input: KubeObject): KubeObject {
    const type = resourceByName(resource);
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    obj.metadata = { ...obj.metadata };
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix(5)}`;
    }
    if (!type.namespaced) delete obj.metadata.namespace;
    const id = key(obj.metadata.namespace, obj.metadata.name);
    if (this.bucket(resource).has(id)) throw alreadyExists(resource, type.group, obj.metadata.name);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = isoSeconds(this.clock.now());
    if (obj.spec !== undefined || type.name !== 'nodes') obj.metadata.generation = 1;
    obj.metadata.resourceVersion = String(++this.revision);
    delete obj.metadata.deletionTimestamp;
    this.bucket(resource).set(id, obj);
    this.record({ type: 'ADDED', resource, object: clone(obj), resourceVersion: this.revision });
    return clone(obj);
  }

  /**
   * Replaces an object. A non-empty `metadata.resourceVersion` must match the stored one (optimistic
   * concurrency, 409 Conflict otherwise); identity fields (uid, creationTimestamp) always come from the store.
   */
  update(resource: string, input: KubeObject): KubeObject {
    const type = resourceByName(resource);
    const id = key(type.namespaced ? input.metadata.namespace : undefined, input.metadata.name);
    const current = this.bucket(resource).get(id);
    if (!current) throw notFound(resource, type.group, input.metadata.name);
    const wanted = input.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(resource, type.group, input.metadata.name);
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    obj.metadata = {
      ...obj.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
    };
    if (!type.namespaced) delete obj.metadata.namespace;
    if (current.metadata.generation !== undefined) {
      const specChanged = JSON.stringify(current.spec) !== JSON.stringify(obj.spec);
      obj.metadata.generation = current.metadata.generation + (specChanged ? 1 : 0);
    }
    if (JSON.stringify(withoutVersion(obj)) === JSON.stringify(withoutVersion(current))) return clone(current);
    obj.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(id, obj);
    this.record({ type: 'MODIFIED', resource, object: clone(obj), previous: clone(current), resourceVersion: this.revision });
    return clone(obj);
  }

  /** Removes an object for good (graceful pod deletion is the pod lifecycle's job, not the store's). */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject {
    const type = resourceByName(resource);
    const id = key(type.namespaced ? namespace : undefined, name);
    const current = this.bucket(resource).get(id);
    if (!current) throw notFound(resource, type.group, name);
    this.bucket(resource).delete(id);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.record({ type: 'DELETED', resource, object: gone, previous: clone(current), resourceVersion: this.revision });
    return clone(gone);
  }

  /** Changes after `resourceVersion`, or undefined when the history no longer reaches back that far. */
  changesSince(resourceVersion: number): Change[] | undefined {
    const oldest = this.history[0];
    if (oldest && resourceVersion < oldest.resourceVersion - 1) return undefined;
    if (!oldest && resourceVersion < this.revision) return undefined;
    return this.history.filter((c) => c.resourceVersion > resourceVersion);
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Everything, for persisting to a state directory. */
  snapshot(): { revision: number; objects: Record<string, KubeObject[]> } {
    const objects: Record<string, KubeObject[]> = {};
    for (const [resource, bucket] of this.buckets) objects[resource] = [...bucket.values()].map(clone);
    return { revision: this.revision, objects };
  }

  restore(state: { revision: number; objects: Record<string, KubeObject[]> }): void {
    this.buckets.clear();
    this.history.length = 0;
    for (const [resource, objects] of Object.entries(state.objects)) {
      for (const obj of objects) this.bucket(resource).set(key(obj.metadata.namespace, obj.metadata.name), clone(obj));
    }
    this.revision = state.revision;
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const listener of this.listeners) listener(change);
  }
}

function withoutVersion(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: '' } };
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Random name suffixes from the same consonant/digit alphabet Kubernetes uses (no vowels, no words). */
export function randomSuffix(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}
