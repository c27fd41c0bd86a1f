/**
 * From inventory host + vars + ~/.ssh/config + flags to a `ConnectionSpec`. Precedence: CLI flags >
 * inventory vars (ansible_* first, then ssh_common_args, then ssh_extra_args) > ~/.ssh/config > defaults.
 * Pure apart from the injected `fileExists`; every problem for a host is reported in one ConfigError.
 */
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { SourceRef, Vars } from '../inventory/types.js';
import { parseSshCommonArgs, proxyCommandToJump } from './common-args.js';
import { parseProxyJump, type JumpHop } from './proxy-jump.js';
import { lookupSshConfig, type LoadedSshConfig, type SshHostConfig } from './ssh-config.js';
import { VarReader } from './ansible-vars.js';
import { expandTilde } from './ssh-paths.js';
import type { BecomeSpec, ConnectionSpec, HostKeyPolicy } from './types.js';

export interface CliConnectionOptions {
  user?: string;
  privateKey?: string;
  /** Only when given explicitly on the command line: it then beats every config source. */
  hostKeyChecking?: HostKeyPolicy;
  connectTimeoutMs?: number;
  knownHostsFile?: string;
  become?: boolean;
  /** The become password typed at -K's prompt: beats the inventory's. Secret. */
  becomePassword?: string;
}

export interface ResolveEnvironment {
  home: string;
  localUser: string;
  /** SSH_AUTH_SOCK. */
  authSock?: string;
  fileExists(path: string): boolean;
}

export interface ResolveInput {
  /** Inventory host name. */
  name: string;
  /** The host's merged variables. */
  vars: Vars;
  sshConfig: LoadedSshConfig;
  /** Merged vars of another inventory host, or undefined when `name` is not one (ProxyJump hops). */
  inventoryVars: (name: string) => Vars | undefined;
  cli?: CliConnectionOptions;
  env?: Partial<ResolveEnvironment>;
  /** Where the host is defined, so issues point there. */
  source?: SourceRef;
  /**
   * Options present but not applied (ignored ssh flags): worth a notice, never fatal. Each text is reported
   * once; a jump host's warnings name the jump host alone, so they read the same for every target behind it.
   */
  onWarning?: (message: string) => void;
  /** Texts already reported: share one set across the hosts of a run so each warning is shown once per run. */
  reportedWarnings?: Set<string>;
  /**
   * When given, ignored ssh options go here instead of onWarning, as the host whose vars hold them and the
   * text without it (`ansible_ssh_common_args: ssh flag -C is ignored by drydock`), for one line per run.
   */
  onIgnoredOption?: (host: string, text: string) => void;
}

export const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
export const DEFAULT_USER_KNOWN_HOSTS = ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const DEFAULT_CONNECT_TIMEOUT_S = 10;
/** 15 s × 3: a host that dies mid-drain or mid-reboot is noticed within a minute. */
const DEFAULT_KEEPALIVE_S = 15;
const DEFAULT_KEEPALIVE_COUNT = 3;
const MAX_JUMP_DEPTH = 8;
const PASSWORD_VARS = ['ansible_ssh_pass', 'ansible_password', 'ansible_ssh_password'];

interface Context {
  input: ResolveInput;
  env: ResolveEnvironment;
  issues: ConfigIssue[];
  warn(message: string): void;
}

/** One host (target or hop) being resolved. */
interface Subject {
  name: string;
  vars: Vars;
  /** Display prefix for issues: `node1` or `bastion (ProxyJump of node1)`. */
  label: string;
  /** user/port written in a ProxyJump hop, which beat the hop's own settings. */
  hop?: JumpHop;
  /** Hops after the first in a comma list are reached through the previous one; their own ProxyJump is moot. */
  reachedThrough?: ConnectionSpec[];
  /** Names being resolved, outermost target first: loop detection. */
  stack: string[];
}

function defaultEnvironment(): ResolveEnvironment {
  let localUser = process.env['USER'];
  if (!localUser) {
    try {
      localUser = userInfo().username;
    } catch {
      localUser = 'root';
    }
  }
  const environment: ResolveEnvironment = { home: homedir(), localUser: localUser || 'root', fileExists: existsSync };
  const sock = process.env['SSH_AUTH_SOCK'];
  if (sock) environment.authSock = sock;
  return environment;
}

export function resolveConnectionSpec(input: ResolveInput): ConnectionSpec {
  const reported = input.reportedWarnings ?? new Set<string>();
  const warn = (message: string): void => {
    if (reported.has(message)) return;
    reported.add(message);
    input.onWarning?.(message);
  };
  const context: Context = { input, env: { ...defaultEnvironment(), ...input.env }, issues: [], warn };
  const spec = resolveSubject(context, { name: input.name, vars: input.vars, label: input.name, stack: [] });
  if (context.issues.length > 0) throw new ConfigError(context.issues);
  return spec;
}

