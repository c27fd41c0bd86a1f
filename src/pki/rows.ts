/**
 * From the files one host sent to table rows: each certificate in a PEM file or bundle and each client
 * certificate embedded in a kubeconfig becomes a row with its expiry judged against the warning threshold.
 * Files that hold no readable certificate become problems of that host. Pure.
 */
import { extractClientCertificates } from './kubeconfig.js';
import { parseCertificate, splitPemCertificates, type CertificateFacts } from './pem.js';
import { displayName, type CertificateLocations, type RemoteFile } from './remote.js';

export type CertificateStatus = 'ok' | 'warning' | 'expired';

export interface CertificateRow {
  host: string;
  /** The pki-relative path, the kubeconfig's name, or the kubelet certificate's path. */
  certificate: string;
  path: string;
  subject: string;
  signingCa: string;
  isCa: boolean;
  notAfter: Date;
  /** Upper-case hex, as pem.ts reads it: tells a renewed certificate from the one before it. */
  serial: string;
  /** Whole seconds left (negative once expired). */
  residualSeconds: number;
  status: CertificateStatus;
}

export interface HostCertificates {
  rows: CertificateRow[];
  /** `path: reason` for files that hold no certificate we could read. */
  problems: string[];
}

const DAY_SECONDS = 86_400;

/** Expired once notAfter has passed; a warning when fewer than `warnDays` days are left. */
export function certificateStatus(residualSeconds: number, warnDays: number): CertificateStatus {
  if (residualSeconds < 0) return 'expired';
  return residualSeconds < warnDays * DAY_SECONDS ? 'warning' : 'ok';
}

/**
 * kubeadm's RESIDUAL TIME (apimachinery's ShortHumanDuration): `<invalid>` once expired, then the largest
 * whole unit of s, m, h, d (under a year) or y: 364d, 9d, 23h, 1y.
 */
export function formatResidual(residualSeconds: number): string {
  const s = Math.trunc(residualSeconds);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 60) return `${s}s`;
  const minutes = Math.trunc(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(s / 3600);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

export function hostCertificates(host: string, files: RemoteFile[], locations: CertificateLocations, now: Date, warnDays: number): HostCertificates {
  const rows: CertificateRow[] = [];
  const problems: string[] = [];
  const addRow = (name: string, path: string, facts: CertificateFacts): void => {
    const residualSeconds = Math.floor((facts.notAfter.getTime() - now.getTime()) / 1000);
    rows.push({
      host, certificate: name, path, subject: facts.subjectCn, signingCa: facts.issuerCn, isCa: facts.isCa,
      notAfter: facts.notAfter, serial: facts.serial, residualSeconds, status: certificateStatus(residualSeconds, warnDays),
    });
  };
  for (const file of files) {
    const name = displayName(file, locations);
    if (file.kind === 'kubeconfig') {
      let embedded;
      try {
        embedded = extractClientCertificates(file.content.toString('utf8'));
      } catch (err) {
        problems.push(`${file.path}: ${(err as Error).message}`);
        continue;
      }
      const several = embedded.certificates.length > 1;
      for (const { user, pem } of embedded.certificates) {
        const label = several ? `${name} (${user})` : name;
        readPem(pem, `${file.path} (user ${user})`, problems, (facts) => addRow(label, file.path, facts), true);
      }
      continue;
    }
    readPem(file.content.toString('utf8'), file.path, problems, (facts, index, count) => addRow(count > 1 ? `${name} [${index + 1}]` : name, file.path, facts), false);
  }
  return { rows, problems };
}

/** Only the first block counts for a kubeconfig's client data (the rest is the chain), every block for a file. */
function readPem(
  text: string,
  where: string,
  problems: string[],
  add: (facts: CertificateFacts, index: number, count: number) => void,
  firstOnly: boolean,
): void {
  const blocks = splitPemCertificates(text);
  if (blocks.length === 0) {
    problems.push(`${where}: no PEM certificate in it`);
    return;
  }
  const chosen = firstOnly ? blocks.slice(0, 1) : blocks;
  chosen.forEach((block, index) => {
    try {
      add(parseCertificate(block), index, chosen.length);
    } catch (err) {
      problems.push(`${where}: not a readable certificate (${(err as Error).message})`);
    }
  });
}

/** Host, then certificate name, in plain code-point order so the output is the same on every machine. */
export function sortRows(rows: CertificateRow[]): CertificateRow[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => cmp(a.host, b.host) || cmp(a.certificate, b.certificate));
}
