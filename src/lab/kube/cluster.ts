/**
 * Making a lab's real cluster, once, after its hosts have booted and installed the starting release:
 * `kubeadm init` on the first control plane, `kubeadm join --control-plane` on the others (one at a time,
 * as etcd members must be added), `kubeadm join` on the workers (TLS bootstrap approved by the real
 * controller-manager), then the admin kubeconfig copied to the controller and the seed workload applied
 * with the real kubectl. Each step is skipped where kubeadm's own files show it done, so a later `up`, or
 * one after a failure, carries on. Everything runs over the lab's strict-host-key SSH.
 */
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { sshTargetFor } from '../readiness.js';
import { sshRun } from '../sshcmd.js';
import type { HostRecord, LabRecord } from '../state.js';
import { run } from '../sys.js';
import { kubeBinary } from './binaries.js';
import { BOOTSTRAPPED_MARKER } from './files.js';
import { initConfiguration, joinConfiguration, type ClusterInput } from './kubeadm-config.js';
import { labSeed } from './seed.js';
import { API_SERVER_PORT, DEFAULT_CERT_DAYS, type KubeLabSettings } from './settings.js';
import { releaseInfo } from './versions.js';

const CONFIG_DIR = '/etc/kubernetes/drydock-lab';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(text: string, lines = 25): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function onHost(record: LabRecord, host: HostRecord, command: string, timeoutMs = 60000): Promise<string> {
  const result = await sshRun(sshTargetFor(record, host), command, timeoutMs);
  if (result.code !== 0) {
    throw new ConfigError(`host ${host.name}: "${command.split('\n')[0]}" exited ${result.code}:\n${tail(`${result.stdout}\n${result.stderr}`)}`);
  }
  return result.stdout;
}

/** A file written on the host through a quoted here-document (the text holds no such terminator). */
function writeCommand(path: string, text: string): string {
  return `umask 077 && mkdir -p ${CONFIG_DIR} && cat > ${path} <<'DRYDOCK_EOF'\n${text}DRYDOCK_EOF`;
}

