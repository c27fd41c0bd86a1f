/**
 * ~/.ssh/config for drydock: the only module importing the `ssh-config` package. Settings are merged the
 * OpenSSH way (first obtained value wins, Host blocks in file order, IdentityFile accumulates).
 */
import { homedir, userInfo } from 'node:os';
import SSHConfig from 'ssh-config';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { diskIncludeReader, inlineIncludes, type IncludeReader, type SourceLine } from './ssh-config-include.js';
import { parsePort, parseStrictHostKeyChecking, parseWholeNumber, parseYesNo } from './ssh-option-values.js';
import { expandSshPath, expandSshTokens, expandTilde, type SshTokenValues } from './ssh-paths.js';
import type { HostKeyPolicy } from './types.js';

export interface LoadedSshConfig {
  /** The file read ('' when none). */
  file: string;
  parsed: SSHConfig;
  /** Constructs drydock does not follow (Include, Match exec): shown once, never fatal. */
  warnings: ConfigIssue[];
}

/** The settings that matter to drydock for one destination; unset fields were not in the config. */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** Accumulated over every matching block, `~` and tokens expanded. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** Raw ProxyJump value (`none` included) for `resolve.ts` to interpret. */
  proxyJump?: string;
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyPolicy?: HostKeyPolicy;
  connectTimeoutSeconds?: number;
  hostKeyAlias?: string;
  serverAliveIntervalSeconds?: number;
  serverAliveCountMax?: number;
  hashKnownHosts?: boolean;
}

/** Local facts used for `~` and `%` tokens; defaults are this process's home and user. */
export interface SshLookupContext {
  home?: string;
  localUser?: string;
  /** %r when the final user is decided elsewhere (inventory, flags); else the config's User or local user. */
  remoteUser?: string;
  /** %p when the port is decided elsewhere; else the config's Port or 22. */
  remotePort?: number;
}

export function emptySshConfig(): LoadedSshConfig {
  return { file: '', parsed: SSHConfig.parse(''), warnings: [] };
}

/** Index of the first line with an unbalanced double quote: ssh-config's own errors carry no position. */
function unbalancedQuoteIndex(lines: string[]): number {
  return lines.findIndex((line) => (line.replace(/\\"/g, '').match(/"/g)?.length ?? 0) % 2 === 1);
}

/**
 * Parses config text (no file access: Include lines are reported, not followed; `loadSshConfig` follows
 * them). `origins` maps each line to where it was written when the text was assembled from several files.
 */
export function parseSshConfig(text: string, file: string, origins?: readonly SourceLine[]): LoadedSshConfig {
  const lines = text.split(/\r?\n/);
  const at = (index: number): SourceLine => origins?.[index] ?? { file, line: index + 1 };
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (error) {
    const index = unbalancedQuoteIndex(lines);
    const where = index >= 0 ? { file: at(index).file, line: at(index).line } : { file };
    throw new ConfigError({ ...where, message: `cannot parse ssh config: ${(error as Error).message}` });
  }
  const warnings: ConfigIssue[] = [];
  lines.forEach((raw, index) => {
    const origin = at(index);
    if (origin.synthetic) return;
    const line = raw.trim();
    const where = { file: origin.file, line: origin.line };
    if (/^include[\s=]/i.test(line)) {
      warnings.push({ ...where, message: 'Include is not followed here; settings there are ignored' });
    } else if (/^match\s.*\bexec\b/i.test(line)) {
      warnings.push({ ...where, message: 'Match exec is never run by drydock; the block is skipped' });
    }
  });
  return { file, parsed, warnings };
}

