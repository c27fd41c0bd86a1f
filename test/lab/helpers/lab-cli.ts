/**
 * A test-only `lab` program: the lab's host commands on a bare commander `Command('lab')`, as the lead will
 * wire them under `drydock lab`. Run: node --import tsx test/lab/helpers/lab-cli.ts up --state-dir /tmp/x
 */
import { Command, CommanderError } from 'commander';
import { renderError } from '../../../src/cli/exit.js';
import { registerLabHostCommands } from '../../../src/lab/cli.js';

export function buildLabProgram(): Command {
  const lab = new Command('lab').exitOverride();
  registerLabHostCommands(lab);
  for (const sub of lab.commands) sub.exitOverride();
  return lab;
}

if (process.argv[1] && /lab-cli\.ts$/.test(process.argv[1])) {
  try {
    await buildLabProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 64;
    } else {
      const { message, exitCode } = renderError(err);
      process.stderr.write(`drydock: ${message}\n`);
      process.exitCode = exitCode;
    }
  }
}
