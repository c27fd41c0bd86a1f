/**
 * The fleet-wide table (kubeadm's columns with a HOST in front and a WARNING marker) and the JSON lines
 * for monitoring. Pure.
 */
import { formatResidual, type CertificateRow } from '../pki/rows.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** kubeadm's EXPIRES layout (`Jan 02, 2006 15:04 UTC`). */
export function formatExpiry(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())}, ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

export function warningMarker(row: CertificateRow): string {
  if (row.status === 'expired') return 'EXPIRED';
  return row.status === 'warning' ? 'WARNING' : '';
}

const HEADERS = ['HOST', 'CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'SIGNING CA', 'WARNING'];

/** Columns padded to their widest cell, three spaces apart, no trailing blanks. Rows must already be sorted. */
export function renderTable(rows: CertificateRow[]): string {
  const cells = rows.map((row) => [
    row.host,
    row.certificate,
    formatExpiry(row.notAfter),
    formatResidual(row.residualSeconds),
    row.isCa && row.signingCa === row.subject ? `${row.signingCa} (self-signed CA)` : row.signingCa,
    warningMarker(row),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('   ').trimEnd();
  return [line(HEADERS), ...cells.map(line)].join('\n') + '\n';
}

/** A row as JSON: its fields (the serial stays out: it is for telling renewals apart), the date as ISO text. */
export type CertificateJson = Omit<CertificateRow, 'notAfter' | 'serial'> & { notAfter: string; residual: string };

export function rowJson(row: CertificateRow): CertificateJson {
  return {
    host: row.host,
    certificate: row.certificate,
    path: row.path,
    subject: row.subject,
    signingCa: row.signingCa,
    isCa: row.isCa,
    notAfter: row.notAfter.toISOString(),
    residualSeconds: row.residualSeconds,
    residual: formatResidual(row.residualSeconds),
    status: row.status,
  };
}

/** One JSON object per line, as `drydock run --json`: rows, then one line per host that could not be checked. */
export function renderJsonLines(rows: CertificateRow[], hostFailures: { host: string; status: 'unreachable' | 'failed'; error: string }[]): string {
  return [...rows.map((r) => JSON.stringify(rowJson(r))), ...hostFailures.map((f) => JSON.stringify(f))].map((l) => `${l}\n`).join('');
}
