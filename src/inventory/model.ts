/**
 * Builds the Inventory from any number of sources. Sources only call this builder, so merging (one host
 * however many places list it), conflict detection and the implicit `all`/`ungrouped` groups live here once.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ConfigIssue } from '../errors.js';
import type { Inventory, InventoryGroup, InventoryHost, SourceRef, Vars } from './types.js';

/**
 * Ansible keeps variables from the inventory source, from `group_vars/`/`host_vars/` beside the inventory and
 * from those beside the playbook at different precedence levels; `vars` holds them merged, `varLayers` keeps
 * them apart for `hostVars`.
 */
export interface VarLayers {
  inventory: Vars;
  files: Vars;
  /** group_vars/ and host_vars/ beside the playbook (`drydock play`). */
  playbook?: Vars;
}

/** Which files layer a `group_vars/`/`host_vars/` directory feeds. */
export type FilesLayer = 'files' | 'playbook';
export type LoadedHost = InventoryHost & { varLayers: VarLayers };
export type LoadedGroup = InventoryGroup & { varLayers: VarLayers };

export interface LoadedInventory extends Inventory {
  hosts: Map<string, LoadedHost>;
  groups: Map<string, LoadedGroup>;
  /** Problems that do not stop loading (e.g. group_vars for a group that does not exist). */
  warnings: ConfigIssue[];
}

export const GROUP_PRIORITY_VAR = 'ansible_group_priority';

interface VarOrigin {
  value: unknown;
  ref: SourceRef;
}

export function formatRef(ref: SourceRef): string {
  return ref.line ? `${ref.file}:${ref.line}${ref.col ? `:${ref.col}` : ''}` : ref.file;
}

function positioned(ref: Partial<SourceRef> | undefined, message: string): ConfigIssue {
  const issue: ConfigIssue = { message };
  if (ref?.file !== undefined) issue.file = ref.file;
  if (ref?.line !== undefined) issue.line = ref.line;
  if (ref?.col !== undefined) issue.col = ref.col;
  return issue;
}

export class InventoryBuilder {
  readonly issues: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  readonly sources: string[] = [];
  private readonly hosts = new Map<string, LoadedHost>();
  private readonly groups = new Map<string, LoadedGroup>();
  private readonly hostVarOrigins = new Map<string, Map<string, VarOrigin>>();
  private readonly edges: { parent: string; child: string; ref?: SourceRef }[] = [];
  /** Membership as sets beside the ordered arrays, so listing a host is O(1) however large the group. */
  private readonly groupMembers = new Map<string, Set<string>>();
  private readonly hostGroups = new Map<string, Set<string>>();

  constructor() {
    this.group('all');
    // Ansible creates `ungrouped` as the first child of `all`, so it leads listings and graphs.
    this.addChild('all', 'ungrouped');
  }

  error(ref: Partial<SourceRef> | undefined, message: string): void {
    this.issues.push(positioned(ref, message));
  }

