/**
 * The loaded inventory: Ansible's model. A host exists once however many groups list it; `all` holds every
 * host and `ungrouped` those in no other group. Insertion order of `hosts` is the inventory order that
 * patterns and `order: inventory` follow.
 */

export type Vars = Record<string, unknown>;

/** Where something was defined, for error messages (1-based). */
export interface SourceRef {
  file: string;
  line?: number;
  col?: number;
}

export interface InventoryHost {
  name: string;
  /** Variables set on the host itself (inventory file, then host_vars/). */
  vars: Vars;
  /** Groups that list the host directly (not their ancestors). */
  groups: string[];
  source?: SourceRef;
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in this group (for `all`: every host). */
  hosts: string[];
  /**
   * For `all` only: the hosts listed directly under it (a YAML inventory's `all: hosts:`), which lead its
   * host order as in Ansible. Unset in a hand-built inventory, where `hosts` is used.
   */
  directHosts?: string[];
  children: string[];
  parents: string[];
  /** Variables set on the group (inventory file, then group_vars/). */
  vars: Vars;
  source?: SourceRef;
}

export interface Inventory {
  /** Files the inventory was read from, in load order. */
  sources: string[];
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}
