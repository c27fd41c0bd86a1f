/**
 * Variable precedence for one host, as Ansible's VariableManager computes it for inventory data:
 *   inventory-source group vars (groups ordered by depth, then ansible_group_priority, then name)
 *   < group_vars/all (inventory's, then playbook's) < other group_vars/ files (same order; inventory's, then
 *   playbook's) < inventory-source host vars < host_vars/ files (inventory's, playbook's) < magic < extra vars.
 * Depth is the longest distance from `all`, so `all` < parent < child and same-depth groups merge in ASCII
 * name order (later wins) unless a group priority says otherwise.
 */
import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import { GROUP_PRIORITY_VAR } from './model.js';
import type { VarLayers } from './model.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';

const DEFAULT_GROUP_PRIORITY = 1;

/** Longest distance of each group from `all` (all = 0, its children 1, ...). */
export function groupDepths(inv: Inventory): Map<string, number> {
  const depthOf = depthFunction(inv);
  const depths = new Map<string, number>();
  for (const name of inv.groups.keys()) depths.set(name, depthOf(name));
  return depths;
}

/** A memoised depth lookup, so callers only pay for the groups they ask about. */
function depthFunction(inv: Inventory): (name: string) => number {
  const depths = new Map<string, number>([['all', 0]]);
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const group = inv.groups.get(name);
    // A cycle cannot come from loadInventory; a hand-built one must not hang us.
    if (!group || visiting.has(name)) return 0;
    visiting.add(name);
    const parents = group.parents.length > 0 ? group.parents : ['all'];
    const depth = 1 + Math.max(...parents.map(depthOf));
    visiting.delete(name);
    depths.set(name, depth);
    return depth;
  };
  return depthOf;
}

export function groupPriority(group: InventoryGroup): number {
  const layers = layersOf(group);
  const value = layers.inventory[GROUP_PRIORITY_VAR];
  return typeof value === 'number' ? value : DEFAULT_GROUP_PRIORITY;
}

/** Every group the host belongs to, directly or through parents, including `all`, in merge order. */
export function groupsOf(inv: Inventory, hostName: string): string[] {
  const host = requireHost(inv, hostName);
  const found = new Set<string>();
  const queue = ['all', ...host.groups];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (found.has(name)) continue;
    found.add(name);
    queue.push(...(inv.groups.get(name)?.parents ?? []));
  }
  return sortGroups(inv, [...found]);
}

/** Ansible's sort_groups: by depth, then priority, then name (all ascending; later entries win). */
export function sortGroups(inv: Inventory, names: string[]): string[] {
  const depthOf = depthFunction(inv);
  const key = (n: string): [number, number] => {
    const group = inv.groups.get(n);
    return [depthOf(n), group ? groupPriority(group) : DEFAULT_GROUP_PRIORITY];
  };
  return [...names].sort((a, b) => {
    const [da, pa] = key(a);
    const [db, pb] = key(b);
    if (da !== db) return da - db;
    if (pa !== pb) return pa - pb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Hosts of the group and of all its descendants in Ansible's order (Group.get_hosts): the groups are walked
 * generation by generation (the group, its children in order, then their children, ...) and each group's own
 * hosts are taken in the order it lists them, first occurrence wins. Where a generation has several groups
 * with children, Ansible takes them in Python set order (it varies from run to run); drydock takes them in the
 * order of the generation above, one of Ansible's orders. Recorded: test/fixtures/ansible/host-order.
 */
export function groupHosts(inv: Inventory, groupName: string): string[] {
  const root = inv.groups.get(groupName);
  if (!root) throw new ConfigError(`no group named "${groupName}" in the inventory`);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const name of descendantsInOrder(inv, groupName)) {
    const group = inv.groups.get(name);
    if (!group) continue;
    const own = name === 'all' ? (group.directHosts ?? group.hosts) : group.hosts;
    for (const h of own) {
      if (!seen.has(h)) {
        seen.add(h);
        out.push(h);
      }
    }
  }
  // `all` holds every host, also one a hand-built inventory left out of every group.
  if (groupName === 'all') for (const h of inv.hosts.keys()) if (!seen.has(h)) out.push(h);
  return out;
}

/** Ansible's Group._walk_relationship('child_groups', include_self=True, preserve_ordering=True). */
function descendantsInOrder(inv: Inventory, groupName: string): string[] {
  const ordered = [groupName, ...(inv.groups.get(groupName)?.children ?? [])];
  const seen = new Set<string>();
  let generation = [...new Set(ordered)];
  while (generation.length > 0) {
    for (const g of generation) seen.add(g);
    const next = new Set<string>();
    for (const g of generation) {
      for (const child of inv.groups.get(g)?.children ?? []) {
        if (seen.has(child)) continue;
        ordered.push(child);
        next.add(child);
      }
    }
    generation = [...next];
  }
  return [...new Set(ordered)];
}

/** `inventory_hostname`, `inventory_hostname_short` and `group_names` (sorted, without `all`). */
export function magicVars(inv: Inventory, hostName: string): Vars {
  return magicFrom(hostName, groupsOf(inv, hostName));
}

function magicFrom(hostName: string, groups: string[]): Vars {
  const isAddress = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/.test(hostName) || isIPv6(hostName);
  const groupNames = groups.filter((g) => g !== 'all');
  return {
    inventory_hostname: hostName,
    inventory_hostname_short: isAddress ? hostName : hostName.split('.')[0],
    group_names: groupNames.sort(),
  };
}

export interface HostVarsOptions {
  /** Add `inventory_hostname`, `inventory_hostname_short` and `group_names` (default true). */
  magic?: boolean;
}

/**
 * The host's merged variables, in Ansible's order (VARIABLE_PRECEDENCE's default): inventory-source group vars
 * (all, then the host's groups) < inventory group_vars/all < playbook group_vars/all < inventory group_vars of
 * the other groups < playbook group_vars of the other groups < inventory-source host vars < inventory
 * host_vars < playbook host_vars; `extraVars` (`-e`) always win. Recorded: test/fixtures/ansible/vars-precedence.
 */
export function hostVars(inv: Inventory, hostName: string, extraVars: Vars = {}, options: HostVarsOptions = {}): Vars {
  const host = requireHost(inv, hostName);
  const groupNames = groupsOf(inv, hostName);
  const groups = groupNames.map((g) => inv.groups.get(g)).filter((g) => g !== undefined);
  const result: Vars = {};
  for (const group of groups) {
    const { [GROUP_PRIORITY_VAR]: _priority, ...inventoryVars } = layersOf(group).inventory;
    Object.assign(result, inventoryVars);
  }
  const all = groups.filter((g) => g.name === 'all');
  const others = groups.filter((g) => g.name !== 'all');
  for (const set of [all, others]) {
    for (const group of set) Object.assign(result, layersOf(group).files);
    for (const group of set) Object.assign(result, layersOf(group).playbook);
  }
  const hostLayers = layersOf(host);
  Object.assign(result, hostLayers.inventory, hostLayers.files, hostLayers.playbook);
  if (options.magic !== false) Object.assign(result, magicFrom(hostName, groupNames));
  return Object.assign(result, extraVars);
}

function requireHost(inv: Inventory, hostName: string): InventoryHost {
  const host = inv.hosts.get(hostName);
  if (!host) throw new ConfigError(`no host named "${hostName}" in the inventory`);
  return host;
}

/** Loaded inventories keep source and file variables apart; hand-built ones only have `vars`. */
function layersOf(entity: InventoryHost | InventoryGroup): VarLayers {
  const layers = (entity as { varLayers?: VarLayers }).varLayers;
  return layers ?? { inventory: entity.vars, files: {} };
}
