/**
 * `etcd_snapshot`: saves an etcd snapshot on a control plane (`etcdctl snapshot save` against one endpoint,
 * kubeadm's certificate paths by default), verifies it there (`etcdutl snapshot status`, or etcdctl's before
 * 3.6), copies it to the controller with its SHA-256 checked on both sides, records `.sha256` and `.json`
 * sidecars, and keeps the newest `retention` snapshots of this cluster and host on both sides.
 *
 * The copy goes over the exec channel (remote-files.ts): the snapshot is root-only and SFTP runs as the
 * login user, so under become it could not read it.
 */
import { readdir, rm } from 'node:fs/promises';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optInt, optString } from '../args.js';
import { sha256Hex } from '../copy.js';
import { ModuleFailure, tail } from '../failure.js';
import { readRemoteFile, remoteStat } from '../remote-files.js';
import { shellQuote } from '../../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { namePartProblem, SHA256_SUFFIX, snapshotFileName, snapshotsToPrune, SNAPSHOT_SUFFIX, STATUS_SUFFIX, utcStamp } from './naming.js';
import { parseSnapshotStatus, statusProblem, type SnapshotSidecar, type SnapshotStatus } from './status.js';
import { defineModule } from '../define.js';

export const ETCD_SNAPSHOT_DEFAULTS = {
  endpoint: 'https://127.0.0.1:2379',
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/server.crt',
  key: '/etc/kubernetes/pki/etcd/server.key',
  dest: './backups/etcd',
  cluster_name: 'kubernetes',
  retention: 5,
  remote_dir: '/var/lib/drydock/etcd-backups',
} as const;

export const etcdSnapshotSpec: ModuleSpec = {
  name: 'etcd_snapshot',
  args: {
    endpoint: { type: 'str', default: ETCD_SNAPSHOT_DEFAULTS.endpoint },
    cacert: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.cacert },
    cert: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.cert },
    key: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.key },
    dest: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.dest },
    cluster_name: { type: 'str', default: ETCD_SNAPSHOT_DEFAULTS.cluster_name },
    retention: { type: 'int', default: ETCD_SNAPSHOT_DEFAULTS.retention },
    remote_dir: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.remote_dir },
  },
};

/** The controller folder's listing and removal, which ControllerFiles does not offer; injected for tests. */
export interface ControllerSnapshotFolder {
  list(dir: string): Promise<string[]>;
  remove(path: string): Promise<void>;
}

export const nodeSnapshotFolder: ControllerSnapshotFolder = {
  list: (dir) => readdir(dir).catch(() => []),
  remove: (path) => rm(path, { force: true }),
};

interface Settings {
  endpoint: string;
  cacert: string;
  cert: string;
  key: string;
  dest: string;
  cluster: string;
  retention: number;
  remoteDir: string;
}

function settings(ctx: ModuleContext): Settings {
  const s = (k: keyof typeof ETCD_SNAPSHOT_DEFAULTS) => optString(ctx.args, k) ?? String(ETCD_SNAPSHOT_DEFAULTS[k]);
  const result: Settings = {
    endpoint: s('endpoint'),
    cacert: s('cacert'),
    cert: s('cert'),
    key: s('key'),
    dest: s('dest').replace(/(.)\/+$/, '$1'),
    cluster: s('cluster_name'),
    retention: optInt(ctx.args, 'retention') ?? ETCD_SNAPSHOT_DEFAULTS.retention,
    remoteDir: s('remote_dir').replace(/(.)\/+$/, '$1'),
  };
  // A snapshot comes from one member; etcdctl would quietly use whichever endpoint answers first.
  if (/[,\s]/.test(result.endpoint) || result.endpoint === '') throw new ModuleFailure(`endpoint must be exactly one URL (got "${result.endpoint}"): a snapshot is taken from a single member`);
  if (result.retention < 1) throw new ModuleFailure(`retention must be at least 1 (got ${result.retention}): 0 would delete the snapshot just taken`);
  const problem = namePartProblem('cluster_name', result.cluster) ?? namePartProblem('host', ctx.target);
  if (problem) throw new ModuleFailure(problem);
  if (!result.remoteDir.startsWith('/')) throw new ModuleFailure(`remote_dir must be an absolute path (got "${result.remoteDir}")`);
  return result;
}

type Tool = 'etcdutl' | 'etcdctl';

