/**
 * Asking before changing hosts. On a terminal: show what will happen, ask `Proceed? [y/N]`, and only an
 * explicit yes proceeds. `--yes` skips the question. Without a terminal and without `--yes` nobody can
 * answer, so drydock refuses rather than guess either way.
 */
import { UsageError } from '../errors.js';

export interface ConfirmOptions {
  /** What the command is about to do, one or more lines. */
  summary: string;
  yes: boolean;
  input: NodeJS.ReadableStream;
  output: { write(text: string): unknown };
  isTTY: boolean;
}

export const NO_CONFIRMATION_MESSAGE = 'refusing to make changes without confirmation: pass --yes';

function readAnswer(input: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (answer: string | null): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      input.pause();
      resolve(answer);
    };
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) finish(text.slice(0, newline));
    };
    const onEnd = (): void => finish(text.length > 0 ? text : null);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('close', onEnd);
    input.resume();
  });
}

/** True to proceed, false when the admin said no (or closed the input). */
export async function confirm(options: ConfirmOptions): Promise<boolean> {
  const summary = options.summary.endsWith('\n') ? options.summary : `${options.summary}\n`;
  if (options.yes) {
    // Still say what is about to happen: the run's output then records it.
    options.output.write(summary);
    return true;
  }
  if (!options.isTTY) {
    // Show what would have happened, so the refusal in a cron mail or CI log says what was not done.
    options.output.write(summary);
    throw new UsageError(NO_CONFIRMATION_MESSAGE);
  }
  options.output.write(`${summary}Proceed? [y/N] `);
  const answer = await readAnswer(options.input);
  if (answer === null) options.output.write('\n');
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}
