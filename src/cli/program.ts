/**
 * drydock's commands, wired into one commander program. Each command lives in `commands/` and registers
 * itself with the program and the invocation (how it hands back its exit code, the command line it runs for).
 * main.ts builds it for the process; `drydock resume` builds it again, in process, for the recorded command.
 */
import { Command } from 'commander';
import type { Invocation } from './exit.js';

type CommandModule = { register(program: Command, invocation: Invocation): void };

/**
 * Commands in help order, loaded on demand: `drydock run` should not pay for the Kubernetes client's half a
 * second of start-up that `play` and the lab need. Help, or an unknown name, loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<CommandModule>]> = [
  ['run', () => import('./commands/run.js')],
  ['play', () => import('./commands/play.js')],
  ['plan', () => import('./commands/plan.js')],
  ['upgrade', () => import('./commands/upgrade.js')],
  ['certs', () => import('./commands/certs.js')],
  ['reboot', () => import('./commands/reboot.js')],
  ['inventory', () => import('./commands/inventory.js')],
  ['runs', () => import('./commands/runs.js')],
  ['report', () => import('./commands/report.js')],
  ['resume', () => import('./commands/resume.js')],
  ['lab', () => import('./commands/lab.js')],
];

/** The program for `argv` (process.argv's layout: node, script, command, ...): only that command is loaded. */
export async function buildProgram(argv: readonly string[] = [], invocation: Invocation = { exit: () => undefined, commandLine: argv.slice(2) }): Promise<Command> {
  const program = new Command();
  program
    .name('drydock')
    .description('Keeps self-managed kubeadm Kubernetes clusters maintained over SSH.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const requested = argv[2];
  const wanted = COMMANDS.filter(([name]) => name === requested);
  for (const [, load] of wanted.length > 0 ? wanted : COMMANDS) (await load()).register(program, invocation);
  return program;
}
