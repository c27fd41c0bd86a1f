/** The command line a journal records, with its secrets masked, and the drydock version it names. */
import * as nodeFs from 'node:fs';
import { redactSecrets, REDACTED, SECRET_KEY } from '../events/json-log.js';
import { shellQuote } from '../util/shell.js';

/**
 * The command line as typed, with secrets in `-e key=value` and `-e '{"key": ...}'` arguments masked: extra
 * vars are where a password on a command line usually sits.
 */
const SECRET_ASSIGNMENT = new RegExp(`([\\w.-]*(?:${SECRET_KEY.source})[\\w.-]*)=\\S*`, 'gi');

/** One argument with its secrets masked (the REDACTED marker replaces each secret value). */
export function redactArgument(arg: string): string {
  const trimmed = arg.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.stringify(redactSecrets(JSON.parse(trimmed) as unknown));
    } catch {
      // Not JSON after all: fall through to key=value masking.
    }
  }
  return arg.replace(SECRET_ASSIGNMENT, (_whole, key: string) => `${key}=${REDACTED}`);
}

export function redactCommandLine(argv: readonly string[]): string {
  return argv
    .map(redactArgument)
    .map(shellQuote)
    .join(' ');
}

/** drydock's version from package.json (two folders up from both src/journal and dist/journal). */
export function drydockVersion(): string {
  try {
    const pkg = JSON.parse(nodeFs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