/** Which of the two tools the host has; etcdutl preferred for status since etcd 3.6 removed etcdctl's. */
async function probeTools(ctx: ModuleContext): Promise<Set<Tool>> {
  const result = await ctx.exec('for t in etcdutl etcdctl; do if command -v "$t" >/dev/null 2>&1; then echo "$t"; fi; done');
  const found = new Set(result.stdout.split('\n').map((l) => l.trim()).filter((l): l is Tool => l === 'etcdutl' || l === 'etcdctl'));
  if (!found.has('etcdctl')) {
    throw new ModuleFailure(`etcdctl is not installed on ${ctx.target} (looked in root's PATH); install the etcd client matching the cluster's etcd, or run on a control plane that has it`);
  }
  return found;
}

export function saveScript(s: Settings, path: string): string {
  const q = shellQuote;
  return [
    'umask 077',
    `mkdir -p -m 700 -- ${q(s.remoteDir)} || exit 1`,
    `if [ -e ${q(path)} ]; then echo ${q(`${path} already exists`)} >&2; exit 1; fi`,
    `ETCDCTL_API=3 etcdctl --endpoints=${q(s.endpoint)} --cacert=${q(s.cacert)} --cert=${q(s.cert)} --key=${q(s.key)} snapshot save ${q(path)}`,
    'rc=$?',
    `if [ "$rc" -ne 0 ]; then rm -f -- ${q(path)} ${q(`${path}.part`)}; fi`,
    'exit $rc',
  ].join('\n');
}

export function statusCommand(tool: Tool, path: string): string {
  return tool === 'etcdutl' ? `etcdutl snapshot status ${shellQuote(path)} -w json` : `ETCDCTL_API=3 etcdctl snapshot status ${shellQuote(path)} -w json`;
}

async function discard(ctx: ModuleContext, path: string): Promise<void> {
  await ctx.exec(`rm -f -- ${shellQuote(path)}`);
}

/** Runs the status tool and the checks; a snapshot that fails them is removed from the host. */
async function verifyOnHost(ctx: ModuleContext, tool: Tool, path: string): Promise<SnapshotStatus> {
  const result = await ctx.exec(statusCommand(tool, path));
  let status: SnapshotStatus | undefined;
  let problem: string | undefined;
  if (result.code !== 0) problem = `${tool} snapshot status failed: ${tail(result.stderr || result.stdout) || `exit status ${result.code}`}`;
  else {
    try {
      status = parseSnapshotStatus(result.stdout);
      problem = statusProblem(status);
    } catch (err) {
      problem = `${tool} snapshot status: ${(err as Error).message}`;
    }
  }
  if (problem || !status) {
    await discard(ctx, path);
    throw new ModuleFailure(`the snapshot ${path} on ${ctx.target} failed verification and was removed: ${problem}`, { path, verified: false });
  }
  return status;
}

