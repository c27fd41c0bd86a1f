/**
 * drydock's command line: builds the program (program.ts), returns the command's exit code, maps errors to
 * exit codes and never lets a stack trace reach the user for an expected failure.
 */
import { CommanderError } from 'commander';
import { renderError, EXIT } from './exit.js';
import { buildProgram } from './program.js';
import { installControllerPort } from './controller-port.js';

export async function main(argv: string[]): Promise<number> {
  installControllerPort();
  try {
    let code: number | undefined;
    const program = await buildProgram(argv, {
      exit: (c) => {
        code = c;
      },
      commandLine: argv.slice(2),
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

/**
 * A reader that went away (`drydock … | head`) is not an error of ours: stop quietly, as Unix tools do. A
 * terminal that went away (EIO after SIGHUP) is not either, but a run is under way: it goes on without output
 * to its orderly end (journal closed, commands ended), as interrupt.ts has it.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (err.code === 'EIO') return;
    throw err;
  });
}

const isEntry = process.argv[1] && /(?:drydock(?:\.js)?|main\.ts)$/.test(process.argv[1]);
if (isEntry) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  process.exitCode = await main(process.argv);
}
