/**
 * The REST verbs on resources: list/get (plain or as Table), create, update, patch, delete, the status
 * subresources and pods/eviction, with the apiserver's status codes and Status bodies.
 */
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './patch.js';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { apiVersionOf } from './resources.js';
import { ApiError, badRequest, methodNotAllowed, successStatus, unsupportedMediaType } from './status.js';
import { mediaType, parseBody, sendJson, wantsTable } from './http.js';
import { toTable } from './table.js';
import { serveWatch } from './watch.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncludeObject } from './table.js';
import type { Route } from './router.js';
import type { Simulation } from './simulation.js';
import type { Json, KubeObject } from './types.js';

type ResourceRoute = Extract<Route, { kind: 'resource' }>;

export interface RequestContext {
  sim: Simulation;
  req: IncomingMessage;
  res: ServerResponse;
  route: ResourceRoute;
  query: URLSearchParams;
  body: Buffer;
  /** Open watches, so the server can end them on stop instead of waiting for clients to hang up. */
  watchers: Set<() => void>;
}

export async function handleResource(ctx: RequestContext): Promise<void> {
  const { req, route, query } = ctx;
  const method = req.method ?? 'GET';
  if (route.subresource === 'eviction') {
    if (route.type.name !== 'pods' || method !== 'POST') throw methodNotAllowed();
    return evict(ctx);
  }
  if (route.subresource && !route.type.subresources.includes(route.subresource)) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const watching = route.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  if (method === 'GET' && watching) return serveWatch(ctx);
  if (method === 'GET' && route.name === undefined) return list(ctx);
  if (method === 'GET') return get(ctx);
  if (method === 'POST' && route.name === undefined) return create(ctx);
  if (method === 'PUT' && route.name !== undefined) return update(ctx);
  if (method === 'PATCH' && route.name !== undefined) return patch(ctx);
  if (method === 'DELETE' && route.name !== undefined) return remove(ctx);
  throw methodNotAllowed();
}

function dryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All');
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export function selectObjects(ctx: RequestContext): KubeObject[] {
  const { sim, route, query } = ctx;
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(route.type.name, query.get('fieldSelector') ?? '');
  return sim.store
    .list(route.type.name, route.type.namespaced ? route.namespace : undefined)
    .filter((o) => matchesRequirements(labels, o.metadata.labels) && matchesFields(fields, o));
}

