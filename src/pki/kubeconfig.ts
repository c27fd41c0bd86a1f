/**
 * The client certificates embedded in a kubeconfig (admin.conf, scheduler.conf, ...): every user's
 * `client-certificate-data`, base64 of a PEM text. Users that point at a file instead are reported, not read. Pure.
 */
import { parse } from '../util/yaml.js';

export interface EmbeddedClientCertificate {
  user: string;
  pem: string;
}

export interface KubeconfigCertificates {
  certificates: EmbeddedClientCertificate[];
  /** Users whose certificate lives in a file (`client-certificate`), which this check does not follow. */
  fileReferences: { user: string; path: string }[];
}

/** A kubeconfig's top-level mapping; throws an Error saying what is wrong when the text is not one. */
export function parseKubeconfig(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) throw new Error('not a kubeconfig (the top level is not a mapping)');
  return doc;
}

/** Throws an Error saying what is wrong when the text is not a kubeconfig. */
export function extractClientCertificates(text: string): KubeconfigCertificates {
  const doc = parseKubeconfig(text);
  const users = doc['users'];
  if (users === undefined || users === null) return { certificates: [], fileReferences: [] };
  if (!Array.isArray(users)) throw new Error('not a kubeconfig ("users" is not a list)');
  const result: KubeconfigCertificates = { certificates: [], fileReferences: [] };
  users.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) return;
    const name = typeof entry['name'] === 'string' ? entry['name'] : `users[${index}]`;
    const user = entry['user'];
    if (!isRecord(user)) return;
    const data = user['client-certificate-data'];
    if (typeof data === 'string' && data.trim() !== '') {
      result.certificates.push({ user: name, pem: Buffer.from(data.replace(/\s+/g, ''), 'base64').toString('utf8') });
    } else if (typeof user['client-certificate'] === 'string') {
      result.fileReferences.push({ user: name, path: user['client-certificate'] });
    }
  });
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
