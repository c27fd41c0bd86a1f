/**
 * drydock's command line. Each command lives in `commands/` and registers itself; this file only wires
 * them, maps errors to exit codes and never lets a stack trace reach the user for an expected failure.
 */
import { Command, CommanderError } from 'commander';
import { renderError, EXIT, type ExitSink } from './exit.js';

type CommandModule = { register(program: Command, exit: ExitSink): void };

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
  ['resume', () => import('./commands/resume.js')],
  ['lab', () => import('./commands/lab.js')],
];

export async function buildProgram(argv: readonly string[] = [], exit: ExitSink = () => undefined): Promise<Command> {
  const program = new Command();
  program
    .name('drydock')
    .description('Keeps self-managed kubeadm Kubernetes clusters maintained over SSH.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const requested = argv[2];
  const wanted = COMMANDS.filter(([name]) => name === requested);
  for (const [, load] of wanted.length > 0 ? wanted : COMMANDS) (await load()).register(program, exit);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    let code: number | undefined;
    const program = await buildProgram(argv, (c) => {
      code = c;
    });
    await program.parseAsync(argv);
    // `drydock lab ssh` (src/lab/cli.ts) still sets process.exitCode itself; every other command returns its code.
    return code ?? (typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or help/version); keep its verdict.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const { message, exitCode } = renderError(err);
    process.stderr.write(`drydock: ${message}\n`);
    return exitCode;
  }
}

/** A reader that went away (`drydock … | head`) is not an error of ours: stop quietly, as Unix tools do. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const isEntry = process.argv[1] && /(?:drydock(?:\.js)?|main\.ts)$/.test(process.argv[1]);
if (isEntry) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  process.exitCode = await main(process.argv);
}
