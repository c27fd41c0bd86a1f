/**
 * Fixtures for the admin.conf refresh tests: a cluster CA, admin.conf certificates of two control planes
 * before and after a renewal (same subject, new serials), a user of another name signed by the same CA and
 * one with admin.conf's subject signed by another CA; and kubeconfig texts with several users and contexts.
 */
import { makeCa, makeLeaf } from './openssl-certs.js';

export interface AdminFixture {
  caPem: string;
  oldCp1: string;
  oldCp2: string;
  newCp1: string;
  newCp2: string;
  superOld: string;
  alice: string;
  forged: string;
}

export function makeAdminFixture(dir: string): AdminFixture {
  const caPem = makeCa(dir, 'ca', 'kubernetes', 3650);
  makeCa(dir, 'other-ca', 'kubernetes', 3650);
  const leaf = (name: string, cn: string, ca = 'ca') => makeLeaf(dir, name, cn, ca, 365);
  return {
    caPem,
    oldCp1: leaf('old-cp1', 'kubernetes-admin'),
    oldCp2: leaf('old-cp2', 'kubernetes-admin'),
    newCp1: leaf('new-cp1', 'kubernetes-admin'),
    newCp2: leaf('new-cp2', 'kubernetes-admin'),
    superOld: leaf('super-old', 'kubernetes-super-admin'),
    alice: leaf('alice', 'alice'),
    forged: leaf('forged', 'kubernetes-admin', 'other-ca'),
  };
}

export const b64 = (text: string): string => Buffer.from(text).toString('base64');

export interface KubeconfigUser {
  name: string;
  certPem: string;
  /** Stands for the key: any text, base64-encoded into client-key-data. */
  key: string;
}

/** A kubeconfig with one cluster per entry of `clusters`, the users given, one context per user (`<user>@<cluster>`). */
export function kubeconfigText(options: { caPem: string; users: KubeconfigUser[]; current: string; comment?: string }): string {
  const lines = ['apiVersion: v1', ...(options.comment ? [`# ${options.comment}`] : []), 'clusters:', '- cluster:', `    certificate-authority-data: ${b64(options.caPem)}`, '    server: https://10.0.0.10:6443', '  name: kubernetes', 'contexts:'];
  for (const user of options.users) lines.push('- context:', '    cluster: kubernetes', `    user: ${user.name}`, `  name: ${user.name}@kubernetes`);
  lines.push(`current-context: ${options.current}`, 'kind: Config', 'preferences: {}', 'users:');
  for (const user of options.users) {
    lines.push(`- name: ${user.name}`, '  user:', `    client-certificate-data: ${b64(user.certPem)}`, `    client-key-data: ${b64(user.key)}`);
  }
  return `${lines.join('\n')}\n`;
}

export const adminConf = (caPem: string, certPem: string, key: string): string =>
  kubeconfigText({ caPem, users: [{ name: 'kubernetes-admin', certPem, key }], current: 'kubernetes-admin@kubernetes' });