async function remoteNames(ctx: ModuleContext, dir: string): Promise<string[]> {
  const result = await ctx.exec(`if [ -d ${shellQuote(dir)} ]; then ls -1A -- ${shellQuote(dir)}; fi`);
  if (result.code !== 0) throw new ModuleFailure(`could not list ${dir} on ${ctx.target}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  return result.stdout.split('\n').filter(Boolean);
}

async function pruneHost(ctx: ModuleContext, s: Settings, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const paths = names.map((n) => shellQuote(`${s.remoteDir}/${n}`)).join(' ');
  const result = await ctx.exec(`rm -f -- ${paths}`);
  if (result.code !== 0) throw new ModuleFailure(`could not remove old snapshots in ${s.remoteDir} on ${ctx.target}: ${tail(result.stderr)}`);
}

async function pruneController(folder: ControllerSnapshotFolder, s: Settings, names: string[]): Promise<void> {
  for (const name of names) {
    const base = `${s.dest}/${name.slice(0, -SNAPSHOT_SUFFIX.length)}`;
    // The sidecars go first: a snapshot without them is never taken for a verified one.
    await folder.remove(`${base}${STATUS_SUFFIX}`);
    await folder.remove(`${base}${SHA256_SUFFIX}`);
    await folder.remove(`${base}${SNAPSHOT_SUFFIX}`);
  }
}

async function planned(ctx: ModuleContext, folder: ControllerSnapshotFolder, s: Settings, name: string, tool: Tool): Promise<ModuleResult> {
  const path = `${s.remoteDir}/${name}`;
  const controllerPath = `${s.dest}/${name}`;
  const hostPrune = snapshotsToPrune([...new Set([...(await remoteNames(ctx, s.remoteDir)), name])], s.cluster, ctx.target, s.retention);
  const controllerPrune = snapshotsToPrune([...new Set([...(await folder.list(s.dest)), name])], s.cluster, ctx.target, s.retention);
  const prunes = hostPrune.length + controllerPrune.length > 0 ? `; would remove ${hostPrune.length} old snapshot(s) on the host and ${controllerPrune.length} on the controller` : '';
  return {
    changed: true,
    msg: `would save a snapshot of ${s.endpoint} to ${path} on ${ctx.target}, verify it with ${tool} and copy it to ${controllerPath}${prunes}`,
    path,
    controller_path: controllerPath,
    pruned: { host: hostPrune, controller: controllerPrune },
  };
}

export function createEtcdSnapshotModule(folder: ControllerSnapshotFolder = nodeSnapshotFolder): ModuleDefinition {
  async function run(ctx: ModuleContext): Promise<ModuleResult> {
    const s = settings(ctx);
    const takenAt = ctx.clock.now();
    const name = snapshotFileName(s.cluster, ctx.target, takenAt);
    const tools = await probeTools(ctx);
    const tool: Tool = tools.has('etcdutl') ? 'etcdutl' : 'etcdctl';
    if (ctx.check) return planned(ctx, folder, s, name, tool);

    const path = `${s.remoteDir}/${name}`;
    const saved = await ctx.exec(saveScript(s, path));
    if (saved.code !== 0) {
      throw new ModuleFailure(`etcdctl snapshot save against ${s.endpoint} on ${ctx.target} failed: ${tail(saved.stderr || saved.stdout) || `exit status ${saved.code}`}`, { rc: saved.code });
    }
    const status = await verifyOnHost(ctx, tool, path);
    const remoteSha = (await remoteStat(ctx, path)).sha256;
    if (!remoteSha) throw new ModuleFailure(`could not compute the SHA-256 of ${path} on ${ctx.target}`, { path });

    const data = await readRemoteFile(ctx, path);
    if (!data) throw new ModuleFailure(`${path} disappeared from ${ctx.target} before it could be copied`, { path });
    const localSha = sha256Hex(data);
    if (localSha !== remoteSha) {
      throw new ModuleFailure(`the copy of ${path} is corrupt: SHA-256 ${localSha} on the controller, ${remoteSha} on ${ctx.target}; nothing was written on the controller, the snapshot stays on the host`, { path });
    }

    const base = `${s.dest}/${name.slice(0, -SNAPSHOT_SUFFIX.length)}`;
    const controllerPath = `${base}${SNAPSHOT_SUFFIX}`;
    const sidecar: SnapshotSidecar = {
      cluster: s.cluster,
      host: ctx.target,
      file: name,
      taken_at: new Date(takenAt).toISOString(),
      sha256: localSha,
      hash: status.hash,
      revision: status.revision,
      total_keys: status.totalKeys,
      size: data.length,
      db_size: status.size,
      ...(status.version !== undefined ? { version: status.version } : {}),
      verified_with: tool,
      verified: true,
    };
    await ctx.controller.mkdirp(s.dest);
    await ctx.controller.writeFile(controllerPath, data, 0o600);
    await ctx.controller.writeFile(`${base}${SHA256_SUFFIX}`, `${localSha}  ${name}\n`, 0o600);
    // Written last: its presence says the snapshot and checksum beside it are complete.
    await ctx.controller.writeFile(`${base}${STATUS_SUFFIX}`, `${JSON.stringify(sidecar, null, 2)}\n`, 0o600);

    const hostPrune = snapshotsToPrune(await remoteNames(ctx, s.remoteDir), s.cluster, ctx.target, s.retention);
    await pruneHost(ctx, s, hostPrune);
    const controllerPrune = snapshotsToPrune(await folder.list(s.dest), s.cluster, ctx.target, s.retention);
    await pruneController(folder, s, controllerPrune);

    return {
      changed: true,
      msg: `snapshot of ${s.endpoint} at revision ${status.revision} (${status.totalKeys} keys, ${data.length} bytes) saved to ${controllerPath}, verified with ${tool}`,
      path,
      controller_path: controllerPath,
      sha256: localSha,
      revision: status.revision,
      total_keys: status.totalKeys,
      size: data.length,
      db_size: status.size,
      hash: status.hash,
      ...(status.version !== undefined ? { version: status.version } : {}),
      taken_at: utcStamp(takenAt),
      verified: true,
      verified_with: tool,
      pruned: { host: hostPrune, controller: controllerPrune },
    };
  }
  return defineModule(etcdSnapshotSpec, { supportsCheck: true, run });
}

export const etcdSnapshotModule: ModuleDefinition = createEtcdSnapshotModule();
