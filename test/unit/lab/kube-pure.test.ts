import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../../src/errors.js';
import { KUBE_RELEASES, DEFAULT_KUBE_VERSION, parseKubeVersion, releaseInfo, releasesByMinor, minorOf } from '../../../src/lab/kube/versions.js';
import { debControl, packagesIndex, packagesStanza, parseControl, releaseFile, type IndexedDeb } from '../../../src/lab/kube/aptindex.js';
import { certPlan, leafExtensions, type CertPlanInput } from '../../../src/lab/kube/pki.js';
import {
  aptSourceLine, bootstrapScript, etcdEnvironment, initialCluster, kubeconfigFile, kubeletConfig, staticPodManifests,
} from '../../../src/lab/kube/files.js';
import { retargetAptSource } from '../../../src/lab/kube/provision.js';
import { checkCertDays, kubeSettings } from '../../../src/lab/kube/settings.js';
import { resolveRepoPath } from '../../../src/lab/kube/reposerver.js';
import { labSeed } from '../../../src/lab/kube/seed.js';
import { debRecipes, renderScript } from '../../../src/lab/kube/repo.js';
import { parseSeed } from '../../../src/lab/apiserver/seed.js';

describe('lab kube: release table', () => {
  it('carries the real 1.36.3 and 1.37.2, starting at 1.36.3, beside the stand-in 1.28-1.30 patches', () => {
    expect(KUBE_RELEASES).to.include.members(['1.28.14', '1.28.15', '1.29.3', '1.29.4', '1.30.2', '1.36.3', '1.37.2']);
    expect(DEFAULT_KUBE_VERSION).to.equal('1.36.3');
    expect(releaseInfo('1.36.3').real).to.equal(true);
    expect(releaseInfo('1.37.2')).to.include({ real: true, debVersion: '1.37.2-1.1', etcdImageTag: '3.6.16-0' });
    expect(releaseInfo('1.29.4').real).to.equal(false);
    const byMinor = releasesByMinor();
    expect([...byMinor.keys()]).to.deep.equal(['1.28', '1.29', '1.30', '1.36', '1.37']);
    expect(byMinor.get('1.29')!.map((r) => r.debVersion)).to.deep.equal(['1.29.3-1.1', '1.29.4-1.1']);
  });

  it('names packages, tags and repositories as pkgs.k8s.io and kubeadm do', () => {
    const r = parseKubeVersion('v1.29.4');
    expect(r).to.include({ version: '1.29.4', tag: 'v1.29.4', minor: '1.29', debVersion: '1.29.4-1.1', repoPath: '/core:/stable:/v1.29/deb/' });
    expect(releaseInfo('1.30.2').etcdImageTag).to.equal('3.5.12-0');
    expect(minorOf('1.28.15')).to.equal('1.28');
  });

  it('refuses releases the repository does not carry, naming the ones it does', () => {
    expect(() => parseKubeVersion('1.31.0')).to.throw(UsageError, /carries 1\.28\.14, 1\.28\.15/);
    expect(() => minorOf('latest')).to.throw(UsageError, /not a Kubernetes version/);
  });
});

