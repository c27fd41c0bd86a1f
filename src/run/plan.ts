/**
 * Everything `drydock run` checks before contacting a host: inventory, pattern, limit, every host's
 * connection spec (all problems gathered into one ConfigError), and the open-file budget. The I/O comes
 * in through ports so the rules are unit-tested without files or sockets.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { patternPolicyOf, setPatternPolicy, type PatternPolicy } from '../inventory/patterns.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { checkFdBudget, type OpenFileLimit } from '../transport/fd-budget.js';
import { endpointLabel } from '../transport/pool.js';
import type { CliConnectionOptions, ResolveInput } from '../transport/resolve.js';
import type { LoadedSshConfig } from '../transport/ssh-config.js';
import type { ConnectionSpec } from '../transport/types.js';
import type { FanoutTarget } from './fanout.js';

/** What every command that contacts hosts is asked to plan for, whatever picks the hosts. */
export interface HostPlanRequest {
  inventory: string[];
  limit?: string;
  /** --allow-unmatched: run a pattern whose exclusion or intersection names nothing (reported, not refused). */
  allowUnmatched?: boolean;
  extraVars: Vars;
  forks: number;
  cli: CliConnectionOptions;
  /** Explicit -F file; must exist. Undefined means ~/.ssh/config if present. */
  sshConfigFile?: string;
  /** Directories of the playbooks to run, whose group_vars/ and host_vars/ are read with the inventory. */
  playbookDirs?: string[];
}

export interface RunPlanRequest extends HostPlanRequest {
  pattern: string;
}

export interface RunPlanPorts {
  loadInventory(sources: string[], options?: { playbookDirs?: readonly string[] }): Promise<Inventory>;
  /** With a policy for patterns typed on the command line (unmatched terms reported or refused). */
  resolvePattern(inventory: Inventory, pattern: string, policy?: PatternPolicy): string[];
  applyLimit(inventory: Inventory, hosts: string[], limit: string): string[];
  hostVars(inventory: Inventory, host: string, extraVars?: Vars): Vars;
  loadSshConfig(file?: string): Promise<LoadedSshConfig>;
  resolveSpec(input: ResolveInput): ConnectionSpec;
  fileExists(path: string): boolean;
  openFileLimit(): OpenFileLimit | null;
}

export interface RunPlan {
  targets: FanoutTarget[];
  /** Distinct jump chains: each is one connection held for the run. */
  bastions: number;
  /** Not fatal, shown before the run (no hosts matched, ignored ssh options, config oddities). */
  warnings: string[];
}

/** Ansible's wording for an empty match; the run then does nothing and exits 0. */
export const NO_HOSTS_MATCHED = 'No hosts matched, nothing to do';

/** What every host's connection spec is resolved against: the inventory and the ssh config. */
export interface ConnectionContext {
  inventory: Inventory;
  sshConfig: LoadedSshConfig;
  /** The ssh config's warnings, positioned; resolving specs adds more. */
  warnings: string[];
  /** Ignored ssh options: one warning line each, naming every host (kept up to date in `warnings`). */
  ignoredOptions?: Map<string, { line: number; hosts: string[] }>;
}

/** At most this many hosts are named in one ignored-option warning; the rest are counted. */
const NAMED_HOSTS = 5;

/** Records that `host`'s vars hold an ssh option drydock ignores: one warning line per option per run. */
function noteIgnoredOption(context: ConnectionContext, host: string, text: string): void {
  const seen = (context.ignoredOptions ??= new Map());
  let entry = seen.get(text);
  if (!entry) seen.set(text, (entry = { line: context.warnings.push('') - 1, hosts: [] }));
  if (entry.hosts.includes(host)) return;
  entry.hosts.push(host);
  const named = entry.hosts.slice(0, NAMED_HOSTS).join(', ');
  const more = entry.hosts.length > NAMED_HOSTS ? ` and ${entry.hosts.length - NAMED_HOSTS} more` : '';
  context.warnings[entry.line] = `${text} (${entry.hosts.length === 1 ? 'host' : `${entry.hosts.length} hosts`}: ${named}${more})`;
}

