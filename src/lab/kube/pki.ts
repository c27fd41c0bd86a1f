/**
 * The cluster's X.509 material, laid out as kubeadm lays it out: three CAs (kubernetes, etcd, front-proxy)
 * kept on the controller, and per host the leaf certificates kubeadm would have issued. `certPlan` is pure
 * (what to issue, signed by which CA, for how long); `issueCertificate` runs openssl.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../errors.js';
import type { HostRole } from '../layout.js';

const execFileAsync = promisify(execFile);

export type CaName = 'ca' | 'etcd-ca' | 'front-proxy-ca';

/** Where each CA lives, relative to /etc/kubernetes/pki (and to the lab's own pki folder). */
export const CA_FILES: Record<CaName, { crt: string; key: string; cn: string }> = {
  ca: { crt: 'ca.crt', key: 'ca.key', cn: 'kubernetes' },
  'etcd-ca': { crt: 'etcd/ca.crt', key: 'etcd/ca.key', cn: 'etcd-ca' },
  'front-proxy-ca': { crt: 'front-proxy-ca.crt', key: 'front-proxy-ca.key', cn: 'front-proxy-ca' },
};
export const CA_DAYS = 3650;

export interface CertSpec {
  /** kubeadm's name for it, as `kubeadm certs check-expiration` lists it. */
  id: string;
  ca: CaName;
  /** Subject in openssl's `/O=…/CN=…` form. */
  subject: string;
  usage: 'server' | 'client' | 'server-client';
  sans: string[];
  days: number;
  /**
   * Where it goes: `pki:<path>` for a crt/key pair under /etc/kubernetes/pki, `kubeconfig:<file>` for a client
   * cert embedded in /etc/kubernetes/<file>, `kubelet` for /var/lib/kubelet/pki/kubelet-client-current.pem.
   */
  target: string;
}

export interface PlanHost {
  name: string;
  role: HostRole;
  address: string;
}

export interface CertPlanInput {
  host: PlanHost;
  /** The first control plane gets super-admin.conf (kubeadm init's node, v1.29+). */
  initNode: boolean;
  /** Minor of the starting version, e.g. 28: from 1.29 admin.conf is in kubeadm:cluster-admins. */
  minor: number;
  apiEndpointAddress: string;
  certDays: number;
}

export const SERVICE_CLUSTER_IP = '10.96.0.1';

/** The certificates kubeadm issues for one host. Workers get only their kubelet's client certificate. */
export function certPlan(input: CertPlanInput): CertSpec[] {
  const { host, certDays: days } = input;
  const kubelet: CertSpec = {
    id: 'kubelet-client', ca: 'ca', subject: `/O=system:nodes/CN=system:node:${host.name}`, usage: 'client', sans: [], days, target: 'kubelet',
  };
  if (host.role !== 'control_plane') return [kubelet];
  const adminGroup = input.minor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters';
  const apiserverSans = [
    `DNS:${host.name}`, 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
    `IP:${SERVICE_CLUSTER_IP}`, `IP:${host.address}`, `IP:${input.apiEndpointAddress}`,
  ];
  const etcdSans = [`DNS:${host.name}`, 'DNS:localhost', `IP:${host.address}`, 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'];
  const plan: CertSpec[] = [
    { id: 'apiserver', ca: 'ca', subject: '/CN=kube-apiserver', usage: 'server', sans: apiserverSans, days, target: 'pki:apiserver' },
    { id: 'apiserver-kubelet-client', ca: 'ca', subject: `/O=${adminGroup}/CN=kube-apiserver-kubelet-client`, usage: 'client', sans: [], days, target: 'pki:apiserver-kubelet-client' },
    { id: 'apiserver-etcd-client', ca: 'etcd-ca', subject: '/CN=kube-apiserver-etcd-client', usage: 'client', sans: [], days, target: 'pki:apiserver-etcd-client' },
    { id: 'front-proxy-client', ca: 'front-proxy-ca', subject: '/CN=front-proxy-client', usage: 'client', sans: [], days, target: 'pki:front-proxy-client' },
    { id: 'etcd-server', ca: 'etcd-ca', subject: `/CN=${host.name}`, usage: 'server-client', sans: etcdSans, days, target: 'pki:etcd/server' },
    { id: 'etcd-peer', ca: 'etcd-ca', subject: `/CN=${host.name}`, usage: 'server-client', sans: etcdSans, days, target: 'pki:etcd/peer' },
    { id: 'etcd-healthcheck-client', ca: 'etcd-ca', subject: '/CN=kube-etcd-healthcheck-client', usage: 'client', sans: [], days, target: 'pki:etcd/healthcheck-client' },
    { id: 'admin.conf', ca: 'ca', subject: `/O=${adminGroup}/CN=kubernetes-admin`, usage: 'client', sans: [], days, target: 'kubeconfig:admin.conf' },
    { id: 'controller-manager.conf', ca: 'ca', subject: '/CN=system:kube-controller-manager', usage: 'client', sans: [], days, target: 'kubeconfig:controller-manager.conf' },
    { id: 'scheduler.conf', ca: 'ca', subject: '/CN=system:kube-scheduler', usage: 'client', sans: [], days, target: 'kubeconfig:scheduler.conf' },
    kubelet,
  ];
  if (input.initNode && input.minor >= 29) {
    plan.push({ id: 'super-admin.conf', ca: 'ca', subject: '/O=system:masters/CN=kubernetes-super-admin', usage: 'client', sans: [], days, target: 'kubeconfig:super-admin.conf' });
  }
  return plan;
}

/** The openssl extension section for a leaf certificate. */
export function leafExtensions(spec: Pick<CertSpec, 'usage' | 'sans'>): string {
  const eku = { server: 'serverAuth', client: 'clientAuth', 'server-client': 'serverAuth,clientAuth' }[spec.usage];
  const lines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`, 'authorityKeyIdentifier=keyid'];
  if (spec.sans.length) lines.push(`subjectAltName=${spec.sans.join(',')}`);
  return `${lines.join('\n')}\n`;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (err) {
    throw new ConfigError(`openssl ${args[0]} failed: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`);
  }
}

/** Creates the three CAs and the service-account key pair in `dir` unless they exist. */
export async function ensureClusterCas(dir: string): Promise<void> {
  await mkdir(join(dir, 'etcd'), { recursive: true, mode: 0o700 });
  for (const ca of Object.values(CA_FILES)) {
    if (existsSync(join(dir, ca.crt))) continue;
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca.key, '-out', ca.crt, '-days', String(CA_DAYS), '-sha256',
      '-subj', `/CN=${ca.cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign'], dir);
  }
  if (!existsSync(join(dir, 'sa.key'))) {
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
    await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  }
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

/** Issues one leaf certificate from the CA in `caDir`, with a fresh RSA key. */
export async function issueCertificate(caDir: string, spec: CertSpec): Promise<IssuedCert> {
  const work = await mkdtemp(join(tmpdir(), 'drydock-lab-cert-'));
  try {
    const ca = CA_FILES[spec.ca];
    await writeFile(join(work, 'ext'), leafExtensions(spec));
    await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', spec.subject], work);
    const serial = `0x${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
    await openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', join(caDir, ca.crt), '-CAkey', join(caDir, ca.key), '-set_serial', serial,
      '-days', String(spec.days), '-sha256', '-extfile', 'ext', '-out', 'leaf.crt'], work);
    return { certPem: await readFile(join(work, 'leaf.crt'), 'utf8'), keyPem: await readFile(join(work, 'leaf.key'), 'utf8') };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
