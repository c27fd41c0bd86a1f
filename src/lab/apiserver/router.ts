/**
 * URL → route, the apiserver's path grammar: `/api/v1/...`, `/apis/<group>/<version>/...`, optional
 * `watch/` prefix, `namespaces/<ns>/<resource>/<name>/<subresource>`, plus discovery and health paths.
 */
import { findByPlural } from './resources.js';
import type { ResourceType } from './resources.js';

export type Route =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'core-versions' }
  | { kind: 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'resource-list'; group: string; version: string }
  | { kind: 'openapi'; version: 'v2' | 'v3' }
  | { kind: 'resource'; type: ResourceType; namespace?: string; name?: string; subresource?: string; legacyWatch: boolean }
  | { kind: 'not-found' };

export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/version') return { kind: 'version' };
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return { kind: 'health' };
  if (path === '/api') return { kind: 'core-versions' };
  if (path === '/apis') return { kind: 'groups' };
  if (path === '/openapi/v2') return { kind: 'openapi', version: 'v2' };
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return { kind: 'openapi', version: 'v3' };
  const segments = path.split('/').slice(1).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    group = '';
    version = segments[1] ?? '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    group = segments[1] ?? '';
    if (segments.length === 2) return { kind: 'group', group };
    version = segments[2] ?? '';
    rest = segments.slice(3);
  } else {
    return { kind: 'not-found' };
  }
  if (rest.length === 0) return { kind: 'resource-list', group, version };
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // `namespaces/<ns>/<resource>...` addresses a namespaced resource; `namespaces[/<name>[/status]]` the
  // Namespace objects themselves. No resource is called `status` or `finalize`, so the forms cannot clash.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = plural ? findByPlural(group, version, plural) : undefined;
  if (!type || extra.length > 0 || (namespace !== undefined && !type.namespaced)) return { kind: 'not-found' };
  return {
    kind: 'resource',
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    legacyWatch,
  };
}
