/**
 * Applies what `add_host` and `group_by` results describe to the run's in-memory inventory, as Ansible's
 * StrategyBase._add_host / _add_group do: a new host (or new vars on a known one) in the named groups, a host
 * put in a group (created under its parents, themselves under `all`, when missing). The later tasks see the
 * new `groups` / `group_names` / `hostvars`; the later plays resolve their `hosts:` again (run-playbook.ts).
 */
import type { Inventory, InventoryGroup, InventoryHost, Vars } from '../inventory/types.js';

export interface InventoryChange {
  /** Hosts add_host created (not known to the inventory before the run). */
  added: string[];
}

function ensureGroup(inventory: Inventory, name: string, parent?: string): InventoryGroup {
  let group = inventory.groups.get(name);
  const attach = (to: string): void => {
    const up = to === 'all' ? inventory.groups.get('all') : ensureGroup(inventory, to);
    if (up && !up.children.includes(name)) up.children.push(name);
    if (!group!.parents.includes(to)) group!.parents.push(to);
  };
  if (!group) {
    group = { name, hosts: [], children: [], parents: [], vars: {} };
    inventory.groups.set(name, group);
    attach(parent ?? 'all');
  } else if (parent !== undefined && name !== 'all' && !group.parents.includes(parent)) {
    attach(parent);
  }
  // A group under a parent of its own is no longer directly under `all` (Ansible keeps `all` implicit there).
  if (group.parents.length > 1 && group.parents.includes('all')) {
    group.parents = group.parents.filter((p) => p !== 'all');
    const all = inventory.groups.get('all');
    if (all) all.children = all.children.filter((c) => c !== name);
  }
  return group;
}

function join(inventory: Inventory, host: InventoryHost, groupName: string): void {
  const group = inventory.groups.get(groupName)!;
  if (!group.hosts.includes(host.name)) group.hosts.push(host.name);
  if (!host.groups.includes(groupName)) host.groups.push(groupName);
  const ungrouped = inventory.groups.get('ungrouped');
  if (groupName !== 'ungrouped' && ungrouped?.hosts.includes(host.name)) {
    ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
    host.groups = host.groups.filter((g) => g !== 'ungrouped');
  }
}

function setVars(host: InventoryHost, vars: Vars): void {
  Object.assign(host.vars, vars);
  const layers = (host as { varLayers?: { inventory: Vars } }).varLayers;
  if (layers && layers.inventory !== host.vars) Object.assign(layers.inventory, vars);
}

/** Applies a task's result (each item's, for a loop); returns the hosts add_host created, or undefined when nothing changed. */
export function applyInventoryChanges(inventory: Inventory, host: string, result: Record<string, unknown>): InventoryChange | undefined {
  const items = Array.isArray(result['results']) ? (result['results'] as Record<string, unknown>[]) : [result];
  let change: InventoryChange | undefined;
  for (const item of items) {
    if (item['failed'] === true || item['skipped'] === true) continue;
    const one = applyInventoryChange(inventory, host, item);
    if (one) change = { added: [...(change?.added ?? []), ...one.added] };
  }
  return change;
}

function applyInventoryChange(inventory: Inventory, host: string, result: Record<string, unknown>): InventoryChange | undefined {
  const addHost = result['add_host'] as { host_name?: unknown; groups?: unknown; host_vars?: unknown } | undefined;
  if (addHost && typeof addHost.host_name === 'string') {
    const name = addHost.host_name;
    const known = inventory.hosts.get(name);
    const target: InventoryHost = known ?? { name, vars: {}, groups: [] };
    if (!known) inventory.hosts.set(name, target);
    setVars(target, (addHost.host_vars as Vars | undefined) ?? {});
    const groups = Array.isArray(addHost.groups) ? addHost.groups.map(String) : [];
    for (const g of groups) {
      ensureGroup(inventory, g);
      join(inventory, target, g);
    }
    if (target.groups.length === 0 && inventory.groups.has('ungrouped')) join(inventory, target, 'ungrouped');
    return { added: known ? [] : [name] };
  }
  const groupName = result['add_group'];
  const member = inventory.hosts.get(host);
  if (typeof groupName === 'string' && member) {
    const parents = Array.isArray(result['parent_groups']) ? result['parent_groups'].map(String) : ['all'];
    for (const parent of parents) ensureGroup(inventory, groupName, parent);
    join(inventory, member, groupName);
    return { added: [] };
  }
  return undefined;
}
