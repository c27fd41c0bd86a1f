/**
 * A kubeconfig user's client credentials: who the embedded certificate names and who signed it (to tell a
 * copy of admin.conf from any other credential), which users of a file carry given serials (stale copies
 * after a renewal), and the rewrite that puts new credentials into one user entry and leaves the rest of the
 * file as it was. The key data is carried, never parsed, printed or put in an error message. Pure.
 */
import { X509Certificate } from 'node:crypto';
import { isMap, isSeq, parseDocument, type YAMLMap } from '../util/yaml.js';
import { extractClientCertificates, isRecord, parseKubeconfig } from './kubeconfig.js';
import { splitPemCertificates } from './pem.js';

/** An embedded client credential, as kubeconfig carries it: base64 of the PEM texts. */
export interface ClientCredentials {
  /** The users entry's name. */
  user: string;
  certificateData: string;
  keyData: string;
  /** The cluster's certificate-authority-data (base64), when the context's cluster embeds it. */
  caData?: string;
}

export interface CertificateIdentity {
  /** Full distinguished names, one `KEY=value` per line (node:crypto's form). */
  subject: string;
  issuer: string;
  /** Upper-case hex. */
  serial: string;
}

export function certificateIdentity(pem: string): CertificateIdentity {
  const cert = new X509Certificate(pem);
  return { subject: cert.subject, issuer: cert.issuer, serial: cert.serialNumber.toUpperCase() };
}

/** Whether the CA certificate(s) in `caPem` (a bundle is fine) signed the certificate `pem`. */
export function issuedBy(pem: string, caPem: string): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return false;
  }
  return splitPemCertificates(caPem).some((block) => {
    try {
      const ca = new X509Certificate(block);
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

export const decodeData = (data: string): string => Buffer.from(data.replace(/\s+/g, ''), 'base64').toString('utf8');

/** The credentials of the user the current context names (admin.conf's kubernetes-admin). Throws a plain Error naming what is missing. */
export function currentUserCredentials(text: string): ClientCredentials {
  const doc = parseKubeconfig(text);
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || contextName === '') throw new Error('it sets no current-context');
  const context = named(doc['contexts'], contextName)?.['context'];
  if (!isRecord(context) || typeof context['user'] !== 'string') throw new Error(`its context "${contextName}" names no user`);
  const userName = context['user'];
  const user = named(doc['users'], userName)?.['user'];
  const certificateData = isRecord(user) ? user['client-certificate-data'] : undefined;
  const keyData = isRecord(user) ? user['client-key-data'] : undefined;
  if (typeof certificateData !== 'string' || typeof keyData !== 'string' || certificateData === '' || keyData === '') {
    throw new Error(`its user "${userName}" has no embedded client certificate and key`);
  }
  const cluster = typeof context['cluster'] === 'string' ? named(doc['clusters'], context['cluster'])?.['cluster'] : undefined;
  const caData = isRecord(cluster) && typeof cluster['certificate-authority-data'] === 'string' ? cluster['certificate-authority-data'] : undefined;
  return { user: userName, certificateData, keyData, ...(caData !== undefined ? { caData } : {}) };
}

/** The PEM of the client certificate embedded for `userName`, or why there is none. */
export function userCertificate(text: string, userName: string): { pem: string } | { missing: string } {
  const found = extractClientCertificates(text);
  const embedded = found.certificates.find((c) => c.user === userName);
  if (embedded) return { pem: embedded.pem };
  const file = found.fileReferences.find((r) => r.user === userName);
  return { missing: file ? `its certificate is a file (${file.path}), not embedded` : 'it has no embedded client certificate' };
}

/** Whether the file defines a user of that name (kubectl's merge: the first file to define it wins). */
export function definesUser(text: string, userName: string): boolean {
  return named(parseKubeconfig(text)['users'], userName) !== undefined;
}

/** Each user's embedded client certificate serial (upper-case hex); users without a readable one are left out. */
export function embeddedSerials(text: string): { user: string; serial: string }[] {
  const found: { user: string; serial: string }[] = [];
  for (const { user, pem } of extractClientCertificates(text).certificates) {
    const block = splitPemCertificates(pem)[0];
    if (!block) continue;
    try {
      found.push({ user, serial: certificateIdentity(block).serial });
    } catch {
      // Not a readable certificate: not a copy of one of ours either.
    }
  }
  return found;
}

/**
 * The same kubeconfig with `userName`'s client-certificate-data and client-key-data replaced; every other
 * user, context, cluster, comment and key stays as it was.
 */
export function replaceUserCredentials(text: string, userName: string, credentials: Pick<ClientCredentials, 'certificateData' | 'keyData'>): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const users = doc.get('users');
  if (!isSeq(users)) throw new Error('not a kubeconfig ("users" is not a list)');
  const entry = users.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === userName);
  const user = entry?.get('user');
  if (!isMap(user)) throw new Error(`it has no user "${userName}"`);
  user.set('client-certificate-data', credentials.certificateData);
  user.set('client-key-data', credentials.keyData);
  return doc.toString({ lineWidth: 0 });
}

function named(list: unknown, name: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((entry: unknown): entry is Record<string, unknown> => isRecord(entry) && entry['name'] === name);
}