function list(ctx: RequestContext): void {
  const { sim, route, query, req, res } = ctx;
  const listRv = String(sim.store.currentRevision);
  let items = selectObjects(ctx);
  const limit = Number(query.get('limit') ?? '0');
  const start = query.get('continue') ? Number(Buffer.from(query.get('continue')!, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ApiError(400, 'BadRequest', 'continue key is not valid');
  let next: string | undefined;
  let remaining: number | undefined;
  if (limit > 0 && items.length > start + limit) {
    next = Buffer.from(String(start + limit)).toString('base64url');
    remaining = items.length - start - limit;
  }
  items = items.slice(start, limit > 0 ? start + limit : undefined);
  const tableVersion = wantsTable(req);
  if (tableVersion) {
    const table = toTable(route.type.name, items, listRv, sim.clock.now(), includeObject(query), tableVersion);
    if (next) table.metadata.continue = next;
    return sendJson(res, 200, table);
  }
  sendJson(res, 200, {
    kind: `${route.type.kind}List`,
    apiVersion: apiVersionOf(route.type),
    metadata: { resourceVersion: listRv, ...(next ? { continue: next, remainingItemCount: remaining } : {}) },
    items,
  });
}

function get(ctx: RequestContext): void {
  const { sim, route, req, res, query } = ctx;
  const obj = sim.store.get(route.type.name, route.namespace, route.name!);
  const tableVersion = wantsTable(req);
  if (tableVersion && !route.subresource) {
    return sendJson(res, 200, toTable(route.type.name, [obj], obj.metadata.resourceVersion, sim.clock.now(), includeObject(query), tableVersion));
  }
  sendJson(res, 200, obj);
}

function checkBody(ctx: RequestContext, obj: Json): KubeObject {
  const { route } = ctx;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the request body must be a JSON object');
  if (obj.kind && obj.kind !== route.type.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${route.type.kind})`);
  }
  obj.metadata ??= {};
  if (route.type.namespaced) {
    if (obj.metadata.namespace && route.namespace && obj.metadata.namespace !== route.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = route.namespace ?? obj.metadata.namespace;
  }
  if (ctx.route.name !== undefined && obj.metadata.name && obj.metadata.name !== ctx.route.name) {
    throw badRequest('the name of the object does not match the name on the URL');
  }
  if (ctx.route.name !== undefined) obj.metadata.name = ctx.route.name;
  return obj as KubeObject;
}

function create(ctx: RequestContext): void {
  const { sim, route, res, query } = ctx;
  const obj = checkBody(ctx, parseBody(ctx.req, ctx.body));
  if (dryRun(query)) return sendJson(res, 201, obj);
  sendJson(res, 201, sim.create(route.type.name, obj));
}

/** Keeps what the addressed endpoint may not change: status on the main resource, the rest on /status. */
function scopeChange(ctx: RequestContext, current: KubeObject, wanted: KubeObject): KubeObject {
  const { route } = ctx;
  const hasStatusEndpoint = route.type.subresources.includes('status');
  if (route.subresource === 'status') {
    return { ...current, metadata: { ...current.metadata, resourceVersion: wanted.metadata?.resourceVersion ?? '' }, status: wanted.status };
  }
  if (hasStatusEndpoint && route.type.name !== 'namespaces') return { ...wanted, status: current.status };
  return wanted;
}

function afterWrite(ctx: RequestContext, obj: KubeObject): void {
  const { sim, route } = ctx;
  // A kubelet's status update or node-lease renewal is its heartbeat.
  if (route.type.name === 'nodes' && route.subresource === 'status') sim.heartbeat(obj.metadata.name);
  if (route.type.name === 'leases' && obj.metadata.namespace === 'kube-node-lease') sim.heartbeat(obj.metadata.name);
}

function update(ctx: RequestContext): void {
  const { sim, route, res, query } = ctx;
  const wanted = checkBody(ctx, parseBody(ctx.req, ctx.body));
  const current = sim.store.get(route.type.name, route.namespace, route.name!);
  const next = scopeChange(ctx, current, wanted);
  next.metadata.resourceVersion = wanted.metadata.resourceVersion ?? '';
  if (dryRun(query)) return sendJson(res, 200, next);
  const saved = sim.store.update(route.type.name, next);
  afterWrite(ctx, saved);
  sendJson(res, 200, saved);
}

function patch(ctx: RequestContext): void {
  const { sim, route, res, query, req } = ctx;
  const type = mediaType(req);
  if (![JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH].includes(type)) throw unsupportedMediaType(type);
  const body = parseBody(req, ctx.body);
  const current = sim.store.get(route.type.name, route.namespace, route.name!);
  const patched = applyPatch(type, current, body) as KubeObject;
  if (!patched || typeof patched !== 'object' || !patched.metadata) throw badRequest('the patch removed the object metadata');
  if (patched.metadata.name !== current.metadata.name) throw badRequest('the patch may not change the object name');
  const next = scopeChange(ctx, current, patched);
  // A patch carrying metadata.resourceVersion is a precondition; one without it applies to the latest.
  const requested = type === JSON_PATCH ? undefined : body?.metadata?.resourceVersion;
  next.metadata.resourceVersion = requested ?? current.metadata.resourceVersion;
  if (dryRun(query)) return sendJson(res, 200, next);
  const saved = sim.store.update(route.type.name, next);
  afterWrite(ctx, saved);
  sendJson(res, 200, saved);
}

function deleteOptions(ctx: RequestContext): Json {
  const body = parseBody(ctx.req, ctx.body) ?? {};
  const fromQuery = ctx.query.get('gracePeriodSeconds');
  if (fromQuery !== null) body.gracePeriodSeconds = Number(fromQuery);
  return body;
}

function remove(ctx: RequestContext): void {
  const { sim, route, res, query } = ctx;
  const options = deleteOptions(ctx);
  const current = sim.store.get(route.type.name, route.namespace, route.name!);
  const pre = options.preconditions ?? {};
  if ((pre.uid && pre.uid !== current.metadata.uid) || (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)) {
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid ?? ''}, UID in object meta: ${current.metadata.uid}`);
  }
  if (route.type.name === 'namespaces' && ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(current.metadata.name)) {
    throw new ApiError(403, 'Forbidden', `namespaces "${current.metadata.name}" is forbidden: this namespace may not be deleted`);
  }
  if (dryRun(query)) return sendJson(res, 200, current);
  const grace = typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined;
  const propagation = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
  const result = sim.delete(route.type.name, route.namespace, route.name!, grace, propagation);
  // A pod or namespace that is not gone yet (graceful deletion, Terminating) is answered with the object.
  if (route.type.name === 'pods' || route.type.name === 'namespaces') return sendJson(res, 200, result);
  sendJson(res, 200, successStatus({ name: current.metadata.name, ...(route.type.group ? { group: route.type.group } : {}), kind: route.type.name, uid: current.metadata.uid } as Json));
}

function evict(ctx: RequestContext): void {
  const { sim, route, res, query } = ctx;
  const eviction = parseBody(ctx.req, ctx.body) ?? {};
  if (eviction.metadata?.name && eviction.metadata.name !== route.name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const grace = eviction.deleteOptions?.gracePeriodSeconds;
  const options = eviction.deleteOptions ?? {};
  const dry = dryRun(query) || (options.dryRun ?? []).includes('All');
  sim.evict(route.namespace!, route.name!, typeof grace === 'number' ? grace : undefined, dry);
  sendJson(res, 201, { ...successStatus(), code: 201 });
}
