/** Which hosts `certs check` reads when no PATTERN is given: every host of every control-plane group. Pure. */
import { CONTROL_PLANE_GROUPS } from '../cli/cluster-access.js';
import { ConfigError } from '../errors.js';
import { groupHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';

/** Hosts of `control_plane`, `kube_control_plane` and `kube-master` together, each once, in inventory order. */
export function controlPlaneHosts(inventory: Inventory): string[] {
  const groups = CONTROL_PLANE_GROUPS.filter((g) => inventory.groups.has(g));
  if (groups.length === 0) {
    throw new ConfigError(
      `the inventory has no control-plane group (${CONTROL_PLANE_GROUPS.join(', ')}): add one, or name the hosts to check as a PATTERN`,
    );
  }
  const members = new Set(groups.flatMap((g) => groupHosts(inventory, g)));
  return [...inventory.hosts.keys()].filter((h) => members.has(h));
}
