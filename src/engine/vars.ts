/**
 * Variable scopes of a run, merged per host in Ansible's precedence order (lowest first):
 *   role defaults < inventory (group_vars < host_vars) < gathered facts < play vars < vars_files < role vars < block vars < task vars
 *   < include_vars < set_fact / registered results < role params < loop variables < -e extra vars,
 * then the magic variables, which nothing overrides: inventory_hostname, groups, hostvars (lazy),
 * play_hosts, ansible_play_hosts, ansible_play_hosts_all, ansible_play_batch, ansible_play_name,
 * ansible_check_mode, inventory_file and inventory_dir (the host's inventory source), and the run's own
 * (`RunMagic`: ansible_version, playbook_dir, ansible_diff_mode, ansible_run_tags, ...).
 * Shapes as ansible-playbook 2.14.18 prints them: test/fixtures/ansible/facts/magic.json.
 *
 * Registered results and gathered facts are data, never templates: their names and objects are handed
 * to the renderer as unsafe so a `{{` in a command's output is not evaluated.
 */
import { dirname, resolve } from 'node:path';
import { groupHosts, hostVars } from '../inventory/vars.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { RenderOptions } from '../playbook/template.js';

/** What the current play contributes to every host's variables. */
export interface PlayScope {
  vars: Vars;
  /** Defaults of the play's roles: below the inventory. */
  defaults?: Vars;
  /** role_names, ansible_role_names, …: magic. */
  roleNames?: Vars;
  /** Every host the play targets (ansible_play_hosts_all). */
  hostsAll: readonly string[];
  /** The current batch (ansible_play_batch). */
  batch: readonly string[];
  /** Hosts of the play still active (ansible_play_hosts / play_hosts). */
  active: () => string[];
  check: boolean;
  /** ansible_play_name. */
  name?: string;
}

/** The version drydock's playbook semantics follow, as Ansible's `ansible_version` magic variable. */
export const ANSIBLE_VERSION = { full: '2.14.18', major: 2, minor: 14, revision: 18, string: '2.14.18' } as const;

/** Magic variables of the whole run. */
export interface RunMagic {
  playbookFile?: string;
  inventorySources?: readonly string[];
  diff?: boolean;
  tags?: readonly string[];
  skipTags?: readonly string[];
  forks?: number;
}

/** The run's magic variables as Ansible names them (ansible_run_tags is ['all'] when no --tags). */
export function runMagicVars(magic: RunMagic): Vars {
  return {
    ansible_version: { ...ANSIBLE_VERSION },
    ...(magic.playbookFile !== undefined ? { playbook_dir: dirname(resolve(magic.playbookFile)) } : {}),
    ansible_diff_mode: magic.diff ?? false,
    ansible_run_tags: magic.tags && magic.tags.length > 0 ? [...magic.tags] : ['all'],
    ansible_skip_tags: [...(magic.skipTags ?? [])],
    ...(magic.forks !== undefined ? { ansible_forks: magic.forks } : {}),
    ansible_inventory_sources: (magic.inventorySources ?? []).map((s) => resolve(s)),
    ansible_config_file: null,
  };
}

/** Variables of one task on one host, innermost last. */
export interface TaskVarLayers {
  /** The task's roles' defaults (outermost first), above the play's role defaults, below the inventory. */
  roleDefaults?: readonly Vars[];
  /** Role vars are among the block vars (the role's block), above the play's vars and vars_files. */
  blockVars?: readonly Vars[];
  taskVars?: Vars;
  /** The innermost role's parameters: above set_fact, below loop and extra vars. */
  roleParams?: Vars;
  loopVars?: Vars;
  /** role_name, role_path: magic, like inventory_hostname. */
  roleMagic?: Vars;
}

export class VarStore {
  private readonly inventoryVars = new Map<string, Vars>();
  private readonly gathered = new Map<string, Vars>();
  private readonly hostFacts = new Map<string, Vars>();
  private readonly includedVars = new Map<string, Vars>();
  private groupsCache?: Record<string, string[]>;
  private readonly unsafeObjects = new WeakSet<object>();
  private play?: PlayScope;

  private readonly runMagic: Vars;

  constructor(
    private readonly inventory: Inventory,
    private readonly extraVars: Vars,
    magic: RunMagic = {},
  ) {
    this.runMagic = runMagicVars({ ...magic, inventorySources: magic.inventorySources ?? inventory.sources });
  }

  setPlay(scope: PlayScope): void {
    this.play = scope;
  }

  /** add_host / group_by changed the inventory: groups, group_names and inventory vars are read again. */
  inventoryChanged(): void {
    this.inventoryVars.clear();
    this.groupsCache = undefined;
  }

  /**
   * Options for rendering with `host`'s variables: its registered results, set_fact values and gathered
   * facts are data, not templates. Per host, so a name registered on one host does not turn another
   * host's templated variable of that name into literal text.
   */
  renderOptions(host: string): RenderOptions {
    const names = new Set<string>(['ansible_facts']);
    for (const name of Object.keys(this.gathered.get(host) ?? {})) names.add(name);
    for (const name of Object.keys(this.hostFacts.get(host) ?? {})) names.add(name);
    return { unsafeVars: names, unsafeValues: this.unsafeObjects };
  }

