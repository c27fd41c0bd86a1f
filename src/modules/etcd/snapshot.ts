/**
 * `etcd_snapshot`: takes an etcd snapshot of a control plane without any etcd tool on the host or the
 * controller, checks it on the controller and keeps it there with the control plane's PKI folder.
 *
 * 1. The client certificate, its key and the CA are read from the host (under the task's become) into
 *    memory only: never written to the controller's disk, never on a command line, never in a result.
 * 2. A direct-tcpip channel of the host's one SSH connection reaches `endpoint` as the host sees it (etcd's
 *    client port on 127.0.0.1); over it, TLS with that client certificate and etcd's grpc-gateway:
 *    `POST /v3/maintenance/status` (version, member), then `POST /v3/maintenance/snapshot` (gateway.ts).
 * 3. On the controller: the SHA-256 etcd appends must match the content, and the bbolt file must read as
 *    an etcd database with a revision and keys (snapshot-check.ts, the figures `etcdutl snapshot status`
 *    prints). A snapshot failing either is refused and nothing is written.
 * 4. `tar czf - pki` of `pki_dir` (pki-archive.ts) comes back over exec.
 * 5. Written 0600 in `dest`: `<base>.db` (database + hash, as `etcdctl snapshot save` writes it, so
 *    `etcdutl snapshot restore` takes it as is), `<base>.pki.tar.gz`, `<base>.db.sha256`, and last
 *    `<base>.db.json`, whose presence says the others are complete. The newest `retention` snapshots of
 *    this cluster and host are kept, each with its archive and sidecars.
 * Nothing is written on the host. The snapshot is held in memory while it is checked (as large as etcd's
 * database: kubeadm's default quota is 2 GiB), as the copy over exec was before.
 */
import { readdir, rm } from 'node:fs/promises';
import { HostUnreachableError } from '../../errors.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { shellQuote } from '../../util/shell.js';
import { optInt, optString } from '../args.js';
import { sha256Hex } from '../copy.js';
import { defineModule } from '../define.js';
import { ModuleFailure } from '../failure.js';
import { readRemoteFile } from '../remote-files.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from '../types.js';
import { EtcdGatewayError, etcdSnapshot, etcdStatus, parseEndpoint, type EtcdClientTls, type EtcdTarget } from './gateway.js';
import { SnapshotStreamError } from './gateway-stream.js';
import { namePartProblem, PKI_SUFFIX, SHA256_SUFFIX, snapshotFileName, snapshotsToPrune, SNAPSHOT_SUFFIX, STATUS_SUFFIX, utcStamp } from './naming.js';
import { fetchPkiArchive } from './pki-archive.js';
import { checkSnapshot, SnapshotCheckError } from './snapshot-check.js';
import { statusProblem, type SnapshotSidecar } from './status.js';

export const ETCD_SNAPSHOT_DEFAULTS = {
  endpoint: 'https://127.0.0.1:2379',
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
  pki_dir: '/etc/kubernetes/pki',
  dest: './backups/etcd',
  cluster_name: 'kubernetes',
  retention: 5,
} as const;

export const etcdSnapshotSpec: ModuleSpec = {
  name: 'etcd_snapshot',
  args: {
    endpoint: { type: 'str', default: ETCD_SNAPSHOT_DEFAULTS.endpoint },
    cacert: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.cacert },
    cert: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.cert },
    key: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.key },
    pki_dir: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.pki_dir },
    dest: { type: 'path', default: ETCD_SNAPSHOT_DEFAULTS.dest },
    cluster_name: { type: 'str', default: ETCD_SNAPSHOT_DEFAULTS.cluster_name },
    retention: { type: 'int', default: ETCD_SNAPSHOT_DEFAULTS.retention },
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

/** etcd's API as the module uses it (gateway.ts in production; a fake in unit tests). */
export interface EtcdApi {
  status: typeof etcdStatus;
  snapshot: typeof etcdSnapshot;
}

const gatewayApi: EtcdApi = { status: etcdStatus, snapshot: etcdSnapshot };

interface Settings {
  endpoint: string;
  host: string;
  port: number;
  cacert: string;
  cert: string;
  key: string;
  pkiDir: string;
  dest: string;
  cluster: string;
  retention: number;
}

