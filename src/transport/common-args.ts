/**
 * `ansible_ssh_common_args` / `ansible_ssh_extra_args`: the ssh command-line options a fleet needs, read the
 * way ssh reads them (first value wins, -i accumulates). Everything else is listed as ignored, so nobody
 * believes an option took effect when it did not.
 */
import { homedir } from 'node:os';
import { ConfigError } from '../errors.js';
import type { SshHostConfig } from './ssh-config.js';
import { parsePort, parseStrictHostKeyChecking, parseWholeNumber, parseYesNo } from './ssh-option-values.js';
import { expandTilde } from './ssh-paths.js';
import { splitShellWords } from '../util/shell.js';

export interface SshCommonArgs {
  /** Same shape as ~/.ssh/config settings, so resolution can layer the two. */
  settings: SshHostConfig;
  /** Options and flags that drydock does not apply. */
  warnings: string[];
}

/** ssh(1) options that take an argument; the rest are single-letter flags. */
const OPTIONS_WITH_ARGUMENT = new Set('BbcDEeFIiJLlmOoPpQRSWw');
const HARMLESS_PROXY_FLAGS = new Set('qTNxaCv46');

/**
 * The one ProxyCommand shape that is really a jump host: `ssh [-q] [-p port] [-l user] [-J hops] -W %h:%p
 * [user@]bastion`. Returns the equivalent ProxyJump, or undefined for anything else.
 */
export function proxyCommandToJump(command: string): string | undefined {
  let words: string[];
  try {
    words = splitShellWords(command);
  } catch {
    return undefined;
  }
  if (!/(^|\/)ssh$/.test(words.shift() ?? '')) return undefined;
  let forward = false;
  let port: string | undefined;
  let user: string | undefined;
  let via: string | undefined;
  const destinations: string[] = [];
  while (words.length > 0) {
    const word = words.shift() as string;
    if (!word.startsWith('-') || word === '-') {
      destinations.push(word);
      continue;
    }
    for (let i = 1; i < word.length; i++) {
      const flag = word[i] as string;
      if (HARMLESS_PROXY_FLAGS.has(flag)) continue;
      if (!'WpJl'.includes(flag)) return undefined;
      const argument = i + 1 < word.length ? word.slice(i + 1) : words.shift();
      if (argument === undefined) return undefined;
      if (flag === 'W') {
        if (argument !== '%h:%p' && argument !== '[%h]:%p') return undefined;
        forward = true;
      } else if (flag === 'p') port = argument;
      else if (flag === 'l') user = argument;
      else via = argument;
      break;
    }
  }
  const [destination] = destinations;
  if (!forward || destinations.length !== 1 || destination === undefined) return undefined;
  if (port !== undefined && parsePort(port) === undefined) return undefined;
  const withUser = destination.includes('@') || user === undefined ? destination : `${user}@${destination}`;
  const hop = port === undefined ? withUser : `${withUser}:${port}`;
  return via === undefined ? hop : `${via},${hop}`;
}

/**
 * Options Ansible users put in every inventory for what drydock does anyway, accepted quietly: it never
 * prompts (BatchMode yes, no password or keyboard-interactive logins), it keeps one connection per host for
 * the run (ControlMaster, ControlPersist, ControlPath), and it prints no ssh diagnostics (LogLevel).
 */
function alreadySo(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['controlmaster', 'controlpersist', 'controlpath', 'loglevel'].includes(name)) return true;
  if (name === 'batchmode') return v === 'yes';
  if (['passwordauthentication', 'kbdinteractiveauthentication', 'challengeresponseauthentication', 'forwardagent', 'forwardx11'].includes(name)) return v === 'no';
  if (name === 'pubkeyauthentication') return v === 'yes';
  if (name === 'preferredauthentications') return v === 'publickey';
  return false;
}

/** Flags of the same kind, no-ops for drydock: -q (quiet), -T (no terminal), -x (no X11 forwarding). */
const QUIET_FLAGS = new Set('qTx');

