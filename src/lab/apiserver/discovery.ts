/**
 * Discovery documents: /version, /api, /apis and the per-group resource lists. Aggregated discovery
 * (apidiscovery.k8s.io/v2) is not offered; answering plain application/json makes client-go fall back to
 * these legacy documents, as it does against older servers.
 */
import { SIMULATED_KUBERNETES_VERSION } from './defaults.js';
import { discoveryEntries, GROUPS } from './resources.js';
import type { Json } from './types.js';

export function versionInfo(gitVersion: string = SIMULATED_KUBERNETES_VERSION): Json {
  const [major, minor] = gitVersion.slice(1).split('.');
  return {
    major,
    minor,
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T00:00:00Z',
    goVersion: 'go1.23.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): Json {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDocument(name: string, version: string): Json {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function groupList(): Json {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map((g) => groupDocument(g.name, g.version)) };
}

export function group(name: string): Json | undefined {
  const found = GROUPS.find((g) => g.name === name);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(found.name, found.version) } : undefined;
}

export function resourceList(groupName: string, version: string): Json | undefined {
  const known = groupName === '' ? version === 'v1' : GROUPS.some((g) => g.name === groupName && g.version === version);
  if (!known) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupName ? `${groupName}/${version}` : version,
    resources: discoveryEntries(groupName, version),
  };
}
