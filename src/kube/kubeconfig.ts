/**
 * Which kubeconfig, which context, which server — decided explicitly, with kubectl's precedence
 * (--kubeconfig, then KUBECONFIG, then ~/.kube/config) and without client-node's silent fallback to
 * http://localhost:8080 or the in-cluster token. The KubeConfig object itself is created by client.ts and
 * handled here through the few methods needed.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';

interface Named {
  name: string;
}

/** The slice of client-node's KubeConfig used here. */
export interface KubeConfigLike {
  clusters: Array<Named & { server: string }>;
  users: Named[];
  contexts: Array<Named & { cluster: string; user: string }>;
  currentContext: string;
  loadFromFile(file: string): void;
  loadFromString(text: string): void;
  setCurrentContext(name: string): void;
  addCluster(cluster: Named & { server: string }): void;
  addUser(user: Named): void;
  addContext(context: Named & { cluster: string; user: string }): void;
}

export interface KubeConfigSource {
  kubeconfigPath?: string;
  context?: string;
  /** Defaults to process.env; injectable for tests. */
  env?: Record<string, string | undefined>;
  homeDir?: string;
  /** Kubeconfig text instead of files (e.g. admin.conf fetched over SSH). */
  text?: string;
  /** How to name `text` in messages. */
  source?: string;
}

export interface KubeConfigInfo {
  context: string;
  cluster: string;
  server: string;
  user: string;
  /** Where the config came from, e.g. `--kubeconfig /x`, `KUBECONFIG`, `~/.kube/config`. */
  source: string;
  files: string[];
}

export function resolveKubeConfig<T extends KubeConfigLike>(
  options: KubeConfigSource,
  create: () => T,
): { config: T; info: KubeConfigInfo } {
  const config = create();
  let source: string;
  let files: string[] = [];
  if (options.text !== undefined) {
    source = options.source ?? 'kubeconfig text';
    guard(source, () => config.loadFromString(options.text!));
  } else {
    ({ source, files } = pickFiles(options));
    guard(files[0]!, () => config.loadFromFile(files[0]!));
    for (const file of files.slice(1)) mergeFirstWins(config, file, create);
  }

  const contextName = options.context ?? config.currentContext;
  const names = config.contexts.map((c) => c.name);
  const known = names.length > 0 ? names.join(', ') : 'none';
  if (!contextName) {
    throw new ConfigError({ file: files[0], message: `${source} sets no current-context; pass --context (contexts: ${known})` });
  }
  const context = config.contexts.find((c) => c.name === contextName);
  if (!context) {
    throw new ConfigError({ file: files[0], message: `context "${contextName}" is not in ${source} (contexts: ${known})` });
  }
  config.setCurrentContext(contextName);
  const cluster = config.clusters.find((c) => c.name === context.cluster);
  if (!cluster || !cluster.server) {
    throw new ConfigError({ file: files[0], message: `context "${contextName}" in ${source} refers to cluster "${context.cluster}", which has no server address` });
  }
  return {
    config,
    info: { context: contextName, cluster: cluster.name, server: cluster.server, user: context.user, source, files },
  };
}

function pickFiles(options: KubeConfigSource): { source: string; files: string[] } {
  if (options.kubeconfigPath) {
    const file = path.resolve(options.kubeconfigPath);
    if (!existsSync(file)) throw new ConfigError({ file, message: 'kubeconfig file not found (from --kubeconfig)' });
    return { source: `--kubeconfig ${file}`, files: [file] };
  }
  const env = options.env ?? process.env;
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  if (list.length > 0) {
    // kubectl ignores KUBECONFIG entries that do not exist, but not all of them missing.
    const files = list.filter((f) => existsSync(f));
    if (files.length === 0) {
      throw new ConfigError(`none of the files in KUBECONFIG exist (${list.join(path.delimiter)})`);
    }
    return { source: `KUBECONFIG (${files.join(path.delimiter)})`, files };
  }
  const fallback = path.join(options.homeDir ?? homedir(), '.kube', 'config');
  if (!existsSync(fallback)) {
    throw new ConfigError(
      `no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ${fallback} (drydock never falls back to localhost:8080)`,
    );
  }
  return { source: `~/.kube/config (${fallback})`, files: [fallback] };
}

/** kubectl's merge rule: the first file to define a name (or the current-context) wins. */
function mergeFirstWins<T extends KubeConfigLike>(config: T, file: string, create: () => T): void {
  const extra = create();
  guard(file, () => extra.loadFromFile(file));
  const has = (list: Named[], name: string): boolean => list.some((item) => item.name === name);
  for (const cluster of extra.clusters) if (!has(config.clusters, cluster.name)) config.addCluster(cluster);
  for (const user of extra.users) if (!has(config.users, user.name)) config.addUser(user);
  for (const context of extra.contexts) if (!has(config.contexts, context.name)) config.addContext(context);
  if (!config.currentContext && extra.currentContext) config.currentContext = extra.currentContext;
}

function guard(file: string, load: () => void): void {
  try {
    load();
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError({ file, message: `cannot read kubeconfig: ${why}` });
  }
}
