/**
 * Real certificates for the certs tests, made with the openssl command line: a CA and leaves it signs,
 * each valid a given number of days from now. Small EC keys keep it fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A config without the system's defaults, so a leaf gets exactly the extensions asked for. */
function minimalConfig(dir: string): string {
  const file = join(dir, '.openssl-test.cnf');
  writeFileSync(file, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n');
  return file;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes `<name>.crt` and `<name>.key` under `dir` (subfolders made as needed); returns the PEM text. */
export function makeCa(dir: string, name: string, cn: string, days: number): string {
  const crt = join(dir, `${name}.crt`);
  mkdirSync(dirname(crt), { recursive: true });
  execFileSync('openssl', [
    'req', '-x509', '-config', minimalConfig(dir), ...KEY_ARGS, '-keyout', join(dir, `${name}.key`), '-out', crt,
    '-days', String(days), '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { stdio: 'pipe' });
  return readFileSync(crt, 'utf8');
}

/** A leaf signed by the CA `ca` (as made by makeCa in the same `dir`). */
export function makeLeaf(dir: string, name: string, cn: string, ca: string, days: number): string {
  const crt = join(dir, `${name}.crt`);
  mkdirSync(dirname(crt), { recursive: true });
  execFileSync('openssl', [
    'req', '-x509', '-config', minimalConfig(dir), ...KEY_ARGS, '-keyout', join(dir, `${name}.key`), '-out', crt,
    '-days', String(days), '-subj', `/O=system:masters/CN=${cn}`,
    '-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`),
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth',
  ], { stdio: 'pipe' });
  return readFileSync(crt, 'utf8');
}

/** A kubeconfig as kubeadm writes one, with the leaf's PEM embedded as client-certificate-data. */
export function kubeconfigWith(userName: string, certPem: string, caPem: string): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(caPem)}`,
    '    server: https://127.0.0.1:6443',
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    `    user: ${userName}`,
    `  name: ${userName}@kubernetes`,
    `current-context: ${userName}@kubernetes`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${userName}`,
    '  user:',
    `    client-certificate-data: ${b64(certPem)}`,
    '    client-key-data: c2VjcmV0',
    '',
  ].join('\n');
}
