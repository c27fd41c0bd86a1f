/**
 * What `drydock certs renew` shows before it asks: the hosts, one at a time, the steps on each, and where
 * every host's certificates stand now (the soonest renewable one, and how many are under the warning
 * threshold). The kubelet's client certificate is listed apart: kubeadm does not renew it. Pure.
 */
import { formatExpiry } from './render.js';
import { isKubeadmRenewed, isKubeletClient } from '../pki/renewable.js';
import { formatResidual, type CertificateRow } from '../pki/rows.js';

export const BACKUP_ROOT = '/etc/kubernetes/drydock-backup';
export const STATIC_POD_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'] as const;

export interface RenewPlanInput {
  hosts: readonly string[];
  rows: readonly CertificateRow[];
  warnDays: number;
  kubeletCert: string;
  /** false with --no-refresh-kubeconfig. */
  refreshKubeconfig?: boolean;
}

export function renewSummary(input: RenewPlanInput): string {
  const lines = [
    `drydock certs renew: on ${input.hosts.join(', ')}, one control plane at a time:`,
    `  back up /etc/kubernetes/pki and the kubeconfigs to ${BACKUP_ROOT}/<UTC time>/, run "kubeadm certs renew all",`,
    `  restart ${STATIC_POD_COMPONENTS.join(', ')} (each manifest moved out, then back, waiting until the pod is Ready),`,
    '  verify that the renewed certificates are valid for a year; the first failure stops the run.',
    input.refreshKubeconfig === false
      ? 'then name the kubeconfig copies here that still hold the old admin.conf certificate (the one drydock uses is left as it is).'
      : 'then put the renewed admin.conf credentials into the kubeconfig drydock uses, if it is a copy of admin.conf, and name the other copies.',
    'currently:',
  ];
  for (const host of input.hosts) lines.push(`  ${host}: ${hostStanding(input.rows.filter((r) => r.host === host && isKubeadmRenewed(r)), input.warnDays)}`);
  const kubelet = input.rows.filter((r) => isKubeletClient(r, input.kubeletCert));
  if (kubelet.length > 0) {
    const each = kubelet.map((r) => `${r.host} ${formatResidual(r.residualSeconds)}`).join(', ');
    lines.push(`not renewed by kubeadm: the kubelet client certificate (${input.kubeletCert}; ${each}); the kubelet rotates it itself (rotateCertificates)`);
  }
  return `${lines.join('\n')}\n`;
}

function hostStanding(rows: readonly CertificateRow[], warnDays: number): string {
  if (rows.length === 0) return 'no kubeadm certificates found';
  const soonest = rows.reduce((a, b) => (b.residualSeconds < a.residualSeconds ? b : a));
  const when = soonest.residualSeconds < 0 ? `expired ${formatExpiry(soonest.notAfter)}` : `expires in ${formatResidual(soonest.residualSeconds)} (${formatExpiry(soonest.notAfter)})`;
  const flagged = rows.filter((r) => r.status !== 'ok').length;
  const count = flagged === 0 ? `none under ${warnDays} days` : `${flagged} of ${rows.length} expired or under ${warnDays} days`;
  return `${soonest.certificate} ${when}, the soonest; ${count}`;
}
