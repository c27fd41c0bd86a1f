import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renewSummary } from '../../../src/certs/renew-plan.js';
import { isKubeadmRenewed, shortOfDays } from '../../../src/pki/renewable.js';
import type { CertificateRow } from '../../../src/pki/rows.js';
import { TASK_MODULES, taskModules } from '../../../src/modules/catalogue.js';
import { checkModuleArgs } from '../../../src/playbook/modules.js';
import { fakeContext } from '../modules/fake-context.js';
import { kubeconfigWith, makeCa, makeLeaf } from './helpers/openssl-certs.js';

const DAY = 86_400;
const KUBELET = '/var/lib/kubelet/pki/kubelet-client-current.pem';
const NOW = new Date('2026-11-25T18:00:00Z');

function row(host: string, certificate: string, days: number, extra: Partial<CertificateRow> = {}): CertificateRow {
  const residualSeconds = Math.round(days * DAY);
  return {
    host, certificate, path: certificate.startsWith('/') ? certificate : `/etc/kubernetes/pki/${certificate}`, subject: 'x', signingCa: 'kubernetes', isCa: false,
    notAfter: new Date(NOW.getTime() + residualSeconds * 1000), serial: '01', residualSeconds, status: days < 0 ? 'expired' : days < 30 ? 'warning' : 'ok', ...extra,
  };
}

describe('certs renew: which certificates kubeadm renews', () => {
  it('counts kubeadm\'s leaves and kubeconfigs, not the CAs, the kubelet\'s certificate or anything else', () => {
    expect(isKubeadmRenewed(row('cp1', 'apiserver.crt', 10))).to.equal(true);
    expect(isKubeadmRenewed(row('cp1', 'etcd/server.crt', 10))).to.equal(true);
    expect(isKubeadmRenewed(row('cp1', 'super-admin.conf', 10))).to.equal(true);
    expect(isKubeadmRenewed(row('cp1', 'ca.crt', 3000, { isCa: true }))).to.equal(false);
    expect(isKubeadmRenewed(row('cp1', KUBELET, 10))).to.equal(false);
    expect(isKubeadmRenewed(row('cp1', 'custom/webhook.crt', 10))).to.equal(false);
  });

  it('lists the renewable ones short of a number of days, soonest first', () => {
    const rows = [row('cp1', 'apiserver.crt', 364.9), row('cp1', 'admin.conf', 9.5), row('cp1', 'etcd/peer.crt', 3.2), row('cp1', KUBELET, 2)];
    expect(shortOfDays(rows, 364)).to.deep.equal([{ certificate: 'etcd/peer.crt', daysLeft: 3 }, { certificate: 'admin.conf', daysLeft: 9 }]);
    expect(shortOfDays(rows, 3)).to.deep.equal([]);
  });
});

describe('certs renew: the summary shown before asking', () => {
  it('names the hosts in order, the steps, each host\'s soonest certificate, and the kubelet certificate apart', () => {
    const rows = [
      row('cp1', 'apiserver.crt', 9.5), row('cp1', 'admin.conf', 9.6), row('cp1', 'ca.crt', 3000, { isCa: true }), row('cp1', KUBELET, 9.4),
      row('cp2', 'apiserver.crt', 200), row('cp2', 'scheduler.conf', -2),
    ];
    const text = renewSummary({ hosts: ['cp1', 'cp2'], rows, warnDays: 30, kubeletCert: KUBELET });
    expect(text).to.include('on cp1, cp2, one control plane at a time');
    expect(text).to.include('kubeadm certs renew all').and.include('kube-apiserver, kube-controller-manager, kube-scheduler, etcd');
    expect(text).to.include('  cp1: apiserver.crt expires in 9d (Dec 05, 2026 06:00 UTC), the soonest; 2 of 2 expired or under 30 days');
    expect(text).to.include('  cp2: scheduler.conf expired Nov 23, 2026 18:00 UTC, the soonest; 1 of 2 expired or under 30 days');
    expect(text).to.include(`not renewed by kubeadm: the kubelet client certificate (${KUBELET}; cp1 9d)`);
    expect(text).to.include('put the renewed admin.conf credentials into the kubeconfig drydock uses');
    const optedOut = renewSummary({ hosts: ['cp1'], rows, warnDays: 30, kubeletCert: KUBELET, refreshKubeconfig: false });
    expect(optedOut).to.include('the one drydock uses is left as it is').and.not.include('put the renewed');
  });

  it('says so when a host has no kubeadm certificates', () => {
    expect(renewSummary({ hosts: ['cp9'], rows: [], warnDays: 30, kubeletCert: KUBELET })).to.include('  cp9: no kubeadm certificates found');
  });
});

