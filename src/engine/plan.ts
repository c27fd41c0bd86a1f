/**
 * Everything `drydock play` checks before contacting a host: the playbook (loader), that every module it
 * names has an implementation, features the engine refuses rather than ignores, each play's hosts (pattern,
 * then --limit), every host's connection spec (all problems in one ConfigError) and the open-file budget.
 * Also the --list-hosts / --list-tasks listings, which need nothing else.
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { TaskModule } from '../modules/types.js';
import { checkFdBudget } from '../transport/fd-budget.js';
import type { Play, Playbook, TaskItem } from '../playbook/model.js';
import { renderString } from '../playbook/template.js';
import { walkItems, walkTasks } from '../playbook/walk.js';
import { countBastions, loadConnectionContext, resolveEverySpec, specResolver, type HostPlanRequest, type RunPlanPorts } from '../run/plan.js';
import type { ConnectionSpec } from '../transport/types.js';
import { taskDisplayName } from './effective.js';
import { orderedPlayHosts, planBatches, playVars } from '../playbook/play-plan.js';
import { remoteUserIssues, remoteUsers } from './remote-user.js';
import { shouldRunByTags } from './tags.js';
import { isController } from './types.js';

/** Modules the engine itself carries out (never looked up as TaskModules). */
const ENGINE_MODULES = new Set(['meta']);

/** Hosts come from each play's `hosts:`, so the request is run's without a pattern. */
export type PlaybookPlanRequest = HostPlanRequest;

export interface PlaybookPlan {
  inventory: Inventory;
  /** Hosts of each play, pattern and --limit applied, inventory order. */
  playHosts: string[][];
  specs: Map<string, ConnectionSpec>;
  /** Distinct jump-host chains (each holds one connection for the run). */
  bastions: number;
  warnings: string[];
  /** Hosts whose variables say ansible_connection=local: their tasks run on the controller, no spec. */
  localHosts: ReadonlySet<string>;
  resolveSpec(host: string): ConnectionSpec;
  /** A play's hosts (pattern and --limit) from the inventory as it is now: after add_host / group_by. */
  hostsFor(play: Play): string[];
}

function issueAt(pos: { file: string; line?: number; col?: number }, message: string): ConfigIssue {
  return { file: pos.file, ...(pos.line !== undefined ? { line: pos.line } : {}), ...(pos.col !== undefined ? { col: pos.col } : {}), message };
}

const SUPPORTED_CONNECTIONS: ReadonlySet<string> = new Set(['local', 'ssh', 'smart', 'paramiko', 'paramiko_ssh']);

function allItems(play: Play): TaskItem[] {
  const out: TaskItem[] = [];
  for (const section of [play.preTasks, play.tasks, play.postTasks, play.handlers]) walkItems(section, (item) => out.push(item));
  return out;
}

/** Problems the engine would otherwise meet half-way through a run. */
export function engineIssues(playbook: Playbook, modules: ReadonlyMap<string, TaskModule>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const play of playbook.plays) {
    if (play.becomeMethod !== undefined && play.becomeMethod !== 'sudo') issues.push(issueAt(play.pos, `become_method '${play.becomeMethod}' is not supported; only sudo is`));
    for (const at of [play, ...allItems(play)]) {
      if (at.connection !== undefined && !SUPPORTED_CONNECTIONS.has(at.connection)) issues.push(issueAt(at.pos, `connection '${at.connection}' is not supported; drydock connects over ssh, or runs the task on the controller with local`));
    }
    for (const file of play.varsFiles) if (!file.path) issues.push(issueAt(file.pos, `templated vars_files ('${file.written}') are not supported; name the file`));
    const check = (item: TaskItem): void => {
      if (item.becomeMethod !== undefined && item.becomeMethod !== 'sudo') issues.push(issueAt(item.pos, `become_method '${item.becomeMethod}' is not supported; only sudo is`));
      if (item.kind === 'task' && !ENGINE_MODULES.has(item.module) && !modules.has(item.module)) {
        issues.push(issueAt(item.pos, `module '${item.moduleWritten}' is known but has no implementation in this drydock build`));
      }
    };
    for (const section of [play.preTasks, play.tasks, play.postTasks, play.handlers]) walkItems(section, check);
  }
  return [...issues, ...remoteUserIssues(playbook)];
}

/**
 * Hosts named by a literal `delegate_to` (templated ones are checked when they render): each must be an
 * inventory host or the controller, and gets its connection spec resolved up front like the play's hosts.
 */
function literalDelegates(playbook: Playbook, inventory: Inventory, issues: ConfigIssue[]): string[] {
  const out = new Set<string>();
  const visit = (item: TaskItem): void => {
    const target = item.delegateTo?.trim();
    if (target !== undefined && !target.includes('{{') && !isController(target, inventory)) {
      if (inventory.hosts.has(target)) out.add(target);
      else issues.push(issueAt(item.pos, `delegate_to: '${target}' is not a host of the inventory (use localhost for the controller)`));
    }
  };
  for (const play of playbook.plays) for (const section of [play.preTasks, play.tasks, play.postTasks, play.handlers]) walkItems(section, visit);
  return [...out];
}