describe('lab kube: apt index files', () => {
  const deb = (name: string, version: string): IndexedDeb => ({
    control: parseControl(debControl({ name, version, architecture: 'amd64', installedSizeKb: 12, depends: 'curl', description: `${name} stand-in` })),
    filename: `amd64/${name}_${version}_amd64.deb`, size: 1234, md5: 'a'.repeat(32), sha256: 'b'.repeat(64),
  });

  it('writes a Packages stanza with the control fields, then Filename, Size and checksums', () => {
    const stanza = packagesStanza(deb('kubeadm', '1.29.4-1.1'));
    const lines = stanza.split('\n');
    expect(lines[0]).to.equal('Package: kubeadm');
    expect(lines).to.include.members(['Version: 1.29.4-1.1', 'Architecture: amd64', 'Depends: curl', 'Installed-Size: 12']);
    expect(lines.slice(-4)).to.deep.equal(['Filename: amd64/kubeadm_1.29.4-1.1_amd64.deb', 'Size: 1234', `MD5sum: ${'a'.repeat(32)}`, `SHA256: ${'b'.repeat(64)}`]);
  });

  it('sorts the index by package and separates stanzas with a blank line', () => {
    const text = packagesIndex([deb('kubelet', '1.29.4-1.1'), deb('kubeadm', '1.29.4-1.1'), deb('kubeadm', '1.29.3-1.1')]);
    const packages = text.split('\n\n').map((s) => /^Package: (\S+)\nVersion: (\S+)/.exec(s)!.slice(1).join('='));
    expect(packages).to.deep.equal(['kubeadm=1.29.3-1.1', 'kubeadm=1.29.4-1.1', 'kubelet=1.29.4-1.1']);
    expect(text.endsWith('\n')).to.equal(true);
    expect(packagesIndex([])).to.equal('');
  });

  it('keeps continuation lines of a control field', () => {
    expect(parseControl('Package: x\nDescription: short\n long text\n')).to.deep.equal([['Package', 'x'], ['Description', 'short\n long text']]);
  });

  it('lists the index in Release with size and SHA256', () => {
    const text = releaseFile({ label: 'lab', architectures: ['amd64'], date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), files: [{ path: 'Packages', size: 2911, md5: 'c'.repeat(32), sha256: 'd'.repeat(64) }] });
    expect(text).to.include('Date: Fri, 02 Jan 2026 03:04:05 UTC\n');
    expect(text).to.match(new RegExp(`SHA256:\\n ${'d'.repeat(64)} +2911 Packages\\n`));
    expect(text).to.match(/Architectures: amd64\n/);
  });

  it('ships the kubelet unit in the kubelet deb and the kubeadm drop-in as a conffile of the kubeadm deb', () => {
    const recipes = debRecipes(releaseInfo('1.28.14'));
    const kubelet = recipes.find((r) => r.name === 'kubelet')!;
    expect(kubelet.files.map((f) => f.path)).to.include('usr/lib/systemd/system/kubelet.service');
    const kubeadm = recipes.find((r) => r.name === 'kubeadm')!;
    expect(kubeadm.conffiles).to.deep.equal(['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf']);
    expect(kubeadm.depends).to.match(/^kubelet \(>= 1\.19\.0\), kubectl/);
  });
});

describe('lab kube: stand-in scripts', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-kube-script-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const runScript = (name: 'kubeadm' | 'kubelet' | 'kubectl', version: string, args: string[]) => {
    const file = join(dir, `${name}-${version}`);
    writeFileSync(file, renderScript(name, releaseInfo(version)));
    return execFileSync('bash', [file, ...args], { encoding: 'utf8' }).trim();
  };

  it('print their release the way the real programs do', () => {
    expect(runScript('kubeadm', '1.29.4', ['version', '-o', 'short'])).to.equal('v1.29.4');
    expect(JSON.parse(runScript('kubeadm', '1.29.4', ['version', '-o', 'json'])).clientVersion).to.include({ gitVersion: 'v1.29.4', minor: '29' });
    expect(runScript('kubelet', '1.28.15', ['--version'])).to.equal('Kubernetes v1.28.15');
    expect(JSON.parse(runScript('kubectl', '1.30.2', ['version', '--client', '-o', 'json'])).clientVersion.gitVersion).to.equal('v1.30.2');
    expect(runScript('kubectl', '1.30.2', ['version', '--client'])).to.match(/^Client Version: v1\.30\.2\nKustomize Version: v5/);
  });

  /** Runs bash with the kubeadm stand-in's functions loaded (everything above its command dispatch). */
  const kubeadmFunctions = (version: string, snippet: string) => {
    const file = join(dir, `kubeadm-functions-${version}`);
    const script = renderScript('kubeadm', releaseInfo(version));
    writeFileSync(file, script.slice(0, script.indexOf('\ncase "${1:-}" in')));
    return execFileSync('bash', ['-c', `source ${file}; ${snippet}`], { encoding: 'utf8' });
  };

  it('apply kubeadm\'s version policy: no minor skips, nothing past kubeadm, --force only for skippable errors', () => {
    const policy = (kubeadm: string, target: string, current: string) => {
      const out = kubeadmFunctions(kubeadm, `version_policy ${target} ${current}; printf 'M:%s\\nS:%s' "$MANDATORY" "$SKIPPABLE"`);
      const [mandatory, skippable] = out.split('\nS:');
      return { mandatory: mandatory!.slice(2).trim(), skippable: skippable!.trim() };
    };
    expect(policy('1.30.2', 'v1.30.2', 'v1.28.14').mandatory).to.equal('- Specified version to upgrade to "v1.30.2" is too high; kubeadm can upgrade only 1 minor version at a time');
    expect(policy('1.29.4', 'v1.30.2', 'v1.29.4').mandatory).to.include('is higher than the kubeadm version "v1.29.4". Upgrade kubeadm first');
    const samePatchAhead = policy('1.29.3', 'v1.29.4', 'v1.28.14');
    expect(samePatchAhead.mandatory).to.equal('');
    expect(samePatchAhead.skippable).to.include('is higher than the kubeadm version "v1.29.3"');
    expect(policy('1.29.4', 'v1.28.15', 'v1.28.14')).to.deep.equal({ mandatory: '', skippable: '- Kubeadm version v1.29.4 can only be used to upgrade to Kubernetes version v1.29' });
    expect(policy('1.29.4', 'v1.29.4', 'v1.28.14')).to.deep.equal({ mandatory: '', skippable: '' });
    expect(policy('1.29.4', 'v1.29.3', 'v1.29.4').skippable).to.include('downgrades are not supported');
  });

  it('print residual times the way kubeadm shortens durations', () => {
    const residual = (seconds: number) => kubeadmFunctions('1.28.14', `residual ${seconds}`).trim();
    expect(residual(30 * 86400 - 60)).to.equal('29d');
    expect(residual(365 * 86400)).to.equal('1y');
    expect(residual(2 * 3600 + 5)).to.equal('2h');
    expect(residual(59)).to.equal('59s');
    expect(residual(-1)).to.equal('0s');
    expect(residual(-5)).to.equal('<invalid>');
  });

  it('fill in the etcd image kubeadm pairs with the release', () => {
    expect(renderScript('kubeadm', releaseInfo('1.29.4'))).to.include('ETCD_TAG="3.5.10-0"').and.not.match(/@(KUBE_VERSION|ETCD_TAG|COREDNS_TAG)@/);
  });
});