function upperFile(host: HostRecord, path: string): string {
  return join(host.paths.upper, path.replace(/^\//, ''));
}

/** A bootstrap token as kubeadm makes them: `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function newBootstrapToken(bytes: Buffer = randomBytes(22)): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 6)}.${chars.slice(6, 22)}`;
}

/** kubeadm's discovery hash: sha256 of the CA certificate's SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

async function waitForBootstrap(record: LabRecord, host: HostRecord, timeoutMs = 180000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await sshRun(sshTargetFor(record, host), `test -f ${BOOTSTRAPPED_MARKER} && echo done || systemctl is-failed drydock-kube-bootstrap.service`, 15000);
    if (result.stdout.trim() === 'done') return;
    if (result.stdout.trim() === 'failed') break;
    await sleep(1000);
  }
  const journal = await sshRun(sshTargetFor(record, host), 'journalctl -u drydock-kube-bootstrap.service --no-pager -n 20', 15000);
  throw new ConfigError(`host ${host.name}: installing the starting Kubernetes packages did not finish:\n${tail(journal.stdout)}`);
}

export interface ClusterResult {
  initialized: boolean;
  joined: string[];
  seconds: number;
}

export async function ensureCluster(record: LabRecord, kube: KubeLabSettings, log: (line: string) => void): Promise<ClusterResult> {
  const started = Date.now();
  const controlPlanes = record.hosts.filter((h) => h.role === 'control_plane');
  const workers = record.hosts.filter((h) => h.role === 'worker');
  const first = controlPlanes[0];
  if (!first) throw new ConfigError("the lab's cluster needs at least one control plane");
  const release = releaseInfo(kube.version);
  const endpoint = `${record.bridgeAddress}:${API_SERVER_PORT}`;
  const cluster: ClusterInput = { version: release.version, endpoint, etcdImageTag: release.etcdImageTag, certDays: kube.certDays };
  await Promise.all(record.hosts.map((h) => waitForBootstrap(record, h)));

  const token = newBootstrapToken();
  const certificateKey = randomBytes(32).toString('hex');
  let initialized = false;
  if (!existsSync(upperFile(first, '/etc/kubernetes/admin.conf'))) {
    log(`kubeadm init on ${first.name} (Kubernetes ${release.tag})`);
    const file = `${CONFIG_DIR}/init.yaml`;
    await onHost(record, first, writeCommand(file, initConfiguration(first, cluster, token, certificateKey)));
    await onHost(record, first, `kubeadm init --config ${file} --upload-certs`, 300000);
    initialized = true;
  }
  const pending = [...controlPlanes.slice(1), ...workers].filter((h) => !existsSync(upperFile(h, '/etc/kubernetes/kubelet.conf')));
  const joined: string[] = [];
  if (pending.length > 0) {
    if (!initialized) {
      await onHost(record, first, `kubeadm token create ${token} --ttl 2h`);
    }
    const caHash = caCertHash(readFileSync(upperFile(first, '/etc/kubernetes/pki/ca.crt'), 'utf8'));
    if (!initialized && pending.some((h) => h.role === 'control_plane')) {
      await onHost(record, first, `kubeadm init phase upload-certs --upload-certs --certificate-key ${certificateKey}`, 120000);
    }
    // Control planes one at a time (each adds an etcd member); then the workers.
    for (const host of pending) {
      const asControlPlane = host.role === 'control_plane';
      log(`kubeadm join${asControlPlane ? ' --control-plane' : ''} on ${host.name}`);
      const file = `${CONFIG_DIR}/join.yaml`;
      const config = joinConfiguration(host, { endpoint, token, caCertHash: caHash, certificateKey: asControlPlane ? certificateKey : undefined });
      await onHost(record, host, writeCommand(file, config));
      await onHost(record, host, `kubeadm join --config ${file}`, 300000);
      joined.push(host.name);
    }
  }
  await writeFile(kube.kubeconfig, readFileSync(upperFile(first, '/etc/kubernetes/admin.conf')), { mode: 0o600 });
  await chmod(kube.kubeconfig, 0o600);
  if (initialized && kube.certDays !== DEFAULT_CERT_DAYS) await restoreDefaultValidity(kube, release.version);
  await applySeed(kube, release.version, log);
  return { initialized, joined, seconds: (Date.now() - started) / 1000 };
}

/**
 * `--cert-days` makes the certificates of a cluster set up long ago: issued short by `kubeadm init`/`join`, but
 * renewed for kubeadm's default year, as the stored ClusterConfiguration of such a cluster says.
 */
async function restoreDefaultValidity(kube: KubeLabSettings, version: string): Promise<void> {
  const kubectl = kubeBinary(version, 'kubectl');
  const args = ['--kubeconfig', kube.kubeconfig, '-n', 'kube-system'];
  const got = await run(kubectl, [...args, 'get', 'configmap', 'kubeadm-config', '-o', 'jsonpath={.data.ClusterConfiguration}'], { timeoutMs: 30000 });
  if (got.code !== 0) throw new ConfigError(`reading kubeadm-config failed: ${got.stderr.trim()}`);
  const text = got.stdout.replace(/^certificateValidityPeriod: .*$/m, `certificateValidityPeriod: ${DEFAULT_CERT_DAYS * 24}h0m0s`);
  const patched = await run(kubectl, [...args, 'patch', 'configmap', 'kubeadm-config', '--type', 'merge', '-p', JSON.stringify({ data: { ClusterConfiguration: text } })], { timeoutMs: 30000 });
  if (patched.code !== 0) throw new ConfigError(`updating kubeadm-config failed: ${patched.stderr.trim()}`);
}

/** The seed workload, applied once with the real kubectl of the starting release. */
async function applySeed(kube: KubeLabSettings, version: string, log: (line: string) => void): Promise<void> {
  const marker = `${kube.seedFile}.applied`;
  if (existsSync(marker)) return;
  await writeFile(kube.seedFile, labSeed());
  const kubectl = kubeBinary(version, 'kubectl');
  let last = '';
  for (let attempt = 0; attempt < 30; attempt++) {
    const result = await run(kubectl, ['--kubeconfig', kube.kubeconfig, 'apply', '--server-side', '-f', kube.seedFile], { timeoutMs: 60000 });
    if (result.code === 0) {
      await writeFile(marker, `${new Date().toISOString()}\n`);
      log('applied the seed workload');
      return;
    }
    last = result.stderr || result.stdout;
    await sleep(2000);
  }
  throw new ConfigError(`applying the lab's seed workload failed:\n${tail(last)}`);
}