function settings(ctx: ModuleContext): Settings {
  const s = (k: keyof typeof ETCD_SNAPSHOT_DEFAULTS) => optString(ctx.args, k) ?? String(ETCD_SNAPSHOT_DEFAULTS[k]);
  const endpoint = s('endpoint');
  // A snapshot comes from one member, reached at the address the host itself dials.
  const parsed = parseEndpoint(endpoint);
  if (!parsed) throw new ModuleFailure(`endpoint must be exactly one https:// URL with a host and port, as the control plane reaches etcd (got "${endpoint}"): a snapshot is taken from a single member`);
  const result: Settings = {
    endpoint,
    ...parsed,
    cacert: s('cacert'),
    cert: s('cert'),
    key: s('key'),
    pkiDir: s('pki_dir').replace(/(.)\/+$/, '$1'),
    dest: s('dest').replace(/(.)\/+$/, '$1'),
    cluster: s('cluster_name'),
    retention: optInt(ctx.args, 'retention') ?? ETCD_SNAPSHOT_DEFAULTS.retention,
  };
  if (result.retention < 1) throw new ModuleFailure(`retention must be at least 1 (got ${result.retention}): 0 would delete the snapshot just taken`);
  const problem = namePartProblem('cluster_name', result.cluster) ?? namePartProblem('host', ctx.target);
  if (problem) throw new ModuleFailure(problem);
  if (!result.pkiDir.startsWith('/') || result.pkiDir === '/') throw new ModuleFailure(`pki_dir must be an absolute path below / (got "${result.pkiDir}")`);
  return result;
}

/** Reads one certificate file from the host into memory. */
async function readCredential(ctx: ModuleContext, what: string, path: string): Promise<Buffer> {
  const data = await readRemoteFile(ctx, path);
  if (!data) throw new ModuleFailure(`the etcd ${what} ${path} is not on ${ctx.target}: is it a kubeadm control plane? (set cacert, cert and key otherwise)`);
  return data;
}

async function readTls(ctx: ModuleContext, s: Settings): Promise<EtcdClientTls> {
  return { ca: await readCredential(ctx, 'CA', s.cacert), cert: await readCredential(ctx, 'client certificate', s.cert), key: await readCredential(ctx, 'client key', s.key) };
}

/** The target the gateway speaks to: a fresh direct-tcpip channel of the task's connection per request. */
async function etcdTarget(ctx: ModuleContext, s: Settings, tls: EtcdClientTls): Promise<EtcdTarget> {
  const connection = await ctx.connection();
  return {
    host: s.host,
    port: s.port,
    tls,
    signal: ctx.signal,
    async open() {
      try {
        return await connection.forwardOut(s.host, s.port);
      } catch (err) {
        // The channel was refused (nothing listens there): a task failure. A lost connection stays unreachable.
        if (err instanceof HostUnreachableError && err.phase === 'proxy') {
          throw new ModuleFailure(`cannot reach etcd at ${s.host}:${s.port} from ${ctx.target} through its SSH connection: ${(err.cause as Error | undefined)?.message ?? err.message}`);
        }
        throw err;
      }
    },
  };
}

async function takeSnapshot(ctx: ModuleContext, api: EtcdApi, target: EtcdTarget, s: Settings) {
  try {
    const member = await api.status(target);
    const snapshot = await api.snapshot(target);
    return { member, snapshot };
  } catch (err) {
    if (err instanceof EtcdGatewayError || err instanceof SnapshotStreamError) {
      throw new ModuleFailure(`etcd at ${s.endpoint} on ${ctx.target} did not give a snapshot: ${err.message}`);
    }
    throw err;
  }
}

function prunedFiles(s: Settings, name: string): string[] {
  const base = `${s.dest}/${name.slice(0, -SNAPSHOT_SUFFIX.length)}`;
  // The sidecars go first: a snapshot without them is never taken for a verified one.
  return [`${base}${STATUS_SUFFIX}`, `${base}${SHA256_SUFFIX}`, `${base}${PKI_SUFFIX}`, `${base}${SNAPSHOT_SUFFIX}`];
}

async function planned(ctx: ModuleContext, folder: ControllerSnapshotFolder, s: Settings, name: string): Promise<ModuleResult> {
  const controllerPath = `${s.dest}/${name}`;
  const paths = [s.cacert, s.cert, s.key, s.pkiDir];
  const probe = await ctx.exec(paths.map((p) => `[ -r ${shellQuote(p)} ] || echo ${shellQuote(p)}`).join('\n'));
  const unreadable = probe.stdout.split('\n').filter(Boolean);
  if (unreadable.length > 0) throw new ModuleFailure(`cannot read ${unreadable.join(', ')} on ${ctx.target}: the snapshot needs the etcd client certificate, its key and CA, and the PKI folder`);
  const controllerPrune = snapshotsToPrune([...new Set([...(await folder.list(s.dest)), name])], s.cluster, ctx.target, s.retention);
  const prunes = controllerPrune.length > 0 ? `; would remove ${controllerPrune.length} old snapshot(s) on the controller` : '';
  return {
    changed: true,
    msg: `would save a snapshot of ${s.endpoint} on ${ctx.target} (through its SSH connection) to ${controllerPath}, verify it on the controller and archive ${s.pkiDir} beside it${prunes}`,
    controller_path: controllerPath,
    pruned: { controller: controllerPrune },
  };
}

