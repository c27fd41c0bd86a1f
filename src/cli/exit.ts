/**
 * The one place where errors become messages and exit codes (the codes themselves: util/exit-codes.ts).
 */
import { ConfigError, DrydockError, HostKeyError, HostUnreachableError, JournalWriteError } from '../errors.js';
import { EXIT } from '../util/exit-codes.js';

export { EXIT };

/** How a command hands its exit code to main(), which returns it (commands never set process.exitCode). */
export type ExitSink = (code: number) => void;

/** What a command is registered with: where its exit code goes, and the command line it runs for (journal, lock). */
export interface Invocation {
  exit: ExitSink;
  /** The arguments after `drydock` (for `drydock resume`, the recorded command's, not resume's own). */
  commandLine: readonly string[];
}

export interface Rendered {
  message: string;
  exitCode: number;
}

export function renderError(err: unknown): Rendered {
  if (err instanceof ConfigError) {
    const count = err.issues.length;
    const head = count === 1 ? 'error in input:' : `${count} errors in input:`;
    return { message: `${head}\n${err.issues.map((i) => `  ${formatLine(i)}`).join('\n')}`, exitCode: EXIT.ERROR };
  }
  if (err instanceof JournalWriteError) return { message: err.message, exitCode: EXIT.JOURNAL };
  if (err instanceof HostKeyError) return { message: err.message, exitCode: EXIT.UNREACHABLE_HOSTS };
  if (err instanceof HostUnreachableError) return { message: err.message, exitCode: EXIT.UNREACHABLE_HOSTS };
  if (err instanceof DrydockError) {
    return { message: err.message, exitCode: err.code === 'USAGE' ? EXIT.USAGE : EXIT.ERROR };
  }
  // Anything else is a bug in drydock: say so plainly, keep the stack for the report.
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { message: `internal error (please report it):\n${detail}`, exitCode: EXIT.INTERNAL };
}

function formatLine(issue: ConfigError['issues'][number]): string {
  if (!issue.file) return issue.message;
  const pos = issue.line ? `:${issue.line}${issue.col ? `:${issue.col}` : ''}` : '';
  return `${issue.file}${pos}: ${issue.message}`;
}