function resolveSubject(context: Context, subject: Subject): ConnectionSpec {
  const { input, env } = context;
  const isTarget = subject.stack.length === 0;
  const cli = input.cli ?? {};
  const issue = (message: string): void => {
    const positioned: ConfigIssue = { message: `${subject.label}: ${message}` };
    if (input.source) Object.assign(positioned, input.source);
    context.issues.push(positioned);
  };
  const vars = new VarReader(subject.vars, issue);

  for (const name of PASSWORD_VARS) {
    if (subject.vars[name] !== undefined) {
      issue(`${name} is not supported: drydock authenticates with SSH keys only (ssh-agent, or ` +
        'ansible_ssh_private_key_file with drydock_key_passphrase for an encrypted key)');
    }
  }
  const connection = vars.string('ansible_connection');
  if (connection === 'local') issue('ansible_connection=local is not supported yet; reach the host over ssh');
  else if (connection !== undefined && !['ssh', 'smart', 'paramiko', 'paramiko_ssh'].includes(connection)) {
    issue(`ansible_connection=${connection} is not supported; drydock connects over ssh only`);
  }

  const args = parseArgs(context, subject.name, vars, issue);
  const alias = vars.string('ansible_host', 'ansible_ssh_host') ?? subject.name;
  const cliUser = isTarget ? cli.user : undefined;
  const explicitUser = subject.hop?.user ?? cliUser ?? vars.string('ansible_user', 'ansible_ssh_user') ?? args.user;
  const explicitPort = subject.hop?.port ?? vars.port('ansible_port', 'ansible_ssh_port') ?? args.port;
  let config: SshHostConfig = { identityFiles: [] };
  try {
    const lookupContext = {
      home: env.home,
      localUser: env.localUser,
      ...(explicitUser ? { remoteUser: explicitUser } : {}),
      ...(explicitPort ? { remotePort: explicitPort } : {}),
    };
    config = lookupSshConfig(input.sshConfig, alias, lookupContext);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.issues) {
      context.issues.push({ ...problem, message: `${subject.label}: ${problem.message}` });
    }
  }

  const home = (path: string): string => expandTilde(path, env.home);
  const user = explicitUser ?? config.user ?? env.localUser;
  const port = explicitPort ?? config.port ?? 22;
  const mainKey =
    (isTarget ? cli.privateKey : undefined) ?? vars.string('ansible_ssh_private_key_file', 'ansible_private_key_file');
  const explicitKeys = [...(mainKey ? [home(mainKey)] : []), ...args.identityFiles, ...config.identityFiles];
  const identityFiles = explicitKeys.length > 0
    ? [...new Set(explicitKeys)]
    : DEFAULT_IDENTITY_FILES.map(home).filter((file) => env.fileExists(file));
  const identitiesOnly = args.identitiesOnly ?? config.identitiesOnly ?? false;
  const connectTimeoutS = vars.seconds('ansible_timeout', 'ansible_ssh_timeout') ?? args.connectTimeoutSeconds ??
    config.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S;

  const spec: ConnectionSpec = {
    name: subject.name,
    hostname: args.hostName ?? config.hostName ?? alias,
    port,
    user,
    identityFiles,
    identitiesOnly,
    proxyJump: [],
    userKnownHostsFiles: cli.knownHostsFile !== undefined
      ? [home(cli.knownHostsFile)]
      : args.userKnownHostsFiles ?? config.userKnownHostsFiles ?? DEFAULT_USER_KNOWN_HOSTS.map(home),
    globalKnownHostsFiles: args.globalKnownHostsFiles ?? config.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS,
    hostKeyPolicy: cli.hostKeyChecking ?? args.hostKeyPolicy ?? config.hostKeyPolicy ?? 'strict',
    connectTimeoutMs: cli.connectTimeoutMs ?? connectTimeoutS * 1000,
    keepaliveIntervalMs:
      (args.serverAliveIntervalSeconds ?? config.serverAliveIntervalSeconds ?? DEFAULT_KEEPALIVE_S) * 1000,
    keepaliveCountMax: args.serverAliveCountMax ?? config.serverAliveCountMax ?? DEFAULT_KEEPALIVE_COUNT,
    become: isTarget ? resolveBecome(vars, cli, issue) : { enabled: false, user: 'root', method: 'sudo' },
  };
  const passphrase = vars.string('drydock_key_passphrase');
  if (passphrase !== undefined) spec.passphrase = passphrase;
  if (!identitiesOnly && env.authSock) spec.agentSocket = env.authSock;
  const hostKeyAlias = args.hostKeyAlias ?? config.hostKeyAlias;
  if (hostKeyAlias !== undefined) spec.hostKeyAlias = hostKeyAlias;
  const hashKnownHosts = args.hashKnownHosts ?? config.hashKnownHosts;
  if (hashKnownHosts !== undefined) spec.hashKnownHosts = hashKnownHosts;

  if (subject.reachedThrough) {
    spec.proxyJump = subject.reachedThrough;
  } else {
    const jump = args.proxyJump ?? config.proxyJump ?? jumpFromProxyCommand(config, issue);
    if (jump !== undefined) spec.proxyJump = resolveJumps(context, subject, [subject.name, alias], jump, issue);
  }
  return spec;
}