  warn(ref: Partial<SourceRef> | undefined, message: string): void {
    this.warnings.push(positioned(ref, message));
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  hasHost(name: string): boolean {
    return this.hosts.has(name);
  }

  /** Returns the group, creating it on first mention. */
  group(name: string, ref?: SourceRef): LoadedGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, hosts: [], children: [], parents: [], vars: {}, varLayers: { inventory: {}, files: {} } };
      if (ref) group.source = ref;
      this.groups.set(name, group);
    } else if (!group.source && ref) {
      group.source = ref;
    }
    return group;
  }

  /** Lists `name` in `groupName`; the host is created on first mention. */
  addHost(name: string, groupName: string, ref?: SourceRef): LoadedHost {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: {}, groups: [], varLayers: { inventory: {}, files: {} } };
      if (ref) host.source = ref;
      this.hosts.set(name, host);
    }
    const group = this.group(groupName);
    let members = this.groupMembers.get(groupName);
    if (!members) this.groupMembers.set(groupName, (members = new Set(group.hosts)));
    if (!members.has(name)) {
      members.add(name);
      group.hosts.push(name);
    }
    let groups = this.hostGroups.get(name);
    if (!groups) this.hostGroups.set(name, (groups = new Set(host.groups)));
    if (!groups.has(groupName)) {
      groups.add(groupName);
      host.groups.push(groupName);
    }
    return host;
  }

  /** Sets an inventory-source host variable; a different value already set elsewhere is an error. */
  setHostVar(hostName: string, key: string, value: unknown, ref: SourceRef): void {
    const host = this.hosts.get(hostName);
    if (!host) throw new Error(`setHostVar before addHost(${hostName})`);
    let origins = this.hostVarOrigins.get(hostName);
    if (!origins) this.hostVarOrigins.set(hostName, (origins = new Map()));
    const previous = origins.get(key);
    if (previous && !isDeepStrictEqual(previous.value, value)) {
      this.error(
        ref,
        `host "${hostName}" sets "${key}" to ${JSON.stringify(value)} here but to ${JSON.stringify(previous.value)} ` +
          `at ${formatRef(previous.ref)}; keep one definition (or move it to host_vars/${hostName}.yml)`,
      );
      return;
    }
    if (!previous) origins.set(key, { value, ref });
    host.varLayers.inventory[key] = value;
  }

  /** Sets an inventory-source group variable; later definitions win, as in Ansible. */
  setGroupVar(groupName: string, key: string, value: unknown, ref: SourceRef): void {
    const group = this.group(groupName);
    if (key === GROUP_PRIORITY_VAR) {
      const priority = typeof value === 'string' && /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
      if (typeof priority !== 'number' || !Number.isInteger(priority)) {
        this.error(ref, `group "${groupName}": ${GROUP_PRIORITY_VAR} must be an integer, got ${JSON.stringify(value)}`);
        return;
      }
      value = priority;
    }
    group.varLayers.inventory[key] = value;
  }

  addChild(parent: string, child: string, ref?: SourceRef): void {
    if (child === 'all') {
      this.error(ref, `group "all" cannot be a child of "${parent}": it already contains every group`);
      return;
    }
    const parentGroup = this.group(parent);
    const childGroup = this.group(child, ref);
    if (!parentGroup.children.includes(child)) {
      parentGroup.children.push(child);
      childGroup.parents.push(parent);
      this.edges.push({ parent, child, ...(ref ? { ref } : {}) });
    }
  }

  /** Variables read from a `group_vars/` or `host_vars/` file; later files win. */
  addFileVars(kind: 'group' | 'host', name: string, vars: Vars, layer: FilesLayer = 'files'): void {
    const target = kind === 'group' ? this.groups.get(name) : this.hosts.get(name);
    if (!target) throw new Error(`addFileVars for unknown ${kind} ${name}`);
    Object.assign((target.varLayers[layer] ??= {}), vars);
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** Links top-level groups under `all`, fills `ungrouped`, checks for cycles and merges variable layers. */
  build(): LoadedInventory {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    for (const group of this.groups.values()) {
      if (group.name !== 'all' && group.parents.length === 0) this.addChild('all', group.name);
    }
    this.checkCycles();
    all.directHosts = [...all.hosts];
    all.hosts = [...this.hosts.keys()];
    ungrouped.hosts = [];
    for (const host of this.hosts.values()) {
      const others = host.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
      host.groups = others.length === 0 ? ['all', 'ungrouped'] : ['all', ...others];
      if (others.length === 0) ungrouped.hosts.push(host.name);
      host.vars = { ...host.varLayers.inventory, ...host.varLayers.files, ...host.varLayers.playbook };
    }
    for (const group of this.groups.values()) {
      group.vars = { ...group.varLayers.inventory, ...group.varLayers.files, ...group.varLayers.playbook };
    }
    return { sources: [...this.sources], hosts: this.hosts, groups: this.groups, warnings: this.warnings };
  }

  private checkCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const reported = new Set<string>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 'visiting');
      stack.push(name);
      for (const edge of this.edges.filter((e) => e.parent === name)) {
        const seen = state.get(edge.child);
        if (seen === 'visiting') {
          const cycle = [...stack.slice(stack.indexOf(edge.child)), edge.child];
          const key = [...cycle.slice(0, -1)].sort().join('\0');
          if (!reported.has(key)) {
            reported.add(key);
            this.error(edge.ref, `groups form a cycle: ${cycle.join(' -> ')}`);
          }
        } else if (!seen) {
          visit(edge.child);
        }
      }
      stack.pop();
      state.set(name, 'done');
    };
    for (const name of this.groups.keys()) if (!state.has(name)) visit(name);
  }
}
