/**
 * Which certificates `kubeadm certs renew all` renews, as `certs check` names them, and how a host's set of
 * them stands against a number of days. CAs are not renewed (they last ten years and re-signing them would
 * break every leaf), and the kubelet's client certificate is rotated by the kubelet itself. Pure.
 */
import type { CertificateRow } from './rows.js';

/** The names `certs check` gives kubeadm's renewable certificates (pki-relative paths and kubeconfig names). */
export const KUBEADM_RENEWED: readonly string[] = [
  'admin.conf',
  'apiserver.crt',
  'apiserver-etcd-client.crt',
  'apiserver-kubelet-client.crt',
  'controller-manager.conf',
  'etcd/healthcheck-client.crt',
  'etcd/peer.crt',
  'etcd/server.crt',
  'front-proxy-client.crt',
  'scheduler.conf',
  'super-admin.conf',
];

const RENEWED = new Set(KUBEADM_RENEWED);

export function isKubeadmRenewed(row: Pick<CertificateRow, 'certificate' | 'isCa'>): boolean {
  return !row.isCa && RENEWED.has(row.certificate);
}

/** The kubelet's client certificate row (the path given to --kubelet-cert). */
export function isKubeletClient(row: Pick<CertificateRow, 'certificate' | 'path'>, kubeletCert: string): boolean {
  return row.path === kubeletCert;
}

const DAY_SECONDS = 86_400;

export interface ShortCertificate {
  certificate: string;
  daysLeft: number;
}

/**
 * The renewable certificates with fewer than `minDays` whole days left, soonest first. A renewal for a
 * year leaves 364 days and some hours, so "at least 364" is the test of a fresh one.
 */
export function shortOfDays(rows: readonly CertificateRow[], minDays: number): ShortCertificate[] {
  return rows
    .filter((r) => isKubeadmRenewed(r) && r.residualSeconds < minDays * DAY_SECONDS)
    .sort((a, b) => a.residualSeconds - b.residualSeconds)
    .map((r) => ({ certificate: r.certificate, daysLeft: Math.floor(r.residualSeconds / DAY_SECONDS) }));
}
