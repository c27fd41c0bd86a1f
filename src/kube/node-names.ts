/**
 * Which Kubernetes Node an inventory host is. Kubespray's convention: the variable `kube_override_hostname`
 * names the node when the inventory name is not the node name (inventories of IP addresses, FQDNs);
 * drydock's own `node_name` takes precedence over it. Without either, the inventory name is the node name,
 * lowercased as the kubelet lowercases the hostname it registers under.
 */

export type NodeNameSource = 'node_name' | 'kube_override_hostname' | 'inventory name';

export interface ResolvedNodeName {
  name: string;
  /** Where the name came from, for "node not found" messages that tell the admin what to set. */
  source: NodeNameSource;
}

function given(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

export function resolveNodeName(hostVars: Readonly<Record<string, unknown>>, inventoryName: string): ResolvedNodeName {
  const explicit = given(hostVars.node_name);
  if (explicit) return { name: explicit.toLowerCase(), source: 'node_name' };
  const kubespray = given(hostVars.kube_override_hostname);
  if (kubespray) return { name: kubespray.toLowerCase(), source: 'kube_override_hostname' };
  return { name: inventoryName.trim().toLowerCase(), source: 'inventory name' };
}

export function nodeNameFor(hostVars: Readonly<Record<string, unknown>>, inventoryName: string): string {
  return resolveNodeName(hostVars, inventoryName).name;
}

/** How to say where a node name came from, e.g. `node "w1" (the inventory name of host w1; set node_name if the Node is called otherwise)`. */
export function describeNodeName(resolved: ResolvedNodeName, inventoryName: string): string {
  switch (resolved.source) {
    case 'node_name':
      return `node "${resolved.name}" (from node_name of host ${inventoryName})`;
    case 'kube_override_hostname':
      return `node "${resolved.name}" (from kube_override_hostname of host ${inventoryName})`;
    case 'inventory name':
      return `node "${resolved.name}" (the inventory name of host ${inventoryName}; set node_name if the Node is called otherwise)`;
  }
}