/** A play's host pattern, rendered when it holds a template (`hosts: "{{ target }}"`) with -e and play vars. */
export function playPattern(play: Play, extraVars: Vars): string {
  if (!play.hosts.includes('{{')) return play.hosts;
  return String(renderString(play.hosts, { ...playVars(play), ...extraVars }, { origin: play.pos }));
}

export async function planPlaybook(playbook: Playbook, modules: ReadonlyMap<string, TaskModule>, request: PlaybookPlanRequest, ports: RunPlanPorts): Promise<PlaybookPlan> {
  const issues = engineIssues(playbook, modules);
  if (issues.length) throw new ConfigError(issues);
  const context = await loadConnectionContext(request, ports);
  const { inventory, warnings } = context;
  const hostsFor = (play: Play): string[] => {
    const hosts = ports.resolvePattern(inventory, playPattern(play, request.extraVars));
    return request.limit !== undefined ? ports.applyLimit(inventory, hosts, request.limit) : hosts;
  };
  const playHosts = playbook.plays.map(hostsFor);
  if (request.limit !== undefined && playHosts.every((hosts) => hosts.length === 0)) {
    throw new ConfigError(`--limit ${JSON.stringify(request.limit)} leaves no host to run on in any play of this playbook`);
  }
  const reported = new Set<string>();
  const specIssues: ConfigIssue[] = [];
  const users = remoteUsers(playbook.plays, playHosts, (h) => {
    const vars = ports.hostVars(inventory, h, request.extraVars);
    return vars['ansible_user'] !== undefined || vars['ansible_ssh_user'] !== undefined;
  }, specIssues);
  const byUser = new Map<string | undefined, (name: string) => ConnectionSpec>();
  const resolveSpec = (host: string): ConnectionSpec => {
    const user = users.get(host);
    let resolver = byUser.get(user);
    if (!resolver) byUser.set(user, (resolver = specResolver(context, user === undefined ? request : { ...request, cli: { ...request.cli, user } }, ports, reported)));
    return resolver(host);
  };
  const delegates = literalDelegates(playbook, inventory, specIssues);
  // Hosts whose variables say ansible_connection=local run their tasks on the controller: no ssh spec.
  const localHosts = new Set([...playHosts.flat(), ...delegates].filter((h) => ports.hostVars(inventory, h, request.extraVars)['ansible_connection'] === 'local'));
  const remote = [...new Set([...playHosts.flat(), ...delegates])].filter((h) => !localHosts.has(h));
  const { resolved, issues: hostIssues } = resolveEverySpec(remote, resolveSpec);
  specIssues.push(...hostIssues);
  if (specIssues.length) throw new ConfigError(specIssues);
  const specs = new Map(resolved.map(({ name, spec }) => [name, spec]));
  const bastions = countBastions(specs.values());
  checkFdBudget({ concurrentHosts: Math.min(request.forks, specs.size), bastions }, ports.openFileLimit());
  return {
    inventory,
    playHosts,
    specs,
    bastions,
    warnings: [...new Set(warnings)],
    hostsFor,
    localHosts,
    resolveSpec: (host) => {
      const known = specs.get(host);
      if (known) return known;
      // delegate_to reaches inventory hosts only: a typo must not make drydock dial whatever the name resolves to.
      if (!inventory.hosts.has(host)) throw new ConfigError(`delegate_to: '${host}' is not a host of the inventory (use localhost for the controller)`);
      const spec = resolveSpec(host);
      specs.set(host, spec);
      return spec;
    },
  };
}

/** --list-hosts: each play's batches, as they would run. */
export function formatHostList(playbook: Playbook, playHosts: string[][], extraVars: Vars, shuffleSeed?: number | string): string {
  const lines = [`playbook: ${playbook.file}`, ''];
  playbook.plays.forEach((play, i) => {
    const hosts = orderedPlayHosts(play, playHosts[i] ?? [], new Set(), shuffleSeed);
    lines.push(`  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`);
    lines.push(`    pattern: ['${play.hosts}']`);
    const batches = hosts.length ? planBatches(play, hosts, extraVars) : [];
    lines.push(`    hosts (${hosts.length}) in ${batches.length} batch(es):`);
    batches.forEach((batch, b) => lines.push(`      batch ${b + 1} (${batch.length}): ${batch.join(', ')}`));
    lines.push('');
  });
  return `${lines.join('\n')}\n`;
}

/** --list-tasks: the tasks each play would run under the tag selection. */
export function formatTaskList(playbook: Playbook, tags: { only: string[]; skip: string[] }): string {
  const lines = [`playbook: ${playbook.file}`, ''];
  playbook.plays.forEach((play, i) => {
    lines.push(`  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`);
    lines.push('    tasks:');
    for (const section of [play.preTasks, play.tasks, play.postTasks]) {
      walkTasks(section, (task, at) => {
        const all = [...new Set([...play.tags, ...at.tags])];
        if (shouldRunByTags(all, tags)) lines.push(`      ${taskDisplayName(task, at.role)}\tTAGS: [${all.join(', ')}]`);
      });
    }
    lines.push('');
  });
  return `${lines.join('\n')}\n`;
}
