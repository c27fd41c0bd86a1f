/**
 * `~` and `%` token expansion for paths found in ~/.ssh/config, ssh options and inventory vars, following
 * OpenSSH's `tilde_expand_filename` and `percent_expand` for the tokens that have a plain meaning here.
 */

/** Values for the tokens OpenSSH defines in IdentityFile, UserKnownHostsFile and HostName. */
export interface SshTokenValues {
  /** %d: local home directory. */
  home: string;
  /** %u: local user name. */
  localUser: string;
  /** %h: remote host name (after HostName). */
  host?: string;
  /** %n: the name as given (alias) before HostName. */
  alias?: string;
  /** %r: remote user name. */
  remoteUser?: string;
  /** %p: remote port. */
  port?: number;
}

/** `~` or `~/x` → home; `~user/x` is left alone (needs the password database, rare in fleet configs). */
export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home.replace(/\/+$/, '')}/${path.slice(2)}`;
  return path;
}

export interface TokenExpansion {
  value: string;
  /** Tokens that were present but had no value (e.g. `%C`), left verbatim in `value`. */
  unexpanded: string[];
}

/** Expands `%%`, `%d`, `%u`, `%h`, `%n`, `%r`, `%p`; other tokens are kept and listed. */
export function expandSshTokens(text: string, values: SshTokenValues): TokenExpansion {
  const unexpanded: string[] = [];
  const table: Record<string, string | undefined> = {
    '%': '%',
    d: values.home,
    u: values.localUser,
    h: values.host,
    n: values.alias,
    r: values.remoteUser,
    p: values.port === undefined ? undefined : String(values.port),
  };
  const value = text.replace(/%(.?)/g, (token: string, letter: string) => {
    const replacement = table[letter];
    if (replacement !== undefined) return replacement;
    unexpanded.push(token);
    return token;
  });
  return { value, unexpanded };
}

/** Tilde, then tokens: the order OpenSSH applies to file options. */
export function expandSshPath(path: string, values: SshTokenValues): TokenExpansion {
  return expandSshTokens(expandTilde(path, values.home), values);
}
