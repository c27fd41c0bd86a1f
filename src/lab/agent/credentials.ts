/**
 * The node agent's client certificate, as the kubelet keeps it: TLS bootstrap from
 * bootstrap-kubelet.conf (a CSR for `system:node:<name>` signed by kubernetes.io/kube-apiserver-client-kubelet
 * and approved by the controller-manager), the pair stored as /var/lib/kubelet/pki/kubelet-client-<time>.pem
 * behind the `kubelet-client-current.pem` link, kubelet.conf pointing at that link, and rotation when 80% of
 * the certificate's life has passed (the kubelet picks 70–90%).
 */
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api, readKubeconfig, type Credentials } from './api.js';

export const PKI_DIR = '/var/lib/kubelet/pki';
export const CURRENT_PEM = join(PKI_DIR, 'kubelet-client-current.pem');
const SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

export interface CredentialPaths {
  kubeconfig: string;
  bootstrapKubeconfig: string;
}

function kubeconfigText(server: string, caPem: string, node: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    `    server: ${server}`,
    '  name: default-cluster',
    'contexts:',
    '- context:',
    '    cluster: default-cluster',
    '    namespace: default',
    '    user: default-auth',
    '  name: default-context',
    'current-context: default-context',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: default-auth',
    '  user:',
    `    client-certificate: ${CURRENT_PEM}`,
    `    client-key: ${CURRENT_PEM}`,
    `# node ${node}`,
    '',
  ].join('\n');
}

/** Writes a new pair file and moves the current link to it (the kubelet's file store). */
function storePair(certPem: string, keyPem: string): void {
  mkdirSync(PKI_DIR, { recursive: true, mode: 0o755 });
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[T:]/g, '-');
  const file = join(PKI_DIR, `kubelet-client-${stamp}.pem`);
  writeFileSync(file, `${certPem.trim()}\n${keyPem.trim()}\n`, { mode: 0o600 });
  const link = `${CURRENT_PEM}.${process.pid}`;
  rmSync(link, { force: true });
  symlinkSync(file, link);
  renameSync(link, CURRENT_PEM);
}

function writeKubeconfig(path: string, server: string, caPem: string, node: string): void {
  const temp = `${path}.${process.pid}`;
  writeFileSync(temp, kubeconfigText(server, caPem, node), { mode: 0o600 });
  renameSync(temp, path);
}

/** A CSR for the node's identity, made with openssl (Node has no CSR writer); an ECDSA P-256 key as the kubelet uses. */
function makeCsr(node: string): { csrPem: string; keyPem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const keyFile = join(PKI_DIR, `.csr-key-${process.pid}.pem`);
  mkdirSync(PKI_DIR, { recursive: true, mode: 0o755 });
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  try {
    const csrPem = execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', `/O=system:nodes/CN=system:node:${node}`], { encoding: 'utf8' });
    return { csrPem, keyPem };
  } finally {
    rmSync(keyFile, { force: true });
  }
}

interface Csr {
  metadata: { name: string };
  status?: { certificate?: string; conditions?: Array<{ type: string; message?: string }> };
}

/** Sends a CSR with the given credentials and waits for the signed certificate. */
async function requestCertificate(api: Api, node: string, log: (line: string) => void, timeoutMs = 300000): Promise<{ certPem: string; keyPem: string }> {
  const { csrPem, keyPem } = makeCsr(node);
  const name = `node-csr-${randomBytes(6).toString('hex')}`;
  await api.post('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(csrPem).toString('base64'), signerName: SIGNER, usages: ['digital signature', 'client auth'] },
  });
  log(`certificate signing request ${name} sent; waiting for approval and signing`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const csr = await api.get<Csr>(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`).catch(() => null);
    const denied = csr?.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (denied) throw new Error(`certificate signing request ${name} ${denied.type.toLowerCase()}: ${denied.message ?? ''}`);
    if (csr?.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem };
  }
  throw new Error(`certificate signing request ${name} was not signed within ${timeoutMs / 1000} s`);
}

/**
 * The credentials to run with: kubelet.conf when it holds a usable certificate (an embedded one, as
 * `kubeadm init` writes, is moved into the store first, as the kubelet's certificate manager does), else
 * TLS bootstrap through bootstrap-kubelet.conf. Throws when neither file exists (the kubelet exits then).
 */
export async function loadCredentials(paths: CredentialPaths, node: string, log: (line: string) => void): Promise<Credentials> {
  if (existsSync(paths.kubeconfig)) {
    const current = readKubeconfig(paths.kubeconfig);
    if (current.cert && current.key && !expired(current.cert)) {
      if (!current.certFile) {
        storePair(current.cert, current.key);
        log(`stored the client certificate of ${paths.kubeconfig} as ${CURRENT_PEM}`);
      }
      return current;
    }
    log(`${paths.kubeconfig} holds no usable client certificate`);
  }
  if (!existsSync(paths.bootstrapKubeconfig)) {
    throw new Error(`unable to load bootstrap kubeconfig: stat ${paths.bootstrapKubeconfig}: no such file or directory`);
  }
  const boot = readKubeconfig(paths.bootstrapKubeconfig);
  log(`TLS bootstrap through ${paths.bootstrapKubeconfig}`);
  const pair = await requestCertificate(new Api(boot), node, log);
  storePair(pair.certPem, pair.keyPem);
  writeKubeconfig(paths.kubeconfig, boot.server, boot.ca, node);
  log(`client certificate stored; wrote ${paths.kubeconfig}`);
  return readKubeconfig(paths.kubeconfig);
}

function expired(certPem: string, now = Date.now()): boolean {
  try {
    return new Date(new X509Certificate(certPem).validTo).getTime() <= now;
  } catch {
    return true;
  }
}

/** Whether the certificate has lived past `fraction` of its validity. */
export function rotationDue(certPem: string, now = Date.now(), fraction = 0.8): boolean {
  const cert = new X509Certificate(certPem);
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  return now >= from + (to - from) * fraction;
}

/** Rotates the client certificate with the current one (self-node-client approval), when due. */
export async function rotateIfDue(api: Api, paths: CredentialPaths, node: string, log: (line: string) => void): Promise<Credentials | null> {
  const current = readKubeconfig(paths.kubeconfig);
  if (!current.cert || !rotationDue(current.cert)) return null;
  log('client certificate past 80% of its life: rotating');
  const pair = await requestCertificate(api, node, log);
  storePair(pair.certPem, pair.keyPem);
  if (!current.certFile) writeKubeconfig(paths.kubeconfig, current.server, current.ca, node);
  return readKubeconfig(paths.kubeconfig);
}