/**
 * ssh_common_args then ssh_extra_args, first value winning, as ssh reads its command line. Warnings name the
 * host whose vars hold the option (`host`), not the target it is a jump host for.
 */
function parseArgs(context: Context, host: string, vars: VarReader, issue: (message: string) => void): SshHostConfig {
  const merged: SshHostConfig = { identityFiles: [] };
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const text = vars.string(name);
    if (text === undefined) continue;
    try {
      const { settings, warnings } = parseSshCommonArgs(text, context.env.home);
      for (const warning of warnings) {
        if (context.input.onIgnoredOption) context.input.onIgnoredOption(host, `${name}: ${warning}`);
        else context.warn(`${host}: ${name}: ${warning}`);
      }
      for (const [key, value] of Object.entries(settings) as Array<[keyof SshHostConfig, never]>) {
        if (key === 'identityFiles') merged.identityFiles.push(...settings.identityFiles);
        else if (merged[key] === undefined) merged[key] = value;
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.issues) issue(`${name}: ${problem.message}`);
    }
  }
  return merged;
}

function jumpFromProxyCommand(config: SshHostConfig, issue: (message: string) => void): string | undefined {
  if (config.proxyCommand === undefined) return undefined;
  if (config.proxyCommand.trim().toLowerCase() === 'none') return 'none';
  const jump = proxyCommandToJump(config.proxyCommand);
  if (jump === undefined) {
    issue(`ProxyCommand "${config.proxyCommand}" in ssh config is not supported, use ProxyJump`);
  }
  return jump;
}

/**
 * The full path to the host, outermost first; each hop's own `proxyJump` is the path to that hop.
 * A host never jumps through itself: group vars like `ansible_ssh_common_args: -J bastion` are usually
 * inherited by the bastion too, so the path is cut where it names the host being reached.
 */
function resolveJumps(
  context: Context,
  subject: Subject,
  selfNames: string[],
  value: string,
  issue: (message: string) => void,
): ConnectionSpec[] {
  const parsed = parseProxyJump(value);
  if (typeof parsed === 'string') {
    issue(parsed);
    return [];
  }
  const selfIndex = parsed.findIndex((hop) => selfNames.includes(hop.host));
  const hops = selfIndex >= 0 ? parsed.slice(0, selfIndex) : parsed;
  const stack = [...subject.stack, subject.name];
  let path: ConnectionSpec[] = [];
  for (const [index, hop] of hops.entries()) {
    if (stack.includes(hop.host)) {
      issue(`ProxyJump loop: ${[...stack, hop.host].join(' → ')}`);
      return [];
    }
    if (stack.length > MAX_JUMP_DEPTH) {
      issue(`ProxyJump chain deeper than ${MAX_JUMP_DEPTH} hops: ${[...stack, hop.host].join(' → ')}`);
      return [];
    }
    const hopSubject: Subject = {
      name: hop.host,
      vars: context.input.inventoryVars(hop.host) ?? {},
      label: `${hop.host} (ProxyJump of ${stack.join(' → ')})`,
      hop,
      stack,
    };
    if (index > 0) hopSubject.reachedThrough = path;
    const spec = resolveSubject(context, hopSubject);
    path = [...spec.proxyJump, spec];
  }
  return path;
}

function resolveBecome(vars: VarReader, cli: CliConnectionOptions, issue: (message: string) => void): BecomeSpec {
  const method = vars.string('ansible_become_method');
  if (method !== undefined && method !== 'sudo') {
    issue(`ansible_become_method=${method} is not supported; drydock becomes another user with sudo only`);
  }
  const become: BecomeSpec = {
    enabled: cli.become ?? vars.boolean('ansible_become') ?? false,
    user: vars.string('ansible_become_user') ?? 'root',
    method: 'sudo',
  };
  const password = cli.becomePassword ?? vars.string('ansible_become_password', 'ansible_become_pass');
  if (password !== undefined) become.password = password;
  return become;
}
