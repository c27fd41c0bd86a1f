import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCopyFlags, knownKubeconfigs, writeRefreshOutcome } from '../../../src/cli/certs-kubeconfig.js';
import { ConfigError } from '../../../src/errors.js';

describe('cli: the kubeconfig files certs renew checks for admin.conf copies', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-known-kc-'));
    mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
    writeFileSync(join(dir, 'home', '.kube', 'config'), 'x');
    writeFileSync(join(dir, 'a.conf'), 'x');
    symlinkSync(join(dir, 'home', '.kube', 'config'), join(dir, 'link.conf'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists KUBECONFIG, ~/.kube/config, --kubeconfig and every --kubeconfig-copy, absolute, each file once', () => {
    const env = { KUBECONFIG: [join(dir, 'a.conf'), join(dir, 'missing.conf'), join(dir, 'a.conf')].join(':') };
    const files = knownKubeconfigs({ kubeconfig: join(dir, 'link.conf'), kubeconfigCopy: [join(dir, 'a.conf'), join(dir, 'copy.conf')] }, env, join(dir, 'home'));
    expect(files).to.deep.equal([join(dir, 'a.conf'), join(dir, 'missing.conf'), join(dir, 'home', '.kube', 'config'), join(dir, 'copy.conf')]);
  });

  it('refuses a --kubeconfig-copy that names no file, before any host is contacted', () => {
    expect(() => checkCopyFlags([join(dir, 'a.conf')])).to.not.throw();
    expect(() => checkCopyFlags([join(dir, 'nope.conf')])).to.throw(ConfigError, 'kubeconfig file not found (from --kubeconfig-copy)');
  });

  it('prints notes on the human stream, warnings and the stale copies with the fix on stderr', () => {
    let human = '';
    let stderr = '';
    const streams = { human: { write: (t: string) => ((human += t), true) }, stderr: { write: (t: string) => ((stderr += t), true) } };
    const stale = (path: string, user: string) => ({ path, user, host: 'cp1', file: 'admin.conf', notAfter: new Date('2027-01-10T12:00:00Z') });
    writeRefreshOutcome(
      { notes: ['refreshed /k (user kubernetes-admin) with the renewed /etc/kubernetes/admin.conf on cp1'], refreshed: { path: '/k', user: 'kubernetes-admin', host: 'cp1' }, warnings: ['/b: not checked'], stale: [stale('/c1', 'admin'), stale('/c2', 'root')] },
      { check: false, adminConfPath: '/etc/kubernetes/admin.conf' },
      streams,
    );
    expect(human).to.equal('kubeconfig: refreshed /k (user kubernetes-admin) with the renewed /etc/kubernetes/admin.conf on cp1\n');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).to.equal('drydock: warning: /b: not checked');
    expect(lines[1]).to.match(/^drydock: warning: 2 kubeconfig users still carry an admin certificate the renewal replaced/);
    expect(lines.slice(2, 4)).to.deep.equal(['  /c1: user admin (admin.conf of cp1, valid until Jan 10, 2027 12:00 UTC)', '  /c2: user root (admin.conf of cp1, valid until Jan 10, 2027 12:00 UTC)']);
    expect(lines[4]).to.include('fix:').and.include('/k (refreshed just now)').and.include('/etc/kubernetes/admin.conf on the control plane');
  });

  it('prints nothing about copies when there is none', () => {
    let stderr = '';
    writeRefreshOutcome({ notes: [], warnings: [], stale: [] }, { check: true, adminConfPath: '/a' }, { human: { write: () => true }, stderr: { write: (t: string) => ((stderr += t), true) } });
    expect(stderr).to.equal('');
  });
});
