/**
 * kubeadm_certs_expiry: reads the host's kubeadm certificates (the same files and parsing as `drydock certs
 * check`: the bytes come over SSH, X.509 is read here) and, with `min_days`, fails unless every certificate
 * `kubeadm certs renew all` renews has at least that many days left — the check after a renewal.
 * Registers `certificates` (every one found, CAs and the kubelet's included) and `short` (the renewable
 * ones under min_days).
 */
import type { ModuleSpec } from '../../playbook/modules.js';
import { DEFAULT_LOCATIONS, collectScript, parseCollectOutput, type CertificateLocations } from '../../pki/remote.js';
import { isKubeadmRenewed, shortOfDays } from '../../pki/renewable.js';
import { formatResidual, hostCertificates } from '../../pki/rows.js';
import { optInt, optString } from '../args.js';
import { failed, ModuleFailure, tail } from '../failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { defineModule } from '../define.js';

export const certsExpirySpec: ModuleSpec = {
  name: 'kubeadm_certs_expiry',
  args: {
    min_days: { type: 'int' },
    pki_dir: { type: 'path', default: DEFAULT_LOCATIONS.pkiDir },
    kubeconfig_dir: { type: 'path', default: DEFAULT_LOCATIONS.kubeconfigDir },
    kubelet_cert: { type: 'path', default: DEFAULT_LOCATIONS.kubeletCert },
  },
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const locations: CertificateLocations = {
    pkiDir: optString(ctx.args, 'pki_dir') ?? DEFAULT_LOCATIONS.pkiDir,
    kubeconfigDir: optString(ctx.args, 'kubeconfig_dir') ?? DEFAULT_LOCATIONS.kubeconfigDir,
    kubeletCert: optString(ctx.args, 'kubelet_cert') ?? DEFAULT_LOCATIONS.kubeletCert,
  };
  const minDays = optInt(ctx.args, 'min_days');
  const result = await ctx.exec(collectScript(locations), { maxOutputBytes: 64 * 1024 * 1024 });
  if (result.code !== 0) throw new ModuleFailure(`reading the certificates failed: ${tail(result.stderr, 3) || `exit status ${result.code ?? result.signal}`}`);
  const now = new Date(ctx.clock.now());
  const found = hostCertificates(ctx.host, parseCollectOutput(result.stdout), locations, now, minDays ?? 0);
  const certificates = found.rows.map((r) => ({
    certificate: r.certificate,
    path: r.path,
    subject: r.subject,
    signing_ca: r.signingCa,
    is_ca: r.isCa,
    renewed_by_kubeadm: isKubeadmRenewed(r),
    not_after: r.notAfter.toISOString(),
    days_left: Math.floor(r.residualSeconds / 86_400),
    residual: formatResidual(r.residualSeconds),
  }));
  const renewable = found.rows.filter(isKubeadmRenewed);
  const short = minDays === undefined ? [] : shortOfDays(found.rows, minDays);
  const out = { certificates, short, problems: found.problems };
  if (renewable.length === 0) return failed(`no kubeadm certificates under ${locations.pkiDir} or ${locations.kubeconfigDir}`, out);
  if (found.problems.length > 0) return failed(`unreadable certificates: ${found.problems.join('; ')}`, out);
  if (short.length > 0) {
    const list = short.map((s) => `${s.certificate} (${s.daysLeft} days)`).join(', ');
    return failed(`${short.length} of ${renewable.length} kubeadm certificates have fewer than ${minDays} days left: ${list}`, out);
  }
  const soonest = Math.min(...renewable.map((r) => Math.floor(r.residualSeconds / 86_400)));
  const judged = minDays === undefined ? '' : `, all at least ${minDays}`;
  return { changed: false, msg: `${renewable.length} kubeadm certificates, the soonest expiring in ${soonest} days${judged}`, soonest_days: soonest, ...out };
}

export const certsExpiry: ModuleDefinition = defineModule(certsExpirySpec, { supportsCheck: true, run });
