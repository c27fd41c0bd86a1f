/** Which inventory groups hold the control planes: drydock's own name, then kubespray's current and legacy ones. */
import type { Inventory } from './types.js';
import { groupHosts } from './vars.js';

/** Control-plane group names, drydock's first, then kubespray's current and legacy ones. */
export const CONTROL_PLANE_GROUPS = ['control_plane', 'kube_control_plane', 'kube-master'] as const;

/** The control-plane groups this inventory has. */
export function controlPlaneGroups(inventory: Inventory): string[] {
  return CONTROL_PLANE_GROUPS.filter((g) => inventory.groups.has(g));
}

/** Hosts of every control-plane group together, each once, in inventory order. */
export function controlPlaneMembers(inventory: Inventory): string[] {
  const members = new Set(controlPlaneGroups(inventory).flatMap((g) => groupHosts(inventory, g)));
  return [...inventory.hosts.keys()].filter((h) => members.has(h));
}

/** The first host of the first control-plane group that has one, or undefined. */
export function firstControlPlane(inventory: Inventory): string | undefined {
  for (const group of controlPlaneGroups(inventory)) {
    const [first] = groupHosts(inventory, group);
    if (first) return first;
  }
  return undefined;
}
