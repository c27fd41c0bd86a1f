/**
 * What `certs check` and `certs renew` print about a read of the control planes' certificates: the hosts and
 * files that failed on stderr, then the table (or JSON lines) on stdout, and the advice for the flagged ones.
 */
import { type CertsCheckOutcome } from '../certs/check.js';
import { renderJsonLines, renderTable } from '../certs/render.js';
import type { TextOutput } from '../events/tty.js';

export interface OutcomeOptions {
  json: boolean;
  warnDays: number;
  pkiDir: string;
  kubeconfigDir: string;
  kubeletCert: string;
}

export function writeOutcome(
  outcome: CertsCheckOutcome,
  options: OutcomeOptions,
  streams: { stdout: TextOutput; stderr: TextOutput },
  command: 'check' | 'renew' = 'check',
): void {
  const err = (line: string) => streams.stderr.write(`${line}\n`);
  for (const f of outcome.failures) err(`drydock: ${f.host}: ${f.status === 'unreachable' ? 'UNREACHABLE' : 'FAILED'}: ${f.error}`);
  for (const p of outcome.problems) err(`drydock: ${p}`);
  for (const h of outcome.emptyHosts) err(`drydock: warning: ${h}: no certificates found under ${options.pkiDir}, ${options.kubeconfigDir} or ${options.kubeletCert}`);
  if (options.json) {
    streams.stdout.write(renderJsonLines(outcome.rows, outcome.failures));
    return;
  }
  if (outcome.rows.length > 0) streams.stdout.write(renderTable(outcome.rows));
  const flagged = outcome.rows.filter((r) => r.status !== 'ok');
  if (flagged.length > 0) {
    const what = flagged.length === 1 ? '1 certificate is expired or has' : `${flagged.length} certificates are expired or have`;
    const kubeletOnly = flagged.every((r) => r.path === options.kubeletCert);
    if (command === 'renew' && kubeletOnly) {
      err(`drydock: ${what} fewer than ${options.warnDays} days left, the kubelet's client certificate: kubeadm does not renew it; the kubelet rotates it when rotateCertificates is on (see kubeadm's certificate management docs)`);
    } else {
      err(`drydock: ${what} fewer than ${options.warnDays} days left: renew with "drydock certs renew" (or "kubeadm certs renew all" on the host, then restart its static pods)`);
    }
  }
}
