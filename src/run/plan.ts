/**
 * Everything `drydock run` checks before contacting a host: inventory, pattern, limit, every host's
 * connection spec (all problems gathered into one ConfigError), and the open-file budget. The I/O comes
 * in through ports so the rules are unit-tested without files or sockets.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Inventory, Vars } from '../inventory/types.js';
import { checkFdBudget, type OpenFileLimit } from '../transport/fd-budget.js';
import { endpointLabel } from '../transport/pool.js';
import type { CliConnectionOptions, ResolveInput } from '../transport/resolve.js';
import type { LoadedSshConfig } from '../transport/ssh-config.js';
import type { ConnectionSpec } from '../transport/types.js';
import type { FanoutTarget } from './fanout.js';

export interface RunPlanRequest {
  pattern: string;
  inventory: string[];
  limit?: string;
  extraVars: Vars;
  forks: number;
  cli: CliConnectionOptions;
  /** Explicit -F file; must exist. Undefined means ~/.ssh/config if present. */
  sshConfigFile?: string;
}

export interface RunPlanPorts {
  loadInventory(sources: string[]): Promise<Inventory>;
  resolvePattern(inventory: Inventory, pattern: string): string[];
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

export async function planRun(request: RunPlanRequest, ports: RunPlanPorts): Promise<RunPlan> {
  if (request.sshConfigFile && !ports.fileExists(request.sshConfigFile)) {
    throw new ConfigError({ file: request.sshConfigFile, message: 'ssh config file (-F) not found' });
  }
  const inventory = await ports.loadInventory(request.inventory);
  const sshConfig = await ports.loadSshConfig(request.sshConfigFile);
  const warnings: string[] = sshConfig.warnings.map((w) => (w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}` : w.message));

  let hosts = ports.resolvePattern(inventory, request.pattern);
  if (request.limit !== undefined) hosts = ports.applyLimit(inventory, hosts, request.limit);
  if (hosts.length === 0) return { targets: [], bastions: 0, warnings: [...warnings, NO_HOSTS_MATCHED] };

  const issues: ConfigIssue[] = [];
  const targets: FanoutTarget[] = [];
  const varsCache = new Map<string, Vars>();
  const varsOf = (name: string): Vars | undefined => {
    if (!inventory.hosts.has(name)) return undefined;
    let vars = varsCache.get(name);
    if (!vars) varsCache.set(name, (vars = ports.hostVars(inventory, name, request.extraVars)));
    return vars;
  };
  for (const name of hosts) {
    try {
      const spec = ports.resolveSpec({
        name,
        vars: varsOf(name) ?? {},
        sshConfig,
        inventoryVars: varsOf,
        cli: request.cli,
        source: inventory.hosts.get(name)?.source,
        onWarning: (message) => warnings.push(`${name}: ${message}`),
      });
      targets.push({ name, spec });
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  // One pooled connection per distinct chain prefix, as the pool keys them.
  const hops = new Set<string>();
  for (const { spec } of targets) {
    const labels = spec.proxyJump.map(endpointLabel);
    labels.forEach((_, i) => hops.add(labels.slice(0, i + 1).join(' > ')));
  }
  const bastions = hops.size;
  checkFdBudget({ concurrentHosts: Math.min(request.forks, targets.length), bastions }, ports.openFileLimit());
  return { targets, bastions, warnings: dedupe(warnings) };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
