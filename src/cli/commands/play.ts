/**
 * `drydock play PLAYBOOK -i INVENTORY [options]`: runs an Ansible-style playbook.
 *
 * The playbook, the inventory and every host's connection settings are checked before any host is
 * contacted (exit 1 with every problem listed). Output is ansible-playbook's layout on stdout (on stderr
 * with --json, where stdout carries only the JSON report). Exit codes: 0 ok, 2 failed hosts (also when a
 * play stopped between batches), 4 unreachable hosts, 130 interrupted (first Ctrl-C: no new task or batch
 * starts, running ones finish, the recap is printed; a second Ctrl-C ends running commands).
 */
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { taskModules } from '../../modules/catalogue.js';
import type { TaskModule } from '../../modules/types.js';
import { formatHostList, formatTaskList, planPlaybook } from '../../engine/plan.js';
import type { RunPlanPorts } from '../../run/plan.js';
import { type Invocation } from '../exit.js';
import { joinPlaybooks, type ConfirmStreams, type MaintenanceHooks } from '../maintenance.js';
import { addConnectionOptions, addNotifyOption, addTargetOptions, breakLockOption, logFileOption, htmlOption, resumeOption } from '../options.js';
import { loadCataloguePlaybooks } from '../play-setup.js';
import { hostPlanRequest, livePlanPorts } from '../run-setup.js';
import { withSession } from '../session.js';
import { runPlayPlan, type PlayOptions, type PlayStreams } from '../play-run.js';
import { createRunKube } from '../cluster-access.js';

const splitTags = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((t) => t.trim()).filter(Boolean)];

export function register(program: Command, { exit, commandLine }: Invocation): void {
  const command = program
    .command('play')
    .description('run a playbook (plays, serial batches, handlers) against the inventory')
    .argument('<playbook>', 'playbook file (YAML, Ansible syntax)');
  addTargetOptions(command);
  addConnectionOptions(command);
  command
    .addOption(new Option('--json', 'print the JSON report (every host × task result, timings, recap) on stdout; progress goes to stderr').default(false))
    .addOption(logFileOption())
    .addOption(htmlOption())
    .addOption(new Option('-C, --check', 'change nothing: modules that support it report what would change, others are skipped').default(false))
    .addOption(new Option('-D, --diff', 'show before/after for file changes').default(false))
    .addOption(new Option('-t, --tags <tags>', 'only tasks with these tags (comma-separated, repeatable)').argParser(splitTags).default([], 'all'))
    .addOption(new Option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated, repeatable)').argParser(splitTags).default([], 'none'))
    .addOption(new Option('--start-at-task <name>', 'start at the first task with this name (glob allowed)'))
    .addOption(new Option('--list-hosts', "print each play's host batches and exit; contacts no host").default(false))
    .addOption(new Option('--list-tasks', 'print the tasks that would run and exit').default(false))
    .addOption(new Option('--syntax-check', 'check the playbook and exit').default(false))
    .addOption(new Option('-y, --yes', 'answer yes to prompts (pause without seconds is skipped)').default(false))
    .addOption(new Option('--retry-file <file>', 'write failed and unreachable hosts to this file'))
    .addOption(new Option('--retry-files', 'write failed and unreachable hosts to <playbook>.retry').default(false))
    .addOption(new Option('--report <file>', 'write every host × task result with timings as JSON to this file'))
    .addOption(new Option('--count-unreachable-in-max-fail', 'unreachable hosts count towards max_fail_percentage (default: a node that stops answering during maintenance is as alarming as one that fails)').default(true))
    .addOption(new Option('--no-count-unreachable-in-max-fail', 'count only failed hosts towards max_fail_percentage, as Ansible does'))
    .addOption(new Option('--continue-on-failed-batch', 'start the next batch even when every host of a batch failed (Ansible stops the run)').default(false))
    .addOption(new Option('--shuffle-seed <seed>', 'seed for order: shuffle, to repeat a run\'s host order'))
    .addOption(new Option('--kubeconfig <file>', 'cluster access for kube_* tasks (default: KUBECONFIG, ~/.kube/config, then admin.conf from the first control plane)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use'))
    .addOption(new Option('--lock', 'take the cluster lock (default: when the playbook cordons, drains or uncordons nodes)'))
    .addOption(new Option('--no-lock', 'do not take the cluster lock'))
    .addOption(breakLockOption())
    .addOption(resumeOption());
  addNotifyOption(command);
  command.action(async (playbook: string, options: PlayOptions) => {
    exit(await playCommand(playbook, { ...options, commandLine }));
  });
}

export async function playCommand(
  playbookPaths: string | readonly string[],
  options: PlayOptions,
  streams: PlayStreams = { stdout: process.stdout, stderr: process.stderr },
  planPorts: RunPlanPorts = livePlanPorts,
  modules: ReadonlyMap<string, TaskModule> = taskModules(),
  hooks: MaintenanceHooks = {},
  input: ConfirmStreams['input'] = process.stdin,
): Promise<number> {
  const paths = typeof playbookPaths === 'string' ? [playbookPaths] : playbookPaths;
  const playbook = joinPlaybooks(await loadCataloguePlaybooks(paths));
  const tagSelection = { only: options.tags ?? [], skip: options.skipTags ?? [] };
  if (options.syntaxCheck) {
    for (const path of paths) streams.stdout.write(`\nplaybook: ${path}\n`);
    return 0;
  }
  if (options.listTasks) {
    streams.stdout.write(formatTaskList(playbook, tagSelection));
    return 0;
  }
  // group_vars/ and host_vars/ beside the playbooks are read with the inventory, as Ansible does.
  const playbookDirs = [...new Set(paths.map((p) => dirname(resolve(p))))];
  const plan = await planPlaybook(playbook, modules, { ...hostPlanRequest(options), playbookDirs }, planPorts);
  if (options.listHosts) {
    streams.stdout.write(formatHostList(playbook, plan.playHosts, options.extraVars ?? {}, options.shuffleSeed));
    return 0;
  }
  return withSession(streams, (session) => runPlayPlan(session, { playbook, plan }, options, { hooks, input, modules }), createRunKube);
}

