/**
 * The report's Nodes table from a chain's `nodes.versions` events: each node's kubelet version before the chain
 * (the first run's read) and after it (the last run's read), Ready and cordon after, and the control planes'
 * kube-apiserver when an upgrade recorded them. Pure.
 */
import type { RunEvent } from '../events/events.js';
import type { ReportApiServerVersion, ReportNodeVersion, ReportNodeVersions } from './types.js';

export type NodeVersionsEvent = Extract<RunEvent, { type: 'nodes.versions' }>;

const changed = (before: string | null, after: string | null): boolean => before !== null && after !== null && before !== after;

/** Null when neither read is recorded. */
export function nodeVersionTable(before: NodeVersionsEvent | undefined, after: NodeVersionsEvent | undefined): ReportNodeVersions | null {
  if (!before && !after) return null;
  const beforeRows = new Map((before?.rows ?? []).map((r) => [r.name, r]));
  const afterRows = new Map((after?.rows ?? []).map((r) => [r.name, r]));
  const names = [...new Set([...beforeRows.keys(), ...afterRows.keys()])].sort((a, b) => a.localeCompare(b));
  const nodes = names.map((name): ReportNodeVersion => {
    const b = beforeRows.get(name)?.kubeletVersion ?? null;
    const a = afterRows.get(name);
    return { name, before: b, after: a?.kubeletVersion ?? null, ready: a?.ready ?? null, cordoned: a?.cordoned ?? null, changed: changed(b, a?.kubeletVersion ?? null) };
  });
  const apiBefore = new Map((before?.apiServers ?? []).map((s) => [s.node, s.version]));
  const apiAfter = new Map((after?.apiServers ?? []).map((s) => [s.node, s.version]));
  const apiServers = [...new Set([...apiBefore.keys(), ...apiAfter.keys()])]
    .sort((a, b) => a.localeCompare(b))
    .map((node): ReportApiServerVersion => {
      const b = apiBefore.get(node) ?? null;
      const a = apiAfter.get(node) ?? null;
      return { node, before: b, after: a, changed: changed(b, a) };
    });
  return { nodes, apiServers, hasBefore: before !== undefined, hasAfter: after !== undefined, beforeError: before?.error ?? null, afterError: after?.error ?? null };
}
