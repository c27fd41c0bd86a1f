/**
 * A real control plane for tests: etcd, kube-apiserver and kube-controller-manager, the upstream programs
 * scripts/build-kube.sh builds into /var/cache/drydock (built first when missing, its progress shown), on
 * 127.0.0.1 only, on free ports, with certificates and the kubeconfig written by the real kubeadm into a
 * temporary directory. stop() ends every process it started and removes the directory.
 *
 * What is left out, and why:
 * - no kubelet and no kube-scheduler: tests create pods bound to a node (spec.nodeName) and play the kubelet
 *   themselves through the pods' status subresource (test/contract/node-agent.ts);
 * - the node-lifecycle and taint-eviction controllers are off: nodes without a kubelet never heartbeat, so
 *   they would turn every pod not-Ready after 50 s and evict them after 300 s;
 * - the ServiceAccount admission plugin is off: it refuses pods until the service-account controller has
 *   made the namespace's "default" account, and mounts tokens no kubelet will ever read.
 * A missing program that cannot be built is an error with the build's reason, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeconfig } from '../../src/lab/apiserver/index.js';
import { parse } from '../../src/util/yaml.js';
import { Rest, type Credentials } from '../contract/rest.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const REAL_KUBE_VERSION = '1.36.3';
export const REAL_ETCD_VERSION = '3.6.16';
/** TEST-NET-2 (RFC 5737): never routed, so never mistaken for a real endpoint. */
const ADVERTISED = '198.51.100.1';

export interface RealApiServer extends Credentials {
  version: string;
  kubeconfigPath: string;
  rest: Rest;
  /** Milliseconds: the build check, certificates, etcd, kube-apiserver /readyz, controller-manager working. */
  startup: { binariesMs: number; certsMs: number; etcdMs: number; apiserverMs: number; controllerManagerMs: number; totalMs: number };
  stop(): Promise<void>;
}

interface Binaries {
  kube: string;
  etcd: string;
}

function cacheRoot(): string {
  return process.env.DRYDOCK_KUBE_CACHE ?? '/var/cache/drydock';
}

/** The real kubectl of that version in the cache (startRealApiServer builds it with the rest). */
export function realKubectlPath(version = REAL_KUBE_VERSION): string {
  return join(cacheRoot(), 'kube', `v${version}`, 'kubectl');
}

function binariesPresent(b: Binaries): boolean {
  const kube = ['kube-apiserver', 'kube-controller-manager', 'kubeadm', 'kubectl'].every((p) => existsSync(join(b.kube, p)));
  return kube && existsSync(join(b.kube, '.complete')) && existsSync(join(b.etcd, 'etcd'));
}

