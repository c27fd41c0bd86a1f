/** Which hosts `certs check` reads when no PATTERN is given: every host of every control-plane group. Pure. */
import { ConfigError } from '../errors.js';
import { CONTROL_PLANE_GROUPS, controlPlaneGroups, controlPlaneMembers } from '../inventory/control-plane.js';
import type { Inventory } from '../inventory/types.js';

/** Hosts of `control_plane`, `kube_control_plane` and `kube-master` together, each once, in inventory order. */
export function controlPlaneHosts(inventory: Inventory): string[] {
  if (controlPlaneGroups(inventory).length === 0) {
    throw new ConfigError(
      `the inventory has no control-plane group (${CONTROL_PLANE_GROUPS.join(', ')}): add one, or name the hosts to check as a PATTERN`,
    );
  }
  return controlPlaneMembers(inventory);
}
