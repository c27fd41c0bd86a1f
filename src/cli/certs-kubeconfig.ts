/**
 * `certs renew`'s last step on this machine (certs/kubeconfig-refresh.ts decides): the kubeconfig drydock
 * used, when it is a copy of admin.conf, gets the renewed credentials; the kubeconfig files drydock knows of
 * (KUBECONFIG, ~/.kube/config, --kubeconfig, every --kubeconfig-copy) are named when a user in them still has
 * an admin certificate the renewal replaced. admin.conf is read over the run's SSH connection with become and
 * never leaves memory except into that one file; only paths, user names and dates are printed.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { formatExpiry } from '../certs/render.js';
import { refreshKubeconfigs, replacedAdminCertificates, type KubeconfigInUse, type RefreshOutcome, type RefreshPorts, type RefreshRequest } from '../certs/kubeconfig-refresh.js';
import { ConfigError } from '../errors.js';
import type { TextOutput } from '../events/tty.js';
import type { LazyKube } from '../kube/access.js';
import type { CertificateRow } from '../pki/rows.js';
import type { ConnectionSpec, Connection } from '../transport/types.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { shellQuote } from '../util/shell.js';

export interface KubeconfigFlags {
  kubeconfig?: string;
  /** --kubeconfig-copy, repeatable. */
  kubeconfigCopy?: string[];
  /** false with --no-refresh-kubeconfig. */
  refreshKubeconfig?: boolean;
  check?: boolean;
}

/** The kubeconfig files drydock knows of, absolute, each once (a link and its target are one file). */
export function knownKubeconfigs(flags: KubeconfigFlags, env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): string[] {
  const listed = [
    ...(env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== ''),
    path.join(home, '.kube', 'config'),
    ...(flags.kubeconfig !== undefined ? [flags.kubeconfig] : []),
    ...(flags.kubeconfigCopy ?? []),
  ];
  const seen = new Set<string>();
  const files: string[] = [];
  for (const file of listed.map((f) => path.resolve(f))) {
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // Missing: the scan skips it.
    }
    if (seen.has(real)) continue;
    seen.add(real);
    files.push(file);
  }
  return files;
}

/** Reads a control plane's admin.conf with become over `connect`'s (pooled) connection. */
export function remoteFileReader(connect: (host: string) => Promise<Connection>, file: string): (host: string) => Promise<string> {
  return async (host) => {
    const connection = await connect(host);
    const result = await connection.exec(`cat ${shellQuote(file)}`, { become: { enabled: true }, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(result.stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`);
    return result.stdout;
  };
}

export const localKubeconfigFiles: Pick<RefreshPorts, 'readFile' | 'writeFile'> = {
  readFile: (file) =>
    readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    }),
  writeFile: (file, text) => writeFileAtomic(file, text, 0o600),
};

/** The kubeconfig the run's access came from; opened now if the run never needed it (check mode). */
export async function kubeconfigInUse(kube: LazyKube): Promise<{ inUse?: KubeconfigInUse; unknownReason?: string }> {
  try {
    if (!kube.opened()) await kube();
  } catch (err) {
    return { unknownReason: (err instanceof Error ? err.message : String(err)).split('\n')[0]! };
  }
  const info = kube.opened()?.info;
  if (!info) return { unknownReason: 'the cluster access was not opened' };
  return { inUse: { files: info.files.map((f) => path.resolve(f)), user: info.user, source: info.source } };
}

export interface AfterRenewRequest {
  flags: KubeconfigFlags;
  kube: LazyKube;
  specFor(host: string): ConnectionSpec;
  connect(spec: ConnectionSpec): Promise<Connection>;
  hosts: readonly string[];
  before: readonly CertificateRow[];
  after: readonly CertificateRow[];
  adminConfPath: string;
}

export async function refreshAfterRenew(request: AfterRenewRequest, streams: { human: TextOutput; stderr: TextOutput }): Promise<RefreshOutcome> {
  const { flags } = request;
  const check = flags.check === true;
  // Nothing renewed, nothing to refresh or warn about: the cluster access is not opened for it.
  if (replacedAdminCertificates({ before: request.before, after: request.after, check }).size === 0) return { notes: [], warnings: [], stale: [] };
  const known = await kubeconfigInUse(request.kube);
  const refresh: RefreshRequest = {
    inUse: known.inUse,
    ...(known.unknownReason !== undefined ? { unknownReason: known.unknownReason } : {}),
    hosts: request.hosts,
    before: request.before,
    after: request.after,
    copies: knownKubeconfigs(flags),
    refresh: flags.refreshKubeconfig !== false,
    check,
    adminConfPath: request.adminConfPath,
  };
  const ports: RefreshPorts = {
    readAdminConf: remoteFileReader((host) => request.connect(request.specFor(host)), request.adminConfPath),
    ...localKubeconfigFiles,
  };
  const outcome = await refreshKubeconfigs(refresh, ports);
  writeRefreshOutcome(outcome, refresh, streams);
  return outcome;
}

export function writeRefreshOutcome(outcome: RefreshOutcome, request: Pick<RefreshRequest, 'check' | 'adminConfPath'>, streams: { human: TextOutput; stderr: TextOutput }): void {
  for (const note of outcome.notes) streams.human.write(`kubeconfig: ${note}\n`);
  for (const warning of outcome.warnings) streams.stderr.write(`drydock: warning: ${warning}\n`);
  if (outcome.stale.length === 0) return;
  const one = outcome.stale.length === 1;
  const count = one ? '1 kubeconfig user' : `${outcome.stale.length} kubeconfig users`;
  const verb = request.check ? 'would still carry an admin certificate the renewal replaces' : `still ${one ? 'carries' : 'carry'} an admin certificate the renewal replaced`;
  const lines = outcome.stale.map((s) => `  ${s.path}: user ${s.user} (${s.file} of ${s.host}, valid until ${formatExpiry(s.notAfter)})`);
  const source = outcome.refreshed && !request.check ? `${outcome.refreshed.path} (refreshed just now) or ` : '';
  streams.stderr.write(
    [
      `drydock: warning: ${count} ${verb} (it works until the date shown, then access with it fails):`,
      ...lines,
      `  fix: give each of them the client-certificate-data and client-key-data of the renewed credentials, from ${source}${request.adminConfPath} on the control plane (read it there with sudo)`,
      '',
    ].join('\n'),
  );
}

/** --kubeconfig-copy paths must name files, so a typo is not silently "no stale copy". */
export function checkCopyFlags(copies: readonly string[]): void {
  for (const file of copies) {
    try {
      realpathSync(file);
    } catch {
      throw new ConfigError({ file: path.resolve(file), message: 'kubeconfig file not found (from --kubeconfig-copy)' });
    }
  }
}
