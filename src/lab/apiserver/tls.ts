/**
 * The simulator's PKI, made with the openssl CLI: a CA, a serving certificate for the listen address and
 * an admin client certificate (O=system:masters), reused from the directory when they already exist.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  caPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() ?? String(err);
    throw new Error(`openssl ${args[0]} failed in ${cwd}: ${detail}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signedCert(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '825', '-sha256', '-extfile', `${name}.ext`],
    dir,
  );
}

/** Creates (or loads) the PKI in `dir`; the serving certificate names 127.0.0.1, localhost and `host`. */
export async function ensurePki(dir: string, host: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(dir, 'ca.crt'))) {
    await openssl(
      ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=drydock-lab-ca',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
  }
  const sans = new Set(['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default']);
  if (host && host !== '0.0.0.0' && host !== '::') sans.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  const sanLine = [...sans].join(',');
  const marker = join(dir, 'server.sans');
  const previous = existsSync(marker) ? await readFile(marker, 'utf8') : '';
  if (!existsSync(join(dir, 'server.crt')) || previous !== sanLine) {
    await signedCert(dir, 'server', '/CN=kube-apiserver',
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sanLine}\n`);
    await writeFile(marker, sanLine);
  }
  if (!existsSync(join(dir, 'admin.crt'))) {
    await signedCert(dir, 'admin', '/O=system:masters/CN=drydock-admin',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  }
  const read = (file: string) => readFile(join(dir, file), 'utf8');
  return {
    caPem: await read('ca.crt'),
    caKeyPem: await read('ca.key'),
    serverCertPem: await read('server.crt'),
    serverKeyPem: await read('server.key'),
    clientCertPem: await read('admin.crt'),
    clientKeyPem: await read('admin.key'),
  };
}
