/**
 * The three PATCH flavours kubectl and client libraries send: JSON merge patch (RFC 7386), strategic merge
 * patch (Kubernetes' list-aware merge; the common directives) and JSON patch (RFC 6902).
 */
import { ApiError, badRequest } from './status.js';
import { clone } from './types.js';
import type { Json } from './types.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

function isMap(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  const out: Record<string, Json> = isMap(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * patchMergeKey of the list fields drydock's objects carry; other lists are replaced whole, as they are
 * for types without a merge key in the Kubernetes API.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  taints: 'key',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars that merge as sets instead of being replaced. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (directive === 'delete') return undefined;
  const out: Record<string, Json> = isMap(target) ? clone(target) : {};
  const retainKeys = Array.isArray(patch['$retainKeys']) ? (patch['$retainKeys'] as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as Json[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && MERGE_KEYS[k] && v.every(isMap)) {
      out[k] = mergeList(Array.isArray(out[k]) ? out[k] : [], v, MERGE_KEYS[k]!);
    } else if (Array.isArray(v) && MERGED_SCALAR_LISTS.has(k)) {
      const existing: Json[] = Array.isArray(out[k]) ? out[k] : [];
      out[k] = [...existing, ...v.filter((x) => !existing.includes(x))];
    } else if (isMap(v)) {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = clone(v);
    }
  }
  if (retainKeys) for (const k of Object.keys(out)) if (!retainKeys.includes(k)) delete out[k];
  return out;
}

function mergeList(current: Json[], patch: Json[], mergeKey: string): Json[] {
  if (patch.some((item) => item['$patch'] === 'replace')) {
    return patch.filter((item) => item['$patch'] !== 'replace').map(stripDirectives);
  }
  const out = current.map(clone);
  for (const item of patch) {
    const index = out.findIndex((existing) => existing?.[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = strategicMergePatch(out[index], item);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isMap(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function patchFailure(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function parentOf(doc: Json, tokens: string[], path: string): [Json, string] {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : node?.[token];
    if (node === undefined || node === null || typeof node !== 'object') {
      throw patchFailure(`jsonpatch: the path "${path}" does not exist`);
    }
  }
  return [node, tokens[tokens.length - 1]!];
}

function read(doc: Json, path: string): Json {
  let node = doc;
  for (const token of pointer(path)) {
    node = Array.isArray(node) ? node[Number(token)] : node?.[token];
    if (node === undefined) throw patchFailure(`jsonpatch: the path "${path}" does not exist`);
  }
  return node;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return clone(value);
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw patchFailure(`jsonpatch: index out of range in "${path}"`);
    parent.splice(index, 0, clone(value));
  } else parent[last] = clone(value);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!(index >= 0 && index < parent.length)) throw patchFailure(`jsonpatch: index out of range in "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!(last in parent)) throw patchFailure(`jsonpatch: the path "${path}" does not exist`);
    delete parent[last];
  }
  return doc;
}

export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be an array of operations');
  let doc = clone(target);
  for (const op of operations as JsonPatchOperation[]) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, op.value);
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace':
        read(doc, op.path);
        doc = addAt(removeAt(doc, op.path), op.path, op.value);
        break;
      case 'move': {
        const value = read(doc, op.from ?? '');
        doc = addAt(removeAt(doc, op.from ?? ''), op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, read(doc, op.from ?? ''));
        break;
      case 'test':
        if (JSON.stringify(read(doc, op.path)) !== JSON.stringify(op.value)) {
          throw patchFailure(`jsonpatch: testing value ${op.path} failed`);
        }
        break;
      default:
        throw badRequest(`jsonpatch: unexpected operation "${(op as { op: string }).op}"`);
    }
  }
  return doc;
}

/** Applies a PATCH body by its Content-Type; unknown types are the caller's 415. */
export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  if (contentType === JSON_PATCH) return jsonPatch(target, patch);
  if (contentType === MERGE_PATCH) return mergePatch(target, patch);
  return strategicMergePatch(target, patch);
}