/** Runs scripts/build-kube.sh (which waits on the lock of a build already running) when a program is missing. */
async function ensureBinaries(version: string, etcdVersion: string): Promise<Binaries> {
  const b = { kube: join(cacheRoot(), 'kube', `v${version}`), etcd: join(cacheRoot(), 'etcd', `v${etcdVersion}`) };
  if (binariesPresent(b)) return b;
  process.stderr.write(`real-apiserver: Kubernetes v${version} / etcd v${etcdVersion} missing in ${cacheRoot()}; running scripts/build-kube.sh\n`);
  const args = [join(REPO, 'scripts/build-kube.sh'), '--kube', version, '--etcd', etcdVersion];
  const child = spawn('bash', args, { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] });
  let said = '';
  child.stderr!.on('data', (d: Buffer) => {
    process.stderr.write(d);
    said = (said + d.toString()).slice(-2000);
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) {
    const last = said.trim().split('\n').at(-1) ?? '';
    throw new Error(`the real Kubernetes programs are missing in ${cacheRoot()} and scripts/build-kube.sh failed (exit ${code}): ${last}`);
  }
  if (!binariesPresent(b)) throw new Error(`scripts/build-kube.sh succeeded but ${b.kube} or ${b.etcd} is still incomplete`);
  return b;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(binary: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      createWriteStream(logFile).end(output);
      if (code === 0) resolve();
      else reject(new Error(`${binary} ${args.slice(0, 4).join(' ')} exited ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

class Process {
  readonly child: ChildProcess;
  private exited = false;

  constructor(
    readonly name: string,
    binary: string,
    args: string[],
    readonly logFile: string,
  ) {
    const log = createWriteStream(logFile);
    this.child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    this.child.on('exit', () => (this.exited = true));
  }

  get running(): boolean {
    return !this.exited;
  }

  tail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-8).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Waits for `check`, failing at once (with the log's tail) when the process died meanwhile. */
async function ready(proc: Process, what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`${proc.name} exited during start-up; its log (${proc.logFile}) ends:\n${proc.tail()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${proc.name}'s log (${proc.logFile}) ends:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startRealApiServer(options: { version?: string; etcdVersion?: string } = {}): Promise<RealApiServer> {
  const version = options.version ?? REAL_KUBE_VERSION;
  const t0 = Date.now();
  const bin = await ensureBinaries(version, options.etcdVersion ?? REAL_ETCD_VERSION);
  const t1 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'drydock-real-apiserver-'));
  const procs: Process[] = [];
  const stop = async (): Promise<void> => {
    for (const p of procs.reverse()) await p.stop();
    procs.length = 0;
    await rm(dir, { recursive: true, force: true });
  };
  const onExit = (): void => procs.forEach((p) => p.running && p.child.kill('SIGKILL'));
  process.once('exit', onExit);
  try {
    const [etcdClient, etcdPeer, apiPort, kcmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const pki = join(dir, 'pki');
    const kubeadm = join(bin.kube, 'kubeadm');
    // kubeadm will not advertise a loopback address (it then looks for a host interface, and may find none),
    // so it advertises a documentation address nobody dials; the certificate also names 127.0.0.1, the
    // only address anything here listens on or connects to.
    const common = ['--apiserver-advertise-address', ADVERTISED, '--kubernetes-version', `v${version}`];
    await run(kubeadm, ['init', 'phase', 'certs', 'all', '--cert-dir', pki, '--apiserver-cert-extra-sans', '127.0.0.1,localhost', ...common], join(dir, 'kubeadm-certs.log'));
    // super-admin.conf: O=system:masters, which needs no RBAC binding (admin.conf's group needs kubeadm's).
    await run(kubeadm, ['init', 'phase', 'kubeconfig', 'super-admin', '--cert-dir', pki, '--kubeconfig-dir', dir, '--apiserver-bind-port', String(apiPort), ...common], join(dir, 'kubeadm-kubeconfig.log'));
    const superAdmin = join(dir, 'super-admin.conf');
    const user = (parse(readFileSync(superAdmin, 'utf8')) as any).users[0].user;
    const creds: Credentials = {
      server: `https://127.0.0.1:${apiPort}`,
      caPem: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      clientCertPem: Buffer.from(user['client-certificate-data'], 'base64').toString('utf8'),
      clientKeyPem: Buffer.from(user['client-key-data'], 'base64').toString('utf8'),
    };
    const t2 = Date.now();

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = new Process('etcd', join(bin.etcd, 'etcd'), [
      '--name', 'contract', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `contract=${peerUrl}`, '--unsafe-no-fsync', '--log-level', 'warn',
    ], join(dir, 'etcd.log'));
    procs.push(etcd);
    await ready(etcd, 'etcd /health', 30_000, async () => (await fetch(`${etcdUrl}/health`)).ok);
    const t3 = Date.now();

    const apiserver = new Process('kube-apiserver', join(bin.kube, 'kube-apiserver'), [
      '--advertise-address=127.0.0.1', '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--etcd-servers=${etcdUrl}`,
      `--client-ca-file=${pki}/ca.crt`, `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12', '--authorization-mode=Node,RBAC',
      '--disable-admission-plugins=ServiceAccount',
      // The built-in "kubernetes" Service's endpoints may not be a loopback address.
      '--endpoint-reconciler-type=none', '--profiling=false',
    ], join(dir, 'kube-apiserver.log'));
    procs.push(apiserver);
    const rest = new Rest(creds);
    await ready(apiserver, 'kube-apiserver /readyz', 120_000, async () => (await rest.request('GET', '/readyz')).status === 200);
    const t4 = Date.now();

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, creds.server, creds.caPem, { clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem });
    const kcm = new Process('kube-controller-manager', join(bin.kube, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, '--leader-elect=false',
      '--controllers=*,-node-lifecycle-controller,-taint-eviction-controller',
      `--root-ca-file=${pki}/ca.crt`, `--service-account-private-key-file=${pki}/sa.key`,
      '--use-service-account-credentials=false',
    ], join(dir, 'kube-controller-manager.log'));
    procs.push(kcm);
    // Working, not just listening: the service-account controller has filled the default namespace.
    await ready(kcm, 'kube-controller-manager to create default/default ServiceAccount', 120_000, async () =>
      Boolean(await rest.get('/api/v1/namespaces/default/serviceaccounts/default')),
    );
    const t5 = Date.now();
    const version_ = (await rest.get('/version')).gitVersion as string;
    return {
      ...creds,
      version: version_,
      kubeconfigPath,
      rest,
      startup: { binariesMs: t1 - t0, certsMs: t2 - t1, etcdMs: t3 - t2, apiserverMs: t4 - t3, controllerManagerMs: t5 - t4, totalMs: t5 - t1 },
      async stop() {
        process.removeListener('exit', onExit);
        await stop();
      },
    };
  } catch (err) {
    process.removeListener('exit', onExit);
    await stop();
    throw err;
  }
}
