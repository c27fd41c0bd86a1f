/**
 * Certificates as the controller reads them: PEM blocks split out of a file's text, each parsed with
 * node:crypto's X509Certificate, so the hosts need neither kubeadm nor openssl. Pure.
 */
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The CERTIFICATE blocks of a PEM text (a bundle holds several; keys and other blocks are ignored). */
export function splitPemCertificates(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

export interface CertificateFacts {
  subjectCn: string;
  /** Common name of the signer: the CA's own CN for a self-signed CA. */
  issuerCn: string;
  notAfter: Date;
  isCa: boolean;
  /** Serial number in upper-case hex (what `openssl x509 -serial` prints); a renewal changes it. */
  serial: string;
}

/** Throws a plain Error with OpenSSL's reason when the block is not a certificate. */
export function parseCertificate(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  return {
    subjectCn: commonName(cert.subject),
    issuerCn: commonName(cert.issuer),
    notAfter: parseOpenSslDate(cert.validTo),
    isCa: cert.ca,
    serial: cert.serialNumber.toUpperCase(),
  };
}

/** `CN=` out of Node's distinguished-name text (one `KEY=value` per line); empty when there is none. */
export function commonName(distinguishedName: string): string {
  for (const line of distinguishedName.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * OpenSSL's `Nov 25 16:54:34 2027 GMT` (what Node 20's validTo gives; validToDate only came in Node 22),
 * read field by field rather than trusting Date's lenient parser.
 */
export function parseOpenSslDate(text: string): Date {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) throw new Error(`unexpected certificate date "${text}"`);
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}