/** Parses the options of one ssh argument string. Problems that would change the connection → ConfigError. */
export function parseSshCommonArgs(text: string, home = homedir()): SshCommonArgs {
  const settings: SshHostConfig = { identityFiles: [] };
  const warnings: string[] = [];
  const errors: string[] = [];
  const words = splitShellWords(text);

  const setOnce = <K extends keyof SshHostConfig>(key: K, value: SshHostConfig[K]): void => {
    if (settings[key] === undefined) settings[key] = value;
  };
  const invalid = (option: string, value: string, expected: string): void => {
    errors.push(`${option} "${value}" is not ${expected}`);
  };
  const files = (value: string): string[] =>
    value.toLowerCase() === 'none' ? [] : value.split(/\s+/).filter(Boolean).map((file) => expandTilde(file, home));

  const applyOption = (option: string): void => {
    const match = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(option);
    if (!match) {
      errors.push(`-o "${option}" is not Key=Value`);
      return;
    }
    const [, name = '', rawValue = ''] = match;
    const value = rawValue.trim();
    switch (name.toLowerCase()) {
      case 'proxyjump':
        return setOnce('proxyJump', value);
      case 'proxycommand': {
        if (settings.proxyJump !== undefined) return;
        const jump = value.toLowerCase() === 'none' ? 'none' : proxyCommandToJump(value);
        if (jump === undefined) {
          errors.push(
            `ProxyCommand "${value}" is not supported, use ProxyJump (-J or -o ProxyJump=[user@]host[:port])`,
          );
        } else setOnce('proxyJump', jump);
        return;
      }
      case 'userknownhostsfile':
        return setOnce('userKnownHostsFiles', files(value));
      case 'globalknownhostsfile':
        return setOnce('globalKnownHostsFiles', files(value));
      case 'stricthostkeychecking': {
        const policy = parseStrictHostKeyChecking(value);
        if (policy === undefined) return invalid('StrictHostKeyChecking', value, 'yes, accept-new, no, off or ask');
        return setOnce('hostKeyPolicy', policy);
      }
      case 'identitiesonly':
      case 'hashknownhosts': {
        const flag = parseYesNo(value);
        if (flag === undefined) return invalid(name, value, 'yes or no');
        return setOnce(name.toLowerCase() === 'identitiesonly' ? 'identitiesOnly' : 'hashKnownHosts', flag);
      }
      case 'connecttimeout':
      case 'serveraliveinterval':
      case 'serveralivecountmax': {
        const number = parseWholeNumber(value);
        if (number === undefined) return invalid(name, value, 'a whole number');
        const key = {
          connecttimeout: 'connectTimeoutSeconds',
          serveraliveinterval: 'serverAliveIntervalSeconds',
          serveralivecountmax: 'serverAliveCountMax',
        } as const;
        return setOnce(key[name.toLowerCase() as keyof typeof key], number);
      }
      case 'hostkeyalias':
        return setOnce('hostKeyAlias', value);
      case 'hostname':
        return setOnce('hostName', value);
      case 'user':
        return setOnce('user', value);
      case 'port': {
        const port = parsePort(value);
        if (port === undefined) return invalid('Port', value, 'a port number (1-65535)');
        return setOnce('port', port);
      }
      case 'identityfile':
        settings.identityFiles.push(expandTilde(value, home));
        return;
      default:
        if (alreadySo(name.toLowerCase(), value)) return;
        warnings.push(`ssh option ${name} is ignored by drydock`);
    }
  };

  while (words.length > 0) {
    const word = words.shift() as string;
    if (!word.startsWith('-') || word === '-') {
      warnings.push(`ssh argument "${word}" is ignored by drydock`);
      continue;
    }
    for (let i = 1; i < word.length; i++) {
      const flag = word[i] as string;
      if (!OPTIONS_WITH_ARGUMENT.has(flag)) {
        if (!QUIET_FLAGS.has(flag)) warnings.push(`ssh flag -${flag} is ignored by drydock`);
        continue;
      }
      const argument = i + 1 < word.length ? word.slice(i + 1) : words.shift();
      if (argument === undefined) {
        errors.push(`ssh option -${flag} needs a value`);
        break;
      }
      if (flag === 'o') applyOption(argument);
      else if (flag === 'J') setOnce('proxyJump', argument);
      else if (flag === 'i') settings.identityFiles.push(expandTilde(argument, home));
      else if (flag === 'l') setOnce('user', argument);
      else if (flag === 'p') {
        const port = parsePort(argument);
        if (port === undefined) invalid('-p', argument, 'a port number (1-65535)');
        else setOnce('port', port);
      } else warnings.push(`ssh option -${flag} ${argument} is ignored by drydock`);
      break;
    }
  }
  if (errors.length > 0) throw new ConfigError(errors.map((message) => ({ message })));
  return { settings, warnings };
}