/** Checks an explicit -F file exists, then loads the inventory and the ssh config. */
export async function loadConnectionContext(
  request: Pick<HostPlanRequest, 'inventory' | 'sshConfigFile' | 'allowUnmatched' | 'playbookDirs'>,
  ports: RunPlanPorts,
): Promise<ConnectionContext> {
  if (request.sshConfigFile && !ports.fileExists(request.sshConfigFile)) {
    throw new ConfigError({ file: request.sshConfigFile, message: 'ssh config file (-F) not found' });
  }
  const inventory = await ports.loadInventory(request.inventory, request.playbookDirs ? { playbookDirs: request.playbookDirs } : undefined);
  const sshConfig = await ports.loadSshConfig(request.sshConfigFile);
  const warnings = sshConfig.warnings.map((w) => (w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}` : w.message));
  // Every pattern and --limit resolved against this inventory reports its unmatched terms with the plan's warnings.
  setPatternPolicy(inventory, { allowUnmatched: request.allowUnmatched === true, report: (message) => warnings.push(message) });
  return { inventory, sshConfig, warnings };
}

/**
 * Resolves a host's connection spec (host vars cached per host, inventory vars for jump hosts); its warnings
 * go to `context.warnings` prefixed with the host. `reportedWarnings` shares "say once" state across hosts.
 */
export function specResolver(
  context: ConnectionContext,
  request: Pick<HostPlanRequest, 'extraVars' | 'cli'>,
  ports: RunPlanPorts,
  reportedWarnings?: Set<string>,
): (name: string) => ConnectionSpec {
  const { inventory, sshConfig, warnings } = context;
  const varsCache = new Map<string, Vars>();
  const varsOf = (name: string): Vars | undefined => {
    if (!inventory.hosts.has(name)) return undefined;
    let vars = varsCache.get(name);
    if (!vars) varsCache.set(name, (vars = ports.hostVars(inventory, name, request.extraVars)));
    return vars;
  };
  return (name) =>
    ports.resolveSpec({
      name,
      vars: varsOf(name) ?? {},
      sshConfig,
      inventoryVars: varsOf,
      cli: request.cli,
      source: inventory.hosts.get(name)?.source,
      ...(reportedWarnings ? { reportedWarnings } : {}),
      onWarning: (message) => warnings.push(`${name}: ${message}`),
      onIgnoredOption: (host, text) => noteIgnoredOption(context, host, text),
    });
}

/** Every host's spec, in order; the ConfigError issues of all hosts that fail are gathered, not just the first. */
export function resolveEverySpec(names: Iterable<string>, resolve: (name: string) => ConnectionSpec): { resolved: FanoutTarget[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const resolved: FanoutTarget[] = [];
  for (const name of names) {
    try {
      resolved.push({ name, spec: resolve(name) });
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  return { resolved, issues };
}

/** Distinct jump chains: one pooled connection per distinct chain prefix, as the pool keys them. */
export function countBastions(specs: Iterable<ConnectionSpec>): number {
  const hops = new Set<string>();
  for (const spec of specs) {
    const labels = spec.proxyJump.map(endpointLabel);
    labels.forEach((_, i) => hops.add(labels.slice(0, i + 1).join(' > ')));
  }
  return hops.size;
}

export async function planRun(request: RunPlanRequest, ports: RunPlanPorts): Promise<RunPlan> {
  const context = await loadConnectionContext(request, ports);
  const { inventory, warnings } = context;

  let hosts = ports.resolvePattern(inventory, request.pattern, patternPolicyOf(inventory));
  if (request.limit !== undefined) hosts = ports.applyLimit(inventory, hosts, request.limit);
  if (hosts.length === 0) return { targets: [], bastions: 0, warnings: [...warnings, NO_HOSTS_MATCHED] };

  const { resolved: targets, issues } = resolveEverySpec(hosts, specResolver(context, request, ports));
  if (issues.length > 0) throw new ConfigError(issues);

  const bastions = countBastions(targets.map((t) => t.spec));
  checkFdBudget({ concurrentHosts: Math.min(request.forks, targets.length), bastions }, ports.openFileLimit());
  return { targets, bastions, warnings: dedupe(warnings) };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
