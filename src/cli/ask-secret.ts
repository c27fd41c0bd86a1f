/**
 * `-K/--ask-become-pass`: the become password typed at a prompt, not echoed, so it sits neither in the
 * inventory nor in argv (`ps`), the journal or the log. As Ansible, it needs a terminal: stdin must be one
 * (without a terminal, keep the password in an `-e @file` or an inventory file readable by you only).
 * Ctrl-C at the prompt is a Ctrl-C (the process is interrupted); Ctrl-D ends the line.
 */
import { UsageError } from '../errors.js';

export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface AskSecretStreams {
  input: SecretInput;
  output: { write(text: string): unknown };
  /** What Ctrl-C at the prompt does (default: the process gets SIGINT, as if no prompt were there). */
  interrupt?: () => void;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACES = new Set(['\u007f', '\b']);

/** Edits the line typed so far with one character; returns null when the line is complete. */
export function typeInto(line: string, ch: string): string | null {
  if (ch === '\r' || ch === '\n' || ch === CTRL_D) return null;
  if (BACKSPACES.has(ch)) return [...line].slice(0, -1).join('');
  if (ch === CTRL_U) return '';
  return line + ch;
}

export async function askSecret(prompt: string, streams: AskSecretStreams): Promise<string> {
  const { input, output } = streams;
  if (input.isTTY !== true || !input.setRawMode) {
    throw new UsageError('-K/--ask-become-pass asks on a terminal and stdin is not one; without a terminal give the password in -e @file (ansible_become_password) or the inventory');
  }
  output.write(prompt);
  input.setRawMode(true);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === CTRL_C) {
          finish();
          (streams.interrupt ?? (() => process.kill(process.pid, 'SIGINT')))();
          reject(new UsageError('-K/--ask-become-pass: no password given (Ctrl-C)'));
          return;
        }
        const next = typeInto(line, ch);
        if (next === null) {
          finish();
          resolve(line);
          return;
        }
        line = next;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
