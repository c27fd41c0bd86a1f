/**
 * Privilege escalation with sudo, as a pure rewrite of the command plus the markers `exec.ts` needs to drive it.
 *
 * The password never goes on a command line: sudo reads it from stdin (`-S`) after printing a prompt that is
 * unique to this command. `exec.ts` writes the password only when that prompt appears, and the user's own
 * stdin only after the success marker, which the escalated shell prints before running the command. So a
 * sudo that does not ask (NOPASSWD, cached credentials) never passes the password on to the command, and a
 * failed sudo is told apart from a command that exits 1.
 */
import { RemoteCommandError } from '../errors.js';
import { shellQuote } from '../util/shell.js';
import type { BecomeSpec } from './types.js';

export interface BecomeWrap {
  /** The command to run as the login user. */
  command: string;
  /** The password line, to write when `promptMarker` shows up on stderr. Secret. */
  stdinPrefix?: string;
  /** What sudo prints (on stderr, no newline) when it wants the password. */
  promptMarker?: string;
  /** The line the escalated shell prints on stderr before the user's command starts. */
  successMarker: string;
}

/**
 * Wraps `command` (a sh command line) to run as `become.user` through sudo. `nonce` makes the markers
 * unique so no output of the command can be mistaken for them.
 */
export function wrapBecome(command: string, become: Pick<BecomeSpec, 'user' | 'password'>, nonce: string): BecomeWrap {
  const successMarker = `DRYDOCK-BECOME-OK-${nonce}`;
  // A newline, not `;`, after the marker: a syntax error in the command must not stop the marker printing.
  const escalated = `printf '%s\\n' ${successMarker} >&2\n${command}`;
  const tail = `-u ${shellQuote(become.user)} -- sh -c ${shellQuote(escalated)}`;
  if (become.password === undefined || become.password === '') {
    return { command: `sudo -n ${tail}`, successMarker };
  }
  const promptMarker = `DRYDOCK-SUDO-PROMPT-${nonce}:`;
  return {
    // -k: ignore cached credentials, so sudo's behaviour does not depend on what ran before.
    command: `sudo -k -S -p ${shellQuote(promptMarker)} ${tail}`,
    stdinPrefix: `${become.password}\n`,
    promptMarker,
    successMarker,
  };
}

export type BecomeFailureReason = 'wrong-password' | 'password-required' | 'requiretty' | 'not-permitted' | 'failed';

/**
 * Why sudo refused, from what it printed before the command would have started. `sawSecondPrompt` is set by
 * the caller when sudo asked again after the password was sent (sudo's "Sorry, try again").
 */
export function classifyBecomeFailure(sudoOutput: string, sawSecondPrompt: boolean): BecomeFailureReason {
  if (sawSecondPrompt || /incorrect password|Sorry, try again/i.test(sudoOutput)) return 'wrong-password';
  if (/a password is required|no password was provided/i.test(sudoOutput)) return 'password-required';
  if (/must have a tty|requiretty|a terminal is required/i.test(sudoOutput)) return 'requiretty';
  if (/not in the sudoers file|is not allowed to (execute|run)|may not run sudo/i.test(sudoOutput)) {
    return 'not-permitted';
  }
  return 'failed';
}

const EXPLANATIONS: Record<BecomeFailureReason, (loginUser: string, becomeUser: string) => string> = {
  'wrong-password': (login) => `sudo rejected the become password for ${login} (incorrect password)`,
  'password-required': (login) =>
    `sudo requires a password for ${login} and none was given (set a become password, or a NOPASSWD sudoers rule)`,
  requiretty: () =>
    'sudo requires a terminal (sudoers "Defaults requiretty"); disable requiretty for this user',
  'not-permitted': (login, become) => `${login} is not allowed to run commands as ${become} with sudo`,
  failed: () => 'sudo failed before running the command',
};

/** Becoming another user failed, so the command did not run. Never holds the password. */
export class BecomeError extends RemoteCommandError {
  constructor(
    host: string,
    command: string,
    exitCode: number | null,
    readonly reason: BecomeFailureReason,
    loginUser: string,
    becomeUser: string,
    sudoOutput: string,
  ) {
    super(host, command, exitCode, null, sudoOutput);
    const explanation = EXPLANATIONS[reason](loginUser, becomeUser);
    const detail = sudoOutput.trim() ? `\n${sudoOutput.trim()}` : '';
    this.message = `${host}: could not become ${becomeUser}: ${explanation}; command not run: ${command}${detail}`;
    this.name = 'BecomeError';
  }
}

/** Removes the prompt marker (and what sudo prints with it) from text shown to people. */
export function stripPromptMarker(text: string, promptMarker: string | undefined): string {
  return promptMarker ? text.split(promptMarker).join('') : text;
}
