/**
 * How a run reaches the cluster's API, decided once and said out loud before anything changes. Sources,
 * in order: --kubeconfig, KUBECONFIG, ~/.kube/config, and — what kubespray users expect — the first control
 * plane's /etc/kubernetes/admin.conf fetched over SSH (the engine injects the fetch). A source the admin
 * named (--kubeconfig, KUBECONFIG) is used or fails; drydock never swaps it for another cluster's
 * credentials. Only the implicit ~/.kube/config gives way to admin.conf when it is absent or does not work.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError, KubeApiError } from '../errors.js';
import { loadKubeConfig, loadKubeConfigFromString } from './client.js';
import type { KubeConfigInfo, KubeConfigSource } from './kubeconfig.js';
import type { KubePort } from './port.js';

export const ADMIN_CONF_PATH = '/etc/kubernetes/admin.conf';

/** A KubePort that knows where its configuration came from (KubeClient is one). */
export interface ConnectedPort extends KubePort {
  readonly info: KubeConfigInfo;
}

export interface AdminConf {
  /** Inventory name of the control-plane host it was read from. */
  host: string;
  text: string;
  /** The address drydock reached that host at; replaces a loopback `server:` (https://127.0.0.1:6443). */
  address?: string;
}

export interface ClusterAccessOptions {
  kubeconfigPath?: string;
  context?: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  /** Reads /etc/kubernetes/admin.conf from the first control plane (with become). */
  fetchAdminConf?: () => Promise<AdminConf>;
  /** GET /version before returning, so an unreachable server or bad credentials fail here. Default true. */
  probe?: boolean;
  /** Seams for tests; default to client.ts. */
  openFile?: (source: KubeConfigSource) => ConnectedPort;
  openText?: (text: string, options: { context?: string; source: string }) => ConnectedPort;
}

export interface ClusterAccessInfo extends KubeConfigInfo {
  /** gitVersion of the API server that answered the probe. */
  serverVersion?: string;
  /** Fallbacks taken and rewrites made, for the admin to read before the first change. */
  notes: string[];
}

export interface ClusterAccess {
  port: KubePort;
  info: ClusterAccessInfo;
}

/** One line for the run header: `cluster: context kubernetes-admin@kubernetes, server https://10.0.0.10:6443 (v1.30.2), from ~/.kube/config (...)`. */
export function describeClusterAccess(info: ClusterAccessInfo): string {
  const version = info.serverVersion ? ` (${info.serverVersion})` : '';
  const notes = info.notes.length > 0 ? `; ${info.notes.join('; ')}` : '';
  return `cluster: context ${info.context}, server ${info.server}${version}, from ${info.source}${notes}`;
}

export async function openClusterAccess(options: ClusterAccessOptions): Promise<ClusterAccess> {
  const openFile = options.openFile ?? ((source: KubeConfigSource) => loadKubeConfig(source));
  const openText = options.openText ?? ((text: string, o: { context?: string; source: string }) => loadKubeConfigFromString(text, o));
  const fileSource: KubeConfigSource = { kubeconfigPath: options.kubeconfigPath, context: options.context, env: { ...options.env }, homeDir: options.homeDir };
  const notes: string[] = [];

  if (options.kubeconfigPath || (options.env.KUBECONFIG ?? '') !== '') {
    return connect(() => openFile(fileSource), options, notes);
  }

  const tried: string[] = [];
  const defaultFile = path.join(options.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(defaultFile)) {
    try {
      return await connect(() => openFile(fileSource), options, notes);
    } catch (err) {
      if (!options.fetchAdminConf || !(err instanceof ConfigError || err instanceof KubeApiError)) throw err;
      const why = firstLine(err);
      tried.push(`~/.kube/config (${defaultFile}): ${why}`);
      notes.push(`~/.kube/config did not work (${why}), using ${ADMIN_CONF_PATH} instead`);
    }
  } else {
    tried.push(`~/.kube/config (${defaultFile}): not found`);
  }

  if (!options.fetchAdminConf) {
    tried.push(`${ADMIN_CONF_PATH} over SSH: no control-plane host to read it from`);
    throw new ConfigError(`no cluster access; tried:\n${bullets(tried)}\npass --kubeconfig or set KUBECONFIG`);
  }
  let conf: AdminConf;
  try {
    conf = await options.fetchAdminConf();
  } catch (err) {
    tried.push(`${ADMIN_CONF_PATH} over SSH: ${firstLine(err)}`);
    throw new ConfigError(`no cluster access; tried:\n${bullets(tried)}\npass --kubeconfig or set KUBECONFIG`);
  }
  const source = `${ADMIN_CONF_PATH} from ${conf.host}`;
  const text = reachableServer(conf, notes);
  try {
    return await connect(() => openText(text, { context: options.context, source }), options, notes);
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof KubeApiError)) throw err;
    tried.push(`${source}: ${firstLine(err)}`);
    const message = `no cluster access; tried:\n${bullets(tried)}`;
    throw err instanceof KubeApiError ? new KubeApiError(message, err.status, err.reason) : new ConfigError(message);
  }
}

async function connect(open: () => ConnectedPort, options: ClusterAccessOptions, notes: string[]): Promise<ClusterAccess> {
  const port = open();
  const info: ClusterAccessInfo = { ...port.info, notes };
  if (options.probe !== false) {
    try {
      info.serverVersion = (await port.getVersion()).gitVersion;
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      throw new KubeApiError(`${err.message} (cluster access from ${info.source}, context ${info.context})`, err.status, err.reason);
    }
  }
  return { port, info };
}

const loopbackServer = (): RegExp => /^(\s*server:\s*["']?https?:\/\/)(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?=[:/"'\s]|$)/gm;

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127(\.\d{1,3}){3}$/.test(address);
}

/**
 * admin.conf written for the control plane itself may say `server: https://127.0.0.1:6443`, which on the
 * controller would be the controller's own port; point it at the address the host was reached at instead.
 */
export function reachableServer(conf: AdminConf, notes: string[]): string {
  if (!loopbackServer().test(conf.text)) return conf.text;
  if (!conf.address || isLoopback(conf.address)) {
    if (!conf.address) notes.push(`${ADMIN_CONF_PATH} from ${conf.host} names a loopback server and the host's address is unknown; using it as written`);
    return conf.text;
  }
  const host = conf.address.includes(':') ? `[${conf.address}]` : conf.address;
  notes.push(`${ADMIN_CONF_PATH} from ${conf.host} names a loopback server; using ${host} (the host's address) instead`);
  return conf.text.replace(loopbackServer(), (_match, prefix: string) => `${prefix}${host}`);
}

/** The run's API access, opened on first use and shared by every task; a failure is remembered too, so each kube task reports it without re-fetching. */
export type LazyKube = (() => Promise<KubePort>) & {
  /** The access once opened (for the run header and the journal); undefined before or after a failure. */
  opened(): ClusterAccess | undefined;
};

export function lazyKube(open: () => Promise<ClusterAccess>, onOpen?: (access: ClusterAccess) => void): LazyKube {
  let pending: Promise<ClusterAccess> | undefined;
  let access: ClusterAccess | undefined;
  const get = async (): Promise<KubePort> => {
    pending ??= open().then((opened) => {
      access = opened;
      onOpen?.(opened);
      return opened;
    });
    return (await pending).port;
  };
  return Object.assign(get, { opened: () => access });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}

function bullets(lines: string[]): string {
  return lines.map((line) => `  - ${line}`).join('\n');
}