describe('lab kube: certificate plan', () => {
  const input = (over: Partial<CertPlanInput> = {}): CertPlanInput => ({
    host: { name: 'cp1', role: 'control_plane', address: '10.213.5.11' }, initNode: true, minor: 28,
    apiEndpointAddress: '10.213.5.1', certDays: 30, ...over,
  });

  it('issues what kubeadm lists in check-expiration for a control plane, plus the kubelet client cert', () => {
    const ids = certPlan(input()).map((c) => c.id);
    expect(ids).to.have.members([
      'apiserver', 'apiserver-kubelet-client', 'apiserver-etcd-client', 'front-proxy-client', 'etcd-server', 'etcd-peer',
      'etcd-healthcheck-client', 'admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet-client',
    ]);
    for (const cert of certPlan(input())) expect(cert.days).to.equal(30);
  });

  it('signs etcd certificates with the etcd CA and the front-proxy client with its own CA', () => {
    const plan = certPlan(input());
    const ca = (id: string) => plan.find((c) => c.id === id)!.ca;
    expect([ca('etcd-server'), ca('etcd-peer'), ca('etcd-healthcheck-client'), ca('apiserver-etcd-client')]).to.deep.equal(['etcd-ca', 'etcd-ca', 'etcd-ca', 'etcd-ca']);
    expect(ca('front-proxy-client')).to.equal('front-proxy-ca');
    expect(ca('admin.conf')).to.equal('ca');
  });

  it('names the host, the endpoint and the service IP in the apiserver certificate; etcd certs serve and authenticate', () => {
    const plan = certPlan(input());
    expect(plan.find((c) => c.id === 'apiserver')!.sans).to.include.members(['DNS:cp1', 'IP:10.213.5.11', 'IP:10.213.5.1', 'IP:10.96.0.1', 'DNS:kubernetes.default.svc.cluster.local']);
    const server = plan.find((c) => c.id === 'etcd-server')!;
    expect(server.sans).to.include.members(['IP:127.0.0.1', 'DNS:localhost', 'IP:10.213.5.11']);
    expect(leafExtensions(server)).to.include('extendedKeyUsage=serverAuth,clientAuth');
    expect(leafExtensions(plan.find((c) => c.id === 'admin.conf')!)).to.include('extendedKeyUsage=clientAuth').and.not.include('subjectAltName');
  });

  it('follows kubeadm 1.29: admin.conf in kubeadm:cluster-admins, super-admin.conf only on the init node', () => {
    expect(certPlan(input()).find((c) => c.id === 'admin.conf')!.subject).to.equal('/O=system:masters/CN=kubernetes-admin');
    expect(certPlan(input()).some((c) => c.id === 'super-admin.conf')).to.equal(false);
    const v29 = certPlan(input({ minor: 29 }));
    expect(v29.find((c) => c.id === 'admin.conf')!.subject).to.equal('/O=kubeadm:cluster-admins/CN=kubernetes-admin');
    expect(v29.find((c) => c.id === 'super-admin.conf')!.subject).to.equal('/O=system:masters/CN=kubernetes-super-admin');
    expect(certPlan(input({ minor: 29, initNode: false })).some((c) => c.id === 'super-admin.conf')).to.equal(false);
  });

  it('gives a worker only its kubelet client certificate, in system:nodes', () => {
    const plan = certPlan(input({ host: { name: 'worker1', role: 'worker', address: '10.213.5.13' } }));
    expect(plan).to.have.length(1);
    expect(plan[0]).to.include({ id: 'kubelet-client', subject: '/O=system:nodes/CN=system:node:worker1', target: 'kubelet' });
  });
});

