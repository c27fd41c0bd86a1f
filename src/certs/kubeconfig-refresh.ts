/**
 * After `certs renew`: the admin.conf copies on this machine. kubeadm renews admin.conf's client certificate
 * on every control plane; a kubeconfig that is a copy of it keeps the old certificate, which works until it
 * expires and then locks its holder out. Two steps, through ports (the remote read, the files here):
 *   1. the kubeconfig drydock used: when its current user's certificate has admin.conf's subject and issuer
 *      and the cluster CA signed it, that one user entry gets the renewed admin.conf's credentials (the rest of
 *      the file is kept; the port writes it atomically, mode 0600);
 *   2. the kubeconfig files drydock knows of are scanned for users whose certificate has a serial admin.conf or
 *      super-admin.conf had before the renewal: those copies are named (path and user), never their contents.
 * In check mode nothing is written: step 1 says what it would do, step 2 names the copies a renewal would leave
 * behind. Only lines for the user come out; no key or certificate text ever does.
 */
import { commonName } from '../pki/pem.js';
import {
  certificateIdentity, currentUserCredentials, decodeData, definesUser, embeddedSerials, issuedBy, replaceUserCredentials, userCertificate,
} from '../pki/kubeconfig-credentials.js';
import type { CertificateRow } from '../pki/rows.js';

/** The kubeconfig the run's cluster access was loaded from. */
export interface KubeconfigInUse {
  /** Its files in kubectl's order (first wins); empty when drydock read admin.conf over SSH itself. */
  files: string[];
  user: string;
  /** How drydock names the source (`--kubeconfig /x`, `/etc/kubernetes/admin.conf from cp1`). */
  source: string;
}

export interface RefreshRequest {
  /** Undefined when the access could not be opened; `unknownReason` says why. */
  inUse: KubeconfigInUse | undefined;
  unknownReason?: string;
  /** The renewed control planes, in the order they were renewed. */
  hosts: readonly string[];
  /** The certificates read before and after the run (certs check's rows). */
  before: readonly CertificateRow[];
  after: readonly CertificateRow[];
  /** Kubeconfig files to scan for old copies (absolute, each once). */
  copies: readonly string[];
  /** false with --no-refresh-kubeconfig. */
  refresh: boolean;
  check: boolean;
  /** admin.conf's path on the control planes, for messages. */
  adminConfPath: string;
}

export interface RefreshPorts {
  /** admin.conf's text from a control plane (read with become over the run's connection). */
  readAdminConf(host: string): Promise<string>;
  /** A local file's text; undefined when there is no such file. */
  readFile(path: string): Promise<string | undefined>;
  /** Replaces a local file atomically, mode 0600. */
  writeFile(path: string, text: string): Promise<void>;
}

export interface StaleCopy {
  path: string;
  user: string;
  /** The control plane and kubeconfig (admin.conf, super-admin.conf) the old certificate came from. */
  host: string;
  file: string;
  notAfter: Date;
}

export interface RefreshOutcome {
  /** What was done (or would be) to the kubeconfig drydock used, or why nothing. */
  notes: string[];
  /** The one entry rewritten (or that would be in check mode). */
  refreshed?: { path: string; user: string; host: string };
  /** Files that could not be read or rewritten. */
  warnings: string[];
  stale: StaleCopy[];
}

