/**
 * `?watch=true` streams: newline-delimited watch events, optionally rendered as one-row Tables (what
 * `kubectl get -w` asks for). Starting points follow the apiserver: no or "0" resourceVersion sends the
 * current objects as ADDED first; a resourceVersion replays history after it, or 410 Gone when too old.
 * An object that stops matching the selectors is sent as DELETED, one that starts matching as ADDED.
 */
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError } from './status.js';
import { wantsTable } from './http.js';
import { toTable } from './table.js';
import type { RequestContext } from './handlers.js';
import type { Change } from './store.js';
import type { Json, KubeObject } from './types.js';

export async function serveWatch(ctx: RequestContext): Promise<void> {
  const { sim, route, query, req, res } = ctx;
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fieldText = [query.get('fieldSelector') ?? '', route.name ? `metadata.name=${route.name}` : ''].filter(Boolean).join(',');
  const fields = parseFieldSelector(route.type.name, fieldText);
  const namespace = route.type.namespaced ? route.namespace : undefined;
  const matches = (obj: KubeObject | undefined): boolean =>
    obj !== undefined &&
    (namespace === undefined || obj.metadata.namespace === namespace) &&
    matchesRequirements(labels, obj.metadata.labels) &&
    matchesFields(fields, obj);
  const tableVersion = wantsTable(req);
  const render = (obj: KubeObject): Json =>
    tableVersion ? toTable(route.type.name, [obj], obj.metadata.resourceVersion, sim.clock.now(), 'Metadata', tableVersion) : obj;

  const requested = query.get('resourceVersion') ?? '';
  const initialEvents = query.get('sendInitialEvents') === 'true';
  let backlog: Json[] = [];
  if (requested === '' || requested === '0' || initialEvents) {
    backlog = sim.store.list(route.type.name, namespace).filter(matches).map((obj) => ({ type: 'ADDED', object: render(obj) }));
    if (initialEvents) {
      const rv = String(sim.store.currentRevision);
      backlog.push({ type: 'BOOKMARK', object: { kind: route.type.kind, apiVersion: 'v1', metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    }
  } else {
    const since = Number(requested);
    const history = Number.isInteger(since) ? sim.store.changesSince(since) : undefined;
    if (!history) {
      const gone = new ApiError(410, 'Expired', `too old resource version: ${requested} (${sim.store.currentRevision})`);
      backlog = [{ type: 'ERROR', object: gone.toStatus() }];
    } else {
      backlog = history.filter((c) => c.resource === route.type.name).map(translate).filter(Boolean);
    }
  }

  function translate(change: Change): Json | undefined {
    const now = matches(change.object) && change.type !== 'DELETED';
    const before = change.previous !== undefined && matches(change.previous);
    if (change.type === 'DELETED') return before ? { type: 'DELETED', object: render(change.object) } : undefined;
    if (now && (change.type === 'ADDED' || !before)) return { type: 'ADDED', object: render(change.object) };
    if (now) return { type: 'MODIFIED', object: render(change.object) };
    if (before) return { type: 'DELETED', object: render(change.object) };
    return undefined;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Clients wait for the response headers before reading events; send them even when nothing happens.
  res.flushHeaders();
  const write = (event: Json) => res.write(`${JSON.stringify(event)}\n`);
  for (const event of backlog) write(event);
  if (backlog.some((e) => e.type === 'ERROR')) return void res.end();

  await new Promise<void>((resolve) => {
    const unsubscribe = sim.store.subscribe((change) => {
      if (change.resource !== route.type.name) return;
      const event = translate(change);
      if (event) write(event);
    });
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    // The real apiserver ends every watch after a while (--min-request-timeout, randomised); clients re-watch.
    const lifetimeMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : 30 * 60 * 1000;
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      if (!res.writableEnded) res.end();
      resolve();
    };
    const timer = setTimeout(finish, lifetimeMs);
    res.on('close', finish);
    ctx.watchers.add(finish);
    res.on('close', () => ctx.watchers.delete(finish));
  });
}
