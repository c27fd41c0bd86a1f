/**
 * drydock's command line. Each command lives in `commands/` and registers itself; this file only wires
 * them, maps errors to exit codes and never lets a stack trace reach the user for an expected failure.
 */
import { Command, CommanderError } from 'commander';
import { renderError, EXIT } from './exit.js';
import { register as registerRun } from './commands/run.js';
import { register as registerInventory } from './commands/inventory.js';
import { register as registerLab } from './commands/lab.js';
import { register as registerPlay } from './commands/play.js';
import { register as registerRuns } from './commands/runs.js';
import { register as registerCerts } from './commands/certs.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('drydock')
    .description('Keeps self-managed kubeadm Kubernetes clusters maintained over SSH.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerRun(program);
  registerInventory(program);
  registerLab(program);
  registerPlay(program);
  registerRuns(program);
  registerCerts(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
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