describe('lab kube: node files', () => {
  const release = releaseInfo('1.28.14');
  const members = [{ name: 'cp1', address: '10.213.5.11' }, { name: 'cp2', address: '10.213.5.12' }];

  it('points apt at the minor of the release, flat and trusted, and retargets only the address later', () => {
    const line = aptSourceLine('http://10.213.5.1:8089/', release);
    expect(line).to.equal('deb [trusted=yes] http://10.213.5.1:8089/core:/stable:/v1.28/deb/ /\n');
    const moved = line.replace('v1.28', 'v1.29');
    expect(retargetAptSource(moved, 'http://10.213.9.1:8089')).to.equal('deb [trusted=yes] http://10.213.9.1:8089/core:/stable:/v1.29/deb/ /\n');
  });

  it('writes static pod manifests at the release tag with kubeadm\'s labels and etcd flags', () => {
    const manifests = staticPodManifests({ host: members[0]!, release, etcdMembers: members });
    expect(Object.keys(manifests)).to.have.members(['kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml', 'etcd.yaml']);
    const apiserver = parse(manifests['kube-apiserver.yaml']!);
    expect(apiserver.metadata).to.deep.include({ name: 'kube-apiserver', namespace: 'kube-system', labels: { component: 'kube-apiserver', tier: 'control-plane' } });
    expect(apiserver.spec.containers[0].image).to.equal('registry.k8s.io/kube-apiserver:v1.28.14');
    expect(apiserver.spec.containers[0].command).to.include('--etcd-servers=https://127.0.0.1:2379');
    const etcd = parse(manifests['etcd.yaml']!);
    expect(etcd.spec.containers[0].image).to.equal('registry.k8s.io/etcd:3.5.9-0');
    expect(etcd.spec.containers[0].command).to.include.members([
      '--initial-cluster=cp1=https://10.213.5.11:2380,cp2=https://10.213.5.12:2380', '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
      '--listen-client-urls=https://127.0.0.1:2379,https://10.213.5.11:2379', '--data-dir=/var/lib/etcd',
    ]);
    // The kubeadm stand-in rewrites tags with sed on "image: ..." lines; keep them one per line.
    expect(manifests['kube-scheduler.yaml']).to.match(/^ {4}image: registry\.k8s\.io\/kube-scheduler:v1\.28\.14$/m);
  });

  it('configures Debian\'s etcd like the manifest: same cluster, TLS at kubeadm\'s paths', () => {
    const env = etcdEnvironment(members[1]!, members, 'tok');
    expect(env).to.include('ETCD_NAME="cp2"').and.include(`ETCD_INITIAL_CLUSTER="${initialCluster(members)}"`);
    expect(env).to.include('ETCD_LISTEN_CLIENT_URLS="https://127.0.0.1:2379,https://10.213.5.12:2379"');
    expect(env).to.include('ETCD_CLIENT_CERT_AUTH="true"').and.include('ETCD_PEER_TRUSTED_CA_FILE="/etc/kubernetes/pki/etcd/ca.crt"');
  });

  it('renders kubeconfigs kubeadm-style, with embedded certs or the kubelet\'s rotating file', () => {
    const admin = parse(kubeconfigFile({ server: 'https://10.213.5.1:6443', caPem: 'CA', user: 'kubernetes-admin', clientCertPem: 'C', clientKeyPem: 'K' }));
    expect(admin['current-context']).to.equal('kubernetes-admin@kubernetes');
    expect(admin.clusters[0].cluster).to.deep.equal({ 'certificate-authority-data': Buffer.from('CA').toString('base64'), server: 'https://10.213.5.1:6443' });
    expect(admin.users[0].user['client-key-data']).to.equal(Buffer.from('K').toString('base64'));
    const kubelet = parse(kubeconfigFile({ server: 's', caPem: 'CA', user: 'system:node:w1', clientCertFile: '/var/lib/kubelet/pki/kubelet-client-current.pem' }));
    expect(kubelet.users[0].user).to.deep.equal({ 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' });
    expect(parse(kubeletConfig())).to.include({ kind: 'KubeletConfiguration', staticPodPath: '/etc/kubernetes/manifests', cgroupDriver: 'systemd' });
  });

  it('installs and holds the pinned starting release at first boot; control planes also seed etcd', () => {
    const cp = bootstrapScript(release, 'control_plane');
    expect(cp).to.include('apt-get install -y -q --no-install-recommends kubelet=1.28.14-1.1 kubeadm=1.28.14-1.1 kubectl=1.28.14-1.1');
    expect(cp).to.include('apt-mark hold kubelet kubeadm kubectl').and.include('etcdctl put');
    expect(bootstrapScript(release, 'worker')).to.not.include('etcdctl');
  });
});

describe('lab kube: settings, repository paths and seed', () => {
  it('keeps a lab\'s starting version and cert days across ups, and checks --cert-days', () => {
    const first = kubeSettings({ stateDir: '/s', repoDir: '/c/kube-repo', bridgeAddress: '10.213.5.1', labId: 'abc', version: '1.29.3', certDays: 10 });
    expect(first).to.include({ version: '1.29.3', certDays: 10, repoUrl: 'http://10.213.5.1:8089', apiServerUrl: 'https://10.213.5.1:6443', kubeconfig: '/s/kubeconfig' });
    const again = kubeSettings({ stateDir: '/s', repoDir: '/c/kube-repo', bridgeAddress: '10.213.5.1', labId: 'abc', previous: first });
    expect(again).to.include({ version: '1.29.3', certDays: 10 });
    expect(() => checkCertDays(0)).to.throw(UsageError, /--cert-days/);
    expect(() => checkCertDays(1.5)).to.throw(UsageError);
  });

  it('serves only files inside the repository folder', () => {
    expect(resolveRepoPath('/c/repo', '/core:/stable:/v1.28/deb/Packages')).to.equal('/c/repo/core:/stable:/v1.28/deb/Packages');
    expect(resolveRepoPath('/c/repo', '/core%3A/stable%3A/v1.28/deb/Release')).to.equal('/c/repo/core:/stable:/v1.28/deb/Release');
    expect(resolveRepoPath('/c/repo', '/../../etc/shadow')).to.equal(null);
    expect(resolveRepoPath('/c/repo', '/a/../Packages')).to.equal('/c/repo/Packages');
    expect(resolveRepoPath('/c/repo', '/%2e%2e/%2e%2e/etc/shadow')).to.equal(null);
    expect(resolveRepoPath('/c/repo', '/%E0%A4%A')).to.equal(null);
  });

  it('seeds a workload the simulator accepts: Deployments with PDBs, DaemonSets, an emptyDir pod', () => {
    const docs = parseSeed(labSeed('v1.28.14'), 'seed.yaml').map((d) => d.obj);
    const kinds = docs.map((d) => d.kind);
    expect(kinds.filter((k) => k === 'Deployment')).to.have.length(3);
    expect(kinds.filter((k) => k === 'PodDisruptionBudget')).to.have.length(2);
    expect(kinds.filter((k) => k === 'DaemonSet')).to.have.length(2);
    expect(docs.find((d) => d.metadata.name === 'kube-proxy')!.spec.template.spec.containers[0].image).to.equal('registry.k8s.io/kube-proxy:v1.28.14');
    expect(docs.some((d) => d.kind === 'Pod' && d.spec.volumes?.some((v: { emptyDir?: unknown }) => v.emptyDir))).to.equal(true);
  });
});
