import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, KubeApiError } from '../../../../src/errors.js';
import { describeClusterAccess, lazyKube, openClusterAccess, reachableServer, type ClusterAccess, type ClusterAccessOptions, type ConnectedPort } from '../../../../src/kube/access.js';
import type { KubeConfigInfo, KubeConfigSource } from '../../../../src/kube/kubeconfig.js';
import { FakePort } from '../../kube/fakes.js';

const ADMIN_CONF = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: bm90LWEtY2VydA==
    server: https://127.0.0.1:6443
  name: kubernetes
contexts:
- context: { cluster: kubernetes, user: kubernetes-admin }
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user: { token: abc }
`;

function connected(source: string, unreachable = false): ConnectedPort {
  const port = new FakePort() as FakePort & { info: KubeConfigInfo };
  port.info = { context: 'ctx', cluster: 'c', server: 'https://10.0.0.10:6443', user: 'u', source, files: [] };
  if (unreachable) port.getVersion = () => Promise.reject(new KubeApiError('get /version: cannot reach the API server https://10.0.0.10:6443: connect ECONNREFUSED'));
  return port;
}

describe('kube/access: where the run gets cluster access', () => {
  let home: string;
  const opened: string[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'drydock-access-'));
    opened.length = 0;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const options = (extra: Partial<ClusterAccessOptions> = {}): ClusterAccessOptions => ({
    env: {},
    homeDir: home,
    openFile: (source: KubeConfigSource) => {
      opened.push(`file ${source.kubeconfigPath ?? source.env?.KUBECONFIG ?? 'default'}`);
      return connected(source.kubeconfigPath ? `--kubeconfig ${source.kubeconfigPath}` : '~/.kube/config');
    },
    openText: (_text, o) => {
      opened.push(`text ${o.source}`);
      return connected(o.source);
    },
    ...extra,
  });
  const defaultConfig = () => {
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), ADMIN_CONF);
  };
  const adminConf = async () => ({ host: 'cp-1', text: ADMIN_CONF, address: '10.0.0.10' });

  it('uses --kubeconfig first, probes the server, and reports where access came from', async () => {
    defaultConfig();
    const access = await openClusterAccess(options({ kubeconfigPath: '/tmp/k', fetchAdminConf: adminConf }));
    expect(opened).to.deep.equal(['file /tmp/k']);
    expect(access.info).to.include({ source: '--kubeconfig /tmp/k', serverVersion: 'v1.29.4' });
    expect(describeClusterAccess(access.info)).to.equal('cluster: context ctx, server https://10.0.0.10:6443 (v1.29.4), from --kubeconfig /tmp/k');
  });

  it('never trades an explicit source (--kubeconfig, KUBECONFIG) for admin.conf when it fails', async () => {
    let fetched = false;
    const fetchAdminConf = async () => {
      fetched = true;
      return adminConf();
    };
    const opts = options({ env: { KUBECONFIG: '/x' }, fetchAdminConf, openFile: () => connected('KUBECONFIG (/x)', true) });
    const err = await openClusterAccess(opts).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as Error).message).to.contain('ECONNREFUSED').and.to.contain('(cluster access from KUBECONFIG (/x), context ctx)');
    expect(fetched).to.equal(false);
  });

  it('falls back to admin.conf from the first control plane when ~/.kube/config is absent', async () => {
    const access = await openClusterAccess(options({ fetchAdminConf: adminConf }));
    expect(opened).to.deep.equal(['text /etc/kubernetes/admin.conf from cp-1']);
    expect(access.info.source).to.equal('/etc/kubernetes/admin.conf from cp-1');
  });

  it('falls back to admin.conf when the implicit ~/.kube/config does not work, and says so', async () => {
    defaultConfig();
    const access = await openClusterAccess(options({ fetchAdminConf: adminConf, openFile: () => connected('~/.kube/config', true) }));
    expect(access.info.source).to.equal('/etc/kubernetes/admin.conf from cp-1');
    expect(access.info.notes[0]).to.match(/^~\/\.kube\/config did not work \(get \/version: .*ECONNREFUSED.*\), using \/etc\/kubernetes\/admin\.conf instead$/);
  });

  it('lists what it tried when nothing works', async () => {
    const none = await openClusterAccess(options()).then(() => null, (e: unknown) => e);
    expect(none).to.be.instanceOf(ConfigError);
    expect((none as Error).message).to.equal(
      `no cluster access; tried:\n  - ~/.kube/config (${join(home, '.kube', 'config')}): not found\n  - /etc/kubernetes/admin.conf over SSH: no control-plane host to read it from\npass --kubeconfig or set KUBECONFIG`,
    );
    const sshFailed = await openClusterAccess(options({ fetchAdminConf: () => Promise.reject(new Error('cp-1: unreachable (tcp): connect ECONNREFUSED')) })).then(() => null, (e: unknown) => e);
    expect((sshFailed as Error).message).to.contain('  - /etc/kubernetes/admin.conf over SSH: cp-1: unreachable (tcp): connect ECONNREFUSED');
    const adminUnreachable = await openClusterAccess(options({ fetchAdminConf: adminConf, openText: () => connected('x', true) })).then(() => null, (e: unknown) => e);
    expect(adminUnreachable).to.be.instanceOf(KubeApiError);
    expect((adminUnreachable as Error).message).to.match(/not found\n {2}- \/etc\/kubernetes\/admin\.conf from cp-1: get \/version: .*ECONNREFUSED/);
  });

  it('loads real admin.conf text through client-node, pointing a loopback server at the host', async () => {
    const access = await openClusterAccess({ env: {}, homeDir: home, probe: false, fetchAdminConf: adminConf });
    expect(access.info).to.include({ context: 'kubernetes-admin@kubernetes', server: 'https://10.0.0.10:6443', source: '/etc/kubernetes/admin.conf from cp-1' });
    expect(access.info.notes).to.deep.equal(['/etc/kubernetes/admin.conf from cp-1 names a loopback server; using 10.0.0.10 (the host\'s address) instead']);
  });

  it('rewrites only loopback servers, brackets IPv6, and keeps the text when the address is unknown', () => {
    const notes: string[] = [];
    expect(reachableServer({ host: 'cp', text: '    server: https://localhost:6443\n', address: 'fd00::10' }, notes)).to.equal('    server: https://[fd00::10]:6443\n');
    expect(reachableServer({ host: 'cp', text: '    server: https://10.1.1.1:6443\n', address: '10.0.0.10' }, notes)).to.equal('    server: https://10.1.1.1:6443\n');
    expect(reachableServer({ host: 'cp', text: '    server: https://127.0.0.1:6443\n' }, notes)).to.equal('    server: https://127.0.0.1:6443\n');
    expect(notes[1]).to.contain('address is unknown');
  });

  it('lazyKube opens once for concurrent callers, tells onOpen, and remembers a failure', async () => {
    let opens = 0;
    const seen: ClusterAccess[] = [];
    const access: ClusterAccess = { port: new FakePort(), info: { ...connected('s').info, notes: [] } };
    const kube = lazyKube(async () => {
      opens++;
      return access;
    }, (a) => seen.push(a));
    expect(kube.opened()).to.equal(undefined);
    const [a, b] = await Promise.all([kube(), kube()]);
    expect(a).to.equal(access.port);
    expect(b).to.equal(access.port);
    expect(opens).to.equal(1);
    expect(seen).to.deep.equal([access]);
    expect(kube.opened()).to.equal(access);

    let attempts = 0;
    const broken = lazyKube(async () => {
      attempts++;
      throw new ConfigError('no cluster access');
    });
    for (let i = 0; i < 2; i++) expect(await broken().then(() => null, (e: unknown) => (e as Error).message)).to.equal('no cluster access');
    expect(attempts).to.equal(1);
    expect(broken.opened()).to.equal(undefined);
  });
});
