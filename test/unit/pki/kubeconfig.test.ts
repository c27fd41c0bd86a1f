import { expect } from 'chai';
import { extractClientCertificates } from '../../../src/pki/kubeconfig.js';
import { kubeconfigWith } from '../certs/helpers/openssl-certs.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('certs: client certificates embedded in kubeconfigs', () => {
  it('decodes client-certificate-data of the user kubeadm writes', () => {
    const found = extractClientCertificates(kubeconfigWith('kubernetes-admin', PEM, 'CA'));
    expect(found).to.deep.equal({ certificates: [{ user: 'kubernetes-admin', pem: PEM }], fileReferences: [] });
  });

  it('reports users that point at a certificate file instead (kubelet.conf style), reads every embedded one', () => {
    const b64 = Buffer.from(PEM).toString('base64');
    const text = [
      'users:',
      '- name: a',
      '  user:',
      `    client-certificate-data: ${b64.slice(0, 10)}\n      ${b64.slice(10)}`,
      '- name: kubelet',
      '  user:',
      '    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem',
      '- name: token-user',
      '  user:',
      '    token: abc',
    ].join('\n');
    const found = extractClientCertificates(text);
    expect(found.certificates).to.deep.equal([{ user: 'a', pem: PEM }]);
    expect(found.fileReferences).to.deep.equal([{ user: 'kubelet', path: '/var/lib/kubelet/pki/kubelet-client-current.pem' }]);
  });

  it('finds nothing in a kubeconfig without users', () => {
    expect(extractClientCertificates('apiVersion: v1\nkind: Config\n')).to.deep.equal({ certificates: [], fileReferences: [] });
  });

  it('says what is wrong with a file that is not a kubeconfig', () => {
    expect(() => extractClientCertificates('users: [unclosed')).to.throw(/not valid YAML/);
    expect(() => extractClientCertificates('- a list\n')).to.throw(/top level is not a mapping/);
    expect(() => extractClientCertificates('users: 3\n')).to.throw(/"users" is not a list/);
  });
});