describe('modules: kubeadm_certs_expiry', function () {
  this.timeout(20_000);
  let dir: string;
  let collectOutput: (days: { apiserver: number; admin: number }) => string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-certs-expiry-'));
    const caPem = makeCa(dir, 'ca', 'kubernetes', 3650);
    const leaves = new Map<number, { apiserver: string; admin: string }>();
    const leafFor = (days: number) => {
      if (!leaves.has(days)) {
        leaves.set(days, { apiserver: makeLeaf(dir, `apiserver-${days}`, 'kube-apiserver', 'ca', days), admin: makeLeaf(dir, `admin-${days}`, 'kubernetes-admin', 'ca', days) });
      }
      return leaves.get(days)!;
    };
    const kubelet = makeLeaf(dir, 'kubelet', 'system:node:cp1', 'ca', 5);
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    collectOutput = ({ apiserver, admin }) => [
      `pki\t/etc/kubernetes/pki/apiserver.crt\t${b64(leafFor(apiserver).apiserver)}`,
      `pki\t/etc/kubernetes/pki/ca.crt\t${b64(readFileSync(join(dir, 'ca.crt'), 'utf8'))}`,
      `kubeconfig\t/etc/kubernetes/admin.conf\t${b64(kubeconfigWith('kubernetes-admin', leafFor(admin).admin, caPem))}`,
      `kubelet\t${KUBELET}\t${b64(kubelet)}`,
      '',
    ].join('\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (given: Record<string, unknown>, stdout: string) => {
    const spec = TASK_MODULES.find((m) => m.name === 'kubeadm_certs_expiry')!.spec;
    const { args } = checkModuleArgs(spec, given, { applyDefaults: true });
    const ctx = fakeContext(args, () => ({ stdout }), { clock: { now: () => Date.now(), sleep: async () => undefined } });
    return { result: await taskModules().get('kubeadm_certs_expiry')!.run(ctx), ctx };
  };

  it('passes when every renewed certificate has a year, whatever the CA and the kubelet certificate say', async () => {
    const { result, ctx } = await run({ min_days: 364 }, collectOutput({ apiserver: 365, admin: 365 }));
    expect(result.failed, result.msg).to.equal(undefined);
    expect(result.msg).to.equal('2 kubeadm certificates, the soonest expiring in 364 days, all at least 364');
    expect((result['certificates'] as unknown[]).length).to.equal(4);
    expect(ctx.commands[0]).to.include('/etc/kubernetes/pki');
    // What `register` keeps (journal, report) is the rows: never admin.conf's key or certificate text.
    const registered = JSON.stringify(result);
    expect(registered).to.not.include('c2VjcmV0').and.not.include('BEGIN CERTIFICATE');
  });

  it('fails naming each renewable certificate short of min_days', async () => {
    const { result } = await run({ min_days: 364 }, collectOutput({ apiserver: 10, admin: 365 }));
    expect(result.failed).to.equal(true);
    expect(result.msg).to.equal('1 of 2 kubeadm certificates have fewer than 364 days left: apiserver.crt (9 days)');
    expect(result['short']).to.deep.equal([{ certificate: 'apiserver.crt', daysLeft: 9 }]);
  });

  it('only reports without min_days, and fails on a host without kubeadm certificates', async () => {
    const { result } = await run({}, collectOutput({ apiserver: 10, admin: 10 }));
    expect(result.failed).to.equal(undefined);
    expect(result['soonest_days']).to.equal(9);
    const empty = await run({ min_days: 1 }, '');
    expect(empty.result.failed).to.equal(true);
    expect(empty.result.msg).to.include('no kubeadm certificates under /etc/kubernetes/pki');
  });
});
