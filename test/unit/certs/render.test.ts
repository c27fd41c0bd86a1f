import { expect } from 'chai';
import { formatExpiry, renderJsonLines, renderTable } from '../../../src/certs/render.js';
import type { CertificateRow } from '../../../src/pki/rows.js';

const row = (over: Partial<CertificateRow>): CertificateRow => ({
  host: 'cp1', certificate: 'apiserver.crt', path: '/etc/kubernetes/pki/apiserver.crt', subject: 'kube-apiserver',
  signingCa: 'kubernetes', isCa: false, notAfter: new Date('2027-11-25T16:54:00Z'), serial: '01', residualSeconds: 364 * 86_400 + 5, status: 'ok', ...over,
});

const ROWS: CertificateRow[] = [
  row({ certificate: 'admin.conf', path: '/etc/kubernetes/admin.conf', subject: 'kubernetes-admin' }),
  row({ notAfter: new Date('2026-12-05T09:03:00Z'), residualSeconds: 9 * 86_400 + 100, status: 'warning' }),
  row({ certificate: 'ca.crt', path: '/etc/kubernetes/pki/ca.crt', subject: 'kubernetes', isCa: true, notAfter: new Date('2035-11-23T16:54:00Z'), residualSeconds: 3650 * 86_400 }),
  row({ host: 'cp2', certificate: 'etcd/server.crt', path: '/etc/kubernetes/pki/etcd/server.crt', subject: 'cp2', signingCa: 'etcd-ca', notAfter: new Date('2026-01-02T03:04:05Z'), residualSeconds: -3 * 86_400, status: 'expired' }),
];

describe('certs: table and JSON output', () => {
  it('prints the EXPIRES column in kubeadm\'s layout, in UTC', () => {
    expect(formatExpiry(new Date('2026-12-05T09:03:59Z'))).to.equal('Dec 05, 2026 09:03 UTC');
  });

  it('renders one aligned table across the fleet with the warning markers', () => {
    expect(renderTable(ROWS)).to.equal(
      [
        'HOST   CERTIFICATE       EXPIRES                  RESIDUAL TIME   SIGNING CA                    WARNING',
        'cp1    admin.conf        Nov 25, 2027 16:54 UTC   364d            kubernetes',
        'cp1    apiserver.crt     Dec 05, 2026 09:03 UTC   9d              kubernetes                    WARNING',
        'cp1    ca.crt            Nov 23, 2035 16:54 UTC   10y             kubernetes (self-signed CA)',
        'cp2    etcd/server.crt   Jan 02, 2026 03:04 UTC   <invalid>       etcd-ca                       EXPIRED',
        '',
      ].join('\n'),
    );
  });

  it('prints one JSON object per certificate, then one per host that could not be checked', () => {
    const lines = renderJsonLines(ROWS.slice(1, 2), [{ host: 'cp3', status: 'unreachable', error: 'cp3: connection refused' }]).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).to.deep.equal([
      {
        host: 'cp1', certificate: 'apiserver.crt', path: '/etc/kubernetes/pki/apiserver.crt', subject: 'kube-apiserver', signingCa: 'kubernetes',
        isCa: false, notAfter: '2026-12-05T09:03:00.000Z', residualSeconds: 9 * 86_400 + 100, residual: '9d', status: 'warning',
      },
      { host: 'cp3', status: 'unreachable', error: 'cp3: connection refused' },
    ]);
  });
});
