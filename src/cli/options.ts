/**
 * Command-line options shared by every command that targets hosts (run, play, upgrade, ...): inventory,
 * limit, forks, connection and output flags. Each helper returns a commander `Option`; parsers reject bad
 * values with commander's InvalidArgumentError so the message names the flag.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError, UsageError, type ConfigIssue } from '../errors.js';
import { shlexSplit } from '../util/shell.js';
import type { Vars } from '../inventory/types.js';
import type { CliConnectionOptions } from '../transport/resolve.js';
import type { HostKeyPolicy } from '../transport/types.js';
import { readTextCappedSync } from '../util/read-capped.js';
import { askSecret } from './ask-secret.js';
import { LineCounter, ansibleYamlOptions, parseDocument, parsePyJson } from '../util/yaml.js';
import { YAML_MAX_ALIAS_COUNT, aliasIssues } from '../util/yaml-guard.js';
import { parseNotifyUrl } from '../notify/url.js';

export const DEFAULT_FORKS = 20;
export const HOST_KEY_POLICIES: readonly HostKeyPolicy[] = ['strict', 'accept-new', 'off'];

/** What `addTargetOptions`, `addConnectionOptions` and `addOutputOptions` put into `command.opts()`. */
export interface SharedOptions {
  /** The arguments after `drydock` this run is for (recorded in the journal and on the lock); default process.argv's. */
  commandLine?: readonly string[];
  inventory: string[];
  limit?: string;
  allowUnmatched?: boolean;
  forks: number;
  extraVars: Vars;
  user?: string;
  privateKey?: string;
  sshConfig?: string;
  hostKeyChecking?: HostKeyPolicy;
  knownHosts?: string;
  become: boolean;
  /** -K: ask for the become password on the terminal before planning. */
  askBecomePass?: boolean;
  /** The password -K read (set by the prompt, never a flag): beats the inventory's ansible_become_password. */
  becomePassword?: string;
  timeout?: number;
  json: boolean;
  logFile?: string;
  /** --html: write the run's HTML report to this file when the run ends (src/report). */
  html?: string;
}

export function parsePositiveInt(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`${flag} takes a whole number of 1 or more, not "${value}"`);
    return Number(value);
  };
}

export function parseSeconds(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a number of seconds above 0, not "${value}"`);
    return n;
  };
}

/** Reads a file's text; injectable so the parser is tested without a disk. */
export type ReadText = (path: string) => string;

const readTextFile: ReadText = (path) => readTextCappedSync(path);

/**
 * `-e` values, merged left to right as Ansible does: `@file` (a YAML or JSON file holding a mapping), a JSON
 * object, or `key=value` pairs separated by spaces (shell quoting honoured; values stay strings, as Ansible's
 * key=value form keeps them). Synchronous because commander's option parsers are.
 */
export function parseExtraVars(value: string, previous: Vars = {}, readText: ReadText = readTextFile): Vars {
  const text = value.trim();
  if (text.startsWith('@')) return { ...previous, ...readExtraVarsFile(text.slice(1), readText) };
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = parsePyJson(text);
    } catch (err) {
      throw new InvalidArgumentError(`-e: invalid JSON object: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('-e: JSON must be an object');
    return { ...previous, ...(parsed as Vars) };
  }
  const split = shlexSplit(text, { comments: true });
  if (!split.ok) throw new InvalidArgumentError(`-e: ${split.error}`);
  const vars: Vars = { ...previous };
  for (const { text: token } of split.tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`-e: expected key=value, got "${token}"`);
    vars[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return vars;
}

/**
 * An extra-vars file, as Ansible's `load_extra_vars` reads it: JSON when it parses as JSON, else YAML 1.1 the
 * way PyYAML reads it; the top level must be a mapping. Problems are ConfigErrors naming file:line:col.
 */
export function readExtraVarsFile(path: string, readText: ReadText = readTextFile): Vars {
  if (path === '') throw new ConfigError('-e @: give a file name after @ (for example -e @vars.yaml)');
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError({ file: path, message: `cannot read extra vars file (-e @${path}): ${reason}` });
  }
  const json = tryJson(text);
  if (json.ok) {
    if (!isMapping(json.value)) throw new ConfigError({ file: path, line: 1, col: 1, message: notMapping(json.value) });
    return json.value;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, ansibleYamlOptions(lineCounter));
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => ({ file: path, ...at(e.pos[0]), message: e.message.split('\n')[0]! }));
    throw new ConfigError(issues);
  }
  const aliases = aliasIssues(doc, lineCounter);
  if (aliases.length > 0) throw new ConfigError(aliases.map((i) => ({ file: path, ...i })));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (err) {
    // The `yaml` package throws while converting (a `<<` merge of something not a map).
    throw new ConfigError({ file: path, line: 1, col: 1, message: `YAML: ${(err as Error).message.split('\n')[0]!}` });
  }
  if (!isMapping(value)) {
    const start = doc.contents?.range?.[0] ?? 0;
    throw new ConfigError({ file: path, ...at(start), message: notMapping(value) });
  }
  return value;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parsePyJson(text) };
  } catch {
    return { ok: false };
  }
}

