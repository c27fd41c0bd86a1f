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

/** Flags whose value is a URL that may carry a token in its path (a webhook): recorded as scheme://host/… only. */
export const URL_SECRET_FLAGS: readonly string[] = ['--notify'];

/** `scheme://host/…` for a URL (what is left when the path may be a secret); REDACTED for what is not one. */
export function maskedUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return REDACTED;
  }
}

/** Every argument with its secrets masked: -e values (redactArgument) and the URLs of URL_SECRET_FLAGS. */
export function redactArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = URL_SECRET_FLAGS.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (flag === undefined) out.push(redactArgument(arg));
    else if (arg !== flag) out.push(`${flag}=${maskedUrl(arg.slice(flag.length + 1))}`);
    else {
      out.push(arg);
      if (i + 1 < argv.length) out.push(maskedUrl(argv[++i]!));
    }
  }
  return out;
}

export function redactCommandLine(argv: readonly string[]): string {
  return redactArguments(argv).map(shellQuote).join(' ');
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