/** Reads the config (default ~/.ssh/config) and the files it Includes; a missing file is an empty config. */
export async function loadSshConfig(
  path = '~/.ssh/config',
  home = homedir(),
  reader: IncludeReader = diskIncludeReader,
): Promise<LoadedSshConfig> {
  const file = expandTilde(path, home);
  let text: string | undefined;
  try {
    text = await reader.read(file);
  } catch (error) {
    throw new ConfigError({ file, message: `cannot read ssh config: ${(error as Error).message}` });
  }
  if (text === undefined) return { ...emptySshConfig(), file };
  const inlined = await inlineIncludes(file, text, home, reader);
  return parseSshConfig(inlined.text, file, inlined.origins);
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Merged settings for `alias` (what the user typed, or ansible_host). Bad values → ConfigError naming the file. */
export function lookupSshConfig(cfg: LoadedSshConfig, alias: string, context: SshLookupContext = {}): SshHostConfig {
  // Match exec would run shell commands from the config once per host; never evaluated.
  const raw = cfg.parsed.compute(alias, { ignoreCase: true, matchExec: false });
  const issues: ConfigIssue[] = [];
  const file = cfg.file || '~/.ssh/config';
  const bad = (option: string, value: string, expected: string): void => {
    issues.push({ file, message: `Host ${alias}: ${option} "${value}" is not ${expected}` });
  };
  const home = context.home ?? homedir();
  const localUser = context.localUser ?? localUserName();
  const result: SshHostConfig = { identityFiles: [] };

  const hostName = first(raw['hostname']);
  if (hostName !== undefined) result.hostName = expandSshTokens(hostName, { home, localUser, host: alias }).value;
  const user = first(raw['user']);
  if (user !== undefined) result.user = user;
  const port = first(raw['port']);
  if (port !== undefined) {
    const parsed = parsePort(port);
    if (parsed === undefined) bad('Port', port, 'a port number (1-65535)');
    else result.port = parsed;
  }
  const tokens: SshTokenValues = {
    home,
    localUser,
    host: result.hostName ?? alias,
    alias,
    remoteUser: context.remoteUser ?? result.user ?? localUser,
  };
  tokens.port = context.remotePort ?? result.port ?? 22;
  const expandPaths = (option: string, values: string[]): string[] =>
    values.map((value) => {
      const expansion = expandSshPath(value, tokens);
      if (expansion.unexpanded.length > 0) {
        bad(option, value, `supported here (tokens ${expansion.unexpanded.join(' ')})`);
      }
      return expansion.value;
    });
  result.identityFiles = expandPaths('IdentityFile', asList(raw['identityfile']));

  const yesNo = (key: string, option: string, set: (value: boolean) => void): void => {
    const value = first(raw[key]);
    if (value === undefined) return;
    const parsed = parseYesNo(value);
    if (parsed === undefined) bad(option, value, 'yes or no');
    else set(parsed);
  };
  yesNo('identitiesonly', 'IdentitiesOnly', (value) => (result.identitiesOnly = value));
  yesNo('hashknownhosts', 'HashKnownHosts', (value) => (result.hashKnownHosts = value));

  const proxyJump = first(raw['proxyjump']);
  if (proxyJump !== undefined) result.proxyJump = proxyJump;
  const proxyCommand = first(raw['proxycommand']);
  if (proxyCommand !== undefined) result.proxyCommand = proxyCommand;

  const knownHostsList = (key: string, option: string): string[] | undefined => {
    const values = asList(raw[key]);
    if (values.length === 0) return undefined;
    return values.length === 1 && values[0]?.toLowerCase() === 'none' ? [] : expandPaths(option, values);
  };
  const userKnownHosts = knownHostsList('userknownhostsfile', 'UserKnownHostsFile');
  if (userKnownHosts) result.userKnownHostsFiles = userKnownHosts;
  const globalKnownHosts = knownHostsList('globalknownhostsfile', 'GlobalKnownHostsFile');
  if (globalKnownHosts) result.globalKnownHostsFiles = globalKnownHosts;

  const strict = first(raw['stricthostkeychecking']);
  if (strict !== undefined) {
    const policy = parseStrictHostKeyChecking(strict);
    if (policy === undefined) bad('StrictHostKeyChecking', strict, 'yes, accept-new, no, off or ask');
    else result.hostKeyPolicy = policy;
  }
  const hostKeyAlias = first(raw['hostkeyalias']);
  if (hostKeyAlias !== undefined) result.hostKeyAlias = hostKeyAlias;

  const number = (key: string, option: string, set: (value: number) => void): void => {
    const value = first(raw[key]);
    if (value === undefined) return;
    const parsed = parseWholeNumber(value);
    if (parsed === undefined) bad(option, value, 'a whole number');
    else set(parsed);
  };
  number('connecttimeout', 'ConnectTimeout', (value) => (result.connectTimeoutSeconds = value));
  number('serveraliveinterval', 'ServerAliveInterval', (value) => (result.serverAliveIntervalSeconds = value));
  number('serveralivecountmax', 'ServerAliveCountMax', (value) => (result.serverAliveCountMax = value));

  if (issues.length > 0) throw new ConfigError(issues);
  return result;
}