function isMapping(value: unknown): value is Vars {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function notMapping(value: unknown): string {
  const found = value === null || value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
  return `extra vars must be a mapping of names to values, found ${found}`;
}

/** The flags that override inventory and ssh config for every host, as the resolver takes them. */
export function connectionOverrides(options: SharedOptions): CliConnectionOptions {
  return {
    user: options.user,
    privateKey: options.privateKey,
    hostKeyChecking: options.hostKeyChecking,
    ...(options.knownHosts !== undefined ? { knownHostsFile: options.knownHosts } : {}),
    become: options.become || undefined,
    ...(options.becomePassword !== undefined ? { becomePassword: options.becomePassword } : {}),
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const inventoryOption = (): Option =>
  new Option('-i, --inventory <source>', 'inventory file, directory or host list "a,b," (repeatable; merged in order)').argParser(collect);
export const limitOption = (): Option => new Option('-l, --limit <pattern>', 'further limit the hosts to this pattern (or @file)');
export const allowUnmatchedOption = (): Option =>
  new Option('--allow-unmatched', 'run a pattern or --limit whose :!exclusion or :&intersection names no host or group (reported)');
export const forksOption = (defaultForks = DEFAULT_FORKS): Option =>
  new Option('-f, --forks <n>', 'hosts worked on at the same time').argParser(parsePositiveInt('--forks')).default(defaultForks);
export const extraVarsOption = (): Option =>
  new Option('-e, --extra-vars <vars>', 'extra variables: key=value, a JSON object, or @file (YAML or JSON) (repeatable; they override everything)')
    .argParser((value: string, previous: Vars) => parseExtraVars(value, previous))
    .default({}, 'none');
export const userOption = (): Option => new Option('-u, --user <user>', 'remote user (overrides inventory and ~/.ssh/config)');
export const privateKeyOption = (): Option => new Option('--private-key <file>', 'private key file to authenticate with');
export const sshConfigOption = (): Option => new Option('-F, --ssh-config <file>', 'ssh client config file (default ~/.ssh/config)');
export const hostKeyCheckingOption = (): Option =>
  new Option('--host-key-checking <policy>', 'known_hosts policy: strict (default), accept-new, or off (tests only)').choices(HOST_KEY_POLICIES);
export const knownHostsOption = (): Option =>
  new Option('--known-hosts <file>', 'known_hosts file to check host keys against (and append to under accept-new), instead of ~/.ssh/known_hosts');
export const becomeOption = (): Option => new Option('-b, --become', 'run through sudo (ansible_become_* vars supply user and password)').default(false);
export const askBecomePassOption = (): Option =>
  new Option('-K, --ask-become-pass', 'ask for the become (sudo) password on the terminal, without echo (beats ansible_become_password)').default(false);
export const timeoutOption = (): Option => new Option('--timeout <seconds>', 'end a host\'s command after this long and count it failed').argParser(parseSeconds('--timeout'));
export const jsonOption = (): Option => new Option('--json', 'one JSON object per host on stdout, nothing else there').default(false);
export const logFileOption = (): Option => new Option('--log-file <file>', 'append every event as a JSON line to this file');
export const htmlOption = (): Option =>
  new Option('--html <file>', "write the run's HTML report (timeline, drains, failures, host × task table) to this file when it ends");
export const breakLockOption = (): Option =>
  new Option('--break-lock', 'take the cluster lock even from a run that still holds it (logged; only when you know that run is gone)').default(false);
/** Set by `drydock resume`, not typed by people: continue the run with this id. */
export const resumeOption = (): Option => new Option('--resume <runId>', 'continue this failed or interrupted run (use drydock resume)').hideHelp();
export const yesOption = (): Option => new Option('-y, --yes', 'do not ask for confirmation (required without a terminal)').default(false);

/**
 * `--notify URL` (repeatable), on the commands that run a playbook. Checked in a preAction hook, not by an
 * argParser: commander's message for a bad value would echo the URL, and a webhook URL holds its token.
 */
export function addNotifyOption(command: Command): Command {
  return command
    .addOption(new Option('--notify <url>', 'POST JSON about the run to this http(s) URL: at the start, at each failure, at the end (Slack-compatible "text"; repeatable)').argParser(collect))
    .hook('preAction', (_command, action) => {
      const given = action.opts<{ notify?: unknown }>().notify;
      if (Array.isArray(given)) action.setOptionValue('notify', given.map((value: string | URL) => (value instanceof URL ? value : parseNotifyUrl(value))));
    });
}

export function addTargetOptions(command: Command, defaultForks = DEFAULT_FORKS): Command {
  return command
    .addOption(inventoryOption())
    .addOption(limitOption())
    .addOption(allowUnmatchedOption())
    .addOption(forksOption(defaultForks))
    .addOption(extraVarsOption());
}

export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(userOption())
    .addOption(privateKeyOption())
    .addOption(sshConfigOption())
    .addOption(hostKeyCheckingOption())
    .addOption(knownHostsOption())
    .addOption(becomeOption())
    .addOption(askBecomePassOption())
    .addOption(timeoutOption())
    .hook('preAction', (_command, action) => {
      // Asked before anything else happens (inventory read, hosts contacted), as ansible-playbook -K does.
      // Without -K nothing is returned, so commander's synchronous parse() still runs the action.
      if (action.opts<SharedOptions>().askBecomePass !== true) return undefined;
      return askSecret('BECOME password: ', { input: process.stdin, output: process.stderr }).then((password) => {
        action.setOptionValue('becomePassword', password);
      });
    });
}

export function addOutputOptions(command: Command): Command {
  return command.addOption(jsonOption()).addOption(logFileOption());
}

/** The inventory sources, or a UsageError saying how to give one. */
export function requireInventory(options: Pick<SharedOptions, 'inventory'>): string[] {
  if (!options.inventory || options.inventory.length === 0) throw new UsageError('no inventory given: pass -i FILE (or -i "host1,host2,")');
  return options.inventory;
}
