/**
 * Kubeconfig files for the simulator, in the shape kubectl and client-node read: the CA inline, and the
 * user either a bearer token or an inline client certificate.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from '../../util/yaml.js';

export type KubeconfigUser = { token: string } | { clientCertPem: string; clientKeyPem: string };

export function kubeconfigYaml(server: string, caPem: string, user: KubeconfigUser, name = 'drydock-lab'): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const credentials =
    'token' in user
      ? { token: user.token }
      : { 'client-certificate-data': b64(user.clientCertPem), 'client-key-data': b64(user.clientKeyPem) };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: `${name}-admin`, user: credentials }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Written 0600: the file holds a credential. */
export async function writeKubeconfig(path: string, server: string, caPem: string, user: KubeconfigUser): Promise<void> {
  await writeFile(path, kubeconfigYaml(server, caPem, user), { mode: 0o600 });
}