  /** Facts from gather_facts: `ansible_facts.*` plus the classic top-level names. */
  setGathered(host: string, facts: Vars, classic: Vars): void {
    const current = this.gathered.get(host) ?? {};
    const merged = { ...((current['ansible_facts'] as Vars | undefined) ?? {}), ...facts };
    this.markUnsafe(merged);
    for (const value of Object.values(classic)) this.markUnsafe(value);
    this.gathered.set(host, { ...current, ...classic, ansible_facts: merged });
  }

  /** A registered task result (data only). */
  register(host: string, name: string, result: unknown): void {
    this.markUnsafe(result);
    this.hostFacts.set(host, { ...(this.hostFacts.get(host) ?? {}), [name]: result });
  }

  /** set_fact: these values were rendered when set, so they are not templated again either. */
  setFacts(host: string, facts: Vars): void {
    for (const [name, value] of Object.entries(facts)) this.register(host, name, value);
  }

  /**
   * Variables a task set on the host: include_vars' go below set_fact and stay templates (rendered when
   * used, as Ansible's vars cache); every other module's are set_fact values.
   */
  setTaskFacts(host: string, module: string, facts: Vars): void {
    if (module === 'include_vars') this.includedVars.set(host, { ...(this.includedVars.get(host) ?? {}), ...facts });
    else this.setFacts(host, facts);
  }

  hostFactsOf(host: string): Vars {
    return this.hostFacts.get(host) ?? {};
  }

  /** Marks a value as data (a result about to be read by until/failed_when before it is registered). */
  markData(value: unknown): void {
    this.markUnsafe(value);
  }

  private markUnsafe(value: unknown): void {
    if (typeof value === 'object' && value !== null) this.unsafeObjects.add(value);
  }

  private inventoryOf(host: string): Vars {
    let vars = this.inventoryVars.get(host);
    if (!vars) {
      vars = this.inventory.hosts.has(host) ? hostVars(this.inventory, host, {}) : { inventory_hostname: host, inventory_hostname_short: host.split('.')[0], group_names: [] };
      // inventory_file / inventory_dir: the source file the host was read from (none for a `-i a,b,` list).
      const source = this.inventory.hosts.get(host)?.source?.file;
      const file = source !== undefined && this.inventory.sources.includes(source) ? source : undefined;
      vars = { ...vars, inventory_file: file !== undefined ? resolve(file) : null, inventory_dir: file !== undefined ? dirname(resolve(file)) : null };
      this.inventoryVars.set(host, vars);
    }
    return vars;
  }

  groups(): Record<string, string[]> {
    if (!this.groupsCache) {
      const out: Record<string, string[]> = {};
      for (const name of this.inventory.groups.keys()) out[name] = groupHosts(this.inventory, name);
      this.groupsCache = out;
    }
    return this.groupsCache;
  }

  /** Every variable of `host` for one task, merged by precedence. */
  forHost(host: string, layers: TaskVarLayers = {}): Record<string, unknown> {
    const play = this.play;
    const vars: Record<string, unknown> = { ...play?.defaults };
    for (const defaults of layers.roleDefaults ?? []) Object.assign(vars, defaults);
    Object.assign(vars, {
      ...this.inventoryOf(host),
      ...this.gathered.get(host),
      ...play?.vars,
    });
    for (const block of layers.blockVars ?? []) Object.assign(vars, block);
    Object.assign(vars, layers.taskVars, this.includedVars.get(host), this.hostFacts.get(host), layers.roleParams, layers.loopVars, this.extraVars);
    if (!vars['ansible_facts']) vars['ansible_facts'] = {};
    const active = play ? play.active() : [];
    Object.assign(vars, this.runMagic, {
      ...(play?.name !== undefined ? { ansible_play_name: play.name } : {}),
      inventory_hostname: host,
      groups: this.groups(),
      hostvars: new HostVarsView(this),
      play_hosts: active,
      ansible_play_hosts: active,
      ansible_play_hosts_all: [...(play?.hostsAll ?? [])],
      ansible_play_batch: [...(play?.batch ?? [])],
      ansible_check_mode: play?.check ?? false,
      ...play?.roleNames,
      ...layers.roleMagic,
    });
    return vars;
  }

  knowsHost(host: string): boolean {
    return this.inventory.hosts.has(host);
  }

  hostNames(): string[] {
    return [...this.inventory.hosts.keys()];
  }
}

/**
 * `hostvars`: a lazy mapping of every inventory host to its variables, built only for the hosts a template
 * reads (hostvars on 500 hosts must not merge 500 variable sets per task).
 */
class HostVarsView extends Map<string, unknown> {
  private readonly built = new Map<string, unknown>();
  constructor(private readonly store: VarStore) {
    super();
  }
  override has(host: string): boolean {
    return this.store.knowsHost(host);
  }
  override get(host: string): unknown {
    if (!this.store.knowsHost(host)) return undefined;
    let vars = this.built.get(host);
    if (!vars) {
      const all = this.store.forHost(host);
      delete all['hostvars'];
      vars = all;
      this.built.set(host, vars);
    }
    return vars;
  }
  override get size(): number {
    return this.store.hostNames().length;
  }
  override keys(): MapIterator<string> {
    return this.store.hostNames()[Symbol.iterator]() as MapIterator<string>;
  }
  override entries(): MapIterator<[string, unknown]> {
    return this.store.hostNames().map((h): [string, unknown] => [h, this.get(h)])[Symbol.iterator]() as MapIterator<[string, unknown]>;
  }
  override values(): MapIterator<unknown> {
    return this.store.hostNames().map((h) => this.get(h))[Symbol.iterator]() as MapIterator<unknown>;
  }
  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
}