const ADMIN_KUBECONFIGS = new Set(['admin.conf', 'super-admin.conf']);
const fileName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** The admin certificates a renewal replaced (check mode: all of today's, which a renewal would replace), by serial. */
export function replacedAdminCertificates(request: Pick<RefreshRequest, 'before' | 'after' | 'check'>): Map<string, Omit<StaleCopy, 'path' | 'user'>> {
  const admin = (rows: readonly CertificateRow[]) => rows.filter((r) => ADMIN_KUBECONFIGS.has(fileName(r.path)));
  const current = new Set(request.check ? [] : admin(request.after).map((r) => r.serial));
  const old = new Map<string, Omit<StaleCopy, 'path' | 'user'>>();
  for (const row of admin(request.before)) {
    if (!current.has(row.serial)) old.set(row.serial, { host: row.host, file: fileName(row.path), notAfter: row.notAfter });
  }
  return old;
}

export async function refreshKubeconfigs(request: RefreshRequest, ports: RefreshPorts): Promise<RefreshOutcome> {
  const outcome: RefreshOutcome = { notes: [], warnings: [], stale: [] };
  const old = replacedAdminCertificates(request);
  // No admin certificate was renewed (the run failed before any): no copy is out of date, nothing to say.
  if (old.size === 0) return outcome;
  await refreshInUse(request, ports, outcome);
  for (const path of request.copies) {
    let found: { user: string; serial: string }[];
    try {
      const text = await ports.readFile(path);
      if (text === undefined) continue;
      found = embeddedSerials(text);
    } catch (err) {
      outcome.warnings.push(`${path}: not checked for old admin.conf copies: ${firstLine(err)}`);
      continue;
    }
    for (const { user, serial } of found) {
      const replaced = old.get(serial);
      if (!replaced) continue;
      // In check mode the entry drydock would refresh is not one the admin has to fix.
      if (request.check && outcome.refreshed?.path === path && outcome.refreshed.user === user) continue;
      outcome.stale.push({ path, user, ...replaced });
    }
  }
  return outcome;
}

async function refreshInUse(request: RefreshRequest, ports: RefreshPorts, outcome: RefreshOutcome): Promise<void> {
  const { inUse } = request;
  const note = (line: string) => outcome.notes.push(line);
  if (!inUse) {
    note(`the kubeconfig drydock used is not known${request.unknownReason ? ` (${request.unknownReason})` : ''}: nothing refreshed`);
    return;
  }
  if (inUse.files.length === 0) {
    note(`drydock used ${inUse.source} (read over SSH, kept in memory): no kubeconfig file of yours to refresh`);
    return;
  }
  let path: string | undefined;
  let text: string | undefined;
  try {
    for (const file of inUse.files) {
      const content = await ports.readFile(file);
      if (content !== undefined && definesUser(content, inUse.user)) {
        [path, text] = [file, content];
        break;
      }
    }
  } catch (err) {
    outcome.warnings.push(`the kubeconfig drydock used (${inUse.source}) could not be read again: ${firstLine(err)}; not refreshed`);
    return;
  }
  if (path === undefined || text === undefined) {
    note(`user "${inUse.user}" of ${inUse.source} is no longer in its files: nothing refreshed`);
    return;
  }
  const where = `${path} (user ${inUse.user})`;
  const embedded = userCertificate(text, inUse.user);
  if (!('pem' in embedded)) {
    note(`${where} is not a copy of admin.conf (${embedded.missing}): left as it is`);
    return;
  }
  let mine;
  try {
    mine = certificateIdentity(embedded.pem);
  } catch (err) {
    outcome.warnings.push(`${where}: its client certificate is unreadable (${firstLine(err)}); not refreshed`);
    return;
  }
  // The copy's own control plane when its serial says which; else the first one renewed.
  const host = request.before.find((r) => fileName(r.path) === 'admin.conf' && r.serial === mine.serial)?.host ?? request.hosts[0];
  if (host === undefined) return;
  let admin;
  let adminCert;
  try {
    admin = currentUserCredentials(await ports.readAdminConf(host));
    adminCert = certificateIdentity(decodeData(admin.certificateData));
  } catch (err) {
    outcome.warnings.push(`${request.adminConfPath} on ${host} could not be read (${firstLine(err)}): ${where} not refreshed`);
    return;
  }
  const signedByCa = admin.caData !== undefined && issuedBy(embedded.pem, decodeData(admin.caData));
  if (mine.subject !== adminCert.subject || mine.issuer !== adminCert.issuer || !signedByCa) {
    const why = mine.subject !== adminCert.subject ? `its certificate is for ${commonName(mine.subject) || 'another subject'}` : 'another CA signed its certificate';
    note(`${where} is not a copy of ${request.adminConfPath} (${why}): left as it is`);
    return;
  }
  const from = `${request.adminConfPath} on ${host}`;
  if (request.check) {
    outcome.refreshed = { path, user: inUse.user, host };
    note(`would refresh ${where} with the renewed ${from} (a copy of it)`);
    return;
  }
  if (mine.serial === adminCert.serial) {
    note(`${where} already carries the certificate of ${from}`);
    return;
  }
  if (!request.refresh) {
    note(`${where} is a copy of ${request.adminConfPath} and keeps its old certificate (--no-refresh-kubeconfig)`);
    return;
  }
  try {
    // Someone (kubectl config, an editor) changed it meanwhile: their change is not overwritten.
    if ((await ports.readFile(path)) !== text) throw new Error('it changed while drydock read admin.conf');
    await ports.writeFile(path, replaceUserCredentials(text, inUse.user, admin));
  } catch (err) {
    outcome.warnings.push(`${where} could not be refreshed: ${firstLine(err)}`);
    return;
  }
  outcome.refreshed = { path, user: inUse.user, host };
  note(`refreshed ${where} with the renewed ${from}`);
}