export function createEtcdSnapshotModule(folder: ControllerSnapshotFolder = nodeSnapshotFolder, api: EtcdApi = gatewayApi): ModuleDefinition {
  async function run(ctx: ModuleContext): Promise<ModuleResult> {
    const s = settings(ctx);
    const takenAt = ctx.clock.now();
    const name = snapshotFileName(s.cluster, ctx.target, takenAt);
    if (ctx.check) return planned(ctx, folder, s, name);

    const tls = await readTls(ctx, s);
    let taken: Awaited<ReturnType<typeof takeSnapshot>>;
    try {
      taken = await takeSnapshot(ctx, api, await etcdTarget(ctx, s, tls), s);
    } finally {
      tls.key.fill(0);
    }
    const { member, snapshot } = taken;
    const data = snapshot.file;
    let status;
    try {
      status = checkSnapshot(data);
    } catch (err) {
      if (!(err instanceof SnapshotCheckError)) throw err;
      throw new ModuleFailure(`the snapshot of ${s.endpoint} on ${ctx.target} failed verification and was not kept: ${err.message}`, { verified: false });
    }
    const problem = statusProblem(status);
    if (problem) throw new ModuleFailure(`the snapshot of ${s.endpoint} on ${ctx.target} is not usable and was not kept: ${problem}`, { verified: false });
    const pki = await fetchPkiArchive(ctx, s.pkiDir);

    const base = `${s.dest}/${name.slice(0, -SNAPSHOT_SUFFIX.length)}`;
    const controllerPath = `${base}${SNAPSHOT_SUFFIX}`;
    const pkiPath = `${base}${PKI_SUFFIX}`;
    const sha256 = sha256Hex(data);
    const pkiSha256 = sha256Hex(pki.data);
    const sidecar: SnapshotSidecar = {
      cluster: s.cluster,
      host: ctx.target,
      file: name,
      taken_at: new Date(takenAt).toISOString(),
      sha256,
      hash: status.hash,
      revision: status.revision,
      total_keys: status.totalKeys,
      size: data.length,
      db_size: status.size,
      ...(status.version !== undefined ? { version: status.version } : {}),
      ...(member.version ? { etcd_version: member.version } : {}),
      ...(member.memberId ? { member_id: member.memberId } : {}),
      verified_with: 'drydock',
      pki_file: `${name.slice(0, -SNAPSHOT_SUFFIX.length)}${PKI_SUFFIX}`,
      pki_sha256: pkiSha256,
      verified: true,
    };
    await ctx.controller.mkdirp(s.dest);
    await ctx.controller.writeFile(controllerPath, data, 0o600);
    await ctx.controller.writeFile(pkiPath, pki.data, 0o600);
    await ctx.controller.writeFile(`${base}${SHA256_SUFFIX}`, `${sha256}  ${name}\n`, 0o600);
    // Written last: its presence says the snapshot, archive and checksum beside it are complete.
    await ctx.controller.writeFile(`${base}${STATUS_SUFFIX}`, `${JSON.stringify(sidecar, null, 2)}\n`, 0o600);

    const controllerPrune = snapshotsToPrune(await folder.list(s.dest), s.cluster, ctx.target, s.retention);
    for (const old of controllerPrune) for (const path of prunedFiles(s, old)) await folder.remove(path);

    return {
      changed: true,
      msg: `snapshot of ${s.endpoint} at revision ${status.revision} (${status.totalKeys} keys, ${data.length} bytes) saved to ${controllerPath} with ${s.pkiDir} in ${pkiPath}, verified on the controller`,
      controller_path: controllerPath,
      sha256,
      revision: status.revision,
      total_keys: status.totalKeys,
      size: data.length,
      db_size: status.size,
      hash: status.hash,
      ...(status.version !== undefined ? { version: status.version } : {}),
      ...(member.version ? { etcd_version: member.version } : {}),
      pki_path: pkiPath,
      pki_sha256: pkiSha256,
      pki_files: pki.files.length,
      taken_at: utcStamp(takenAt),
      verified: true,
      verified_with: 'drydock',
      pruned: { controller: controllerPrune },
    };
  }
  return defineModule(etcdSnapshotSpec, { supportsCheck: true, run });
}

export const etcdSnapshotModule: ModuleDefinition = createEtcdSnapshotModule();
