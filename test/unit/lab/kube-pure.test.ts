import { expect } from 'chai';
import { Command, InvalidArgumentError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../../../src/errors.js';
import { KUBE_RELEASES, DEFAULT_KUBE_VERSION, parseKubeVersion, releaseInfo, releasesByMinor, minorOf } from '../../../src/lab/kube/versions.js';
import { debControl, packagesIndex, packagesStanza, parseControl, releaseFile, type IndexedDeb } from '../../../src/lab/kube/aptindex.js';
import { BOOTSTRAP_UNIT, aptSourceLine, bootstrapScript } from '../../../src/lab/kube/files.js';
import { retargetAptSource } from '../../../src/lab/kube/provision.js';
import { checkCertDays, checkPreviousRelease, kubeSettings, type KubeLabSettings } from '../../../src/lab/kube/settings.js';
import { resolveRepoPath } from '../../../src/lab/kube/reposerver.js';
import { labSeed } from '../../../src/lab/kube/seed.js';
import { debRecipes } from '../../../src/lab/kube/repo.js';
import { kubeBinary } from '../../../src/lab/kube/binaries.js';
import { kubeVersionOption, registerLabHostCommands } from '../../../src/lab/cli.js';

describe('lab kube: release table', () => {
  it('carries only the real 1.36.3 and 1.37.2, starting at 1.36.3', () => {
    expect(KUBE_RELEASES).to.deep.equal(['1.36.3', '1.37.2']);
    expect(DEFAULT_KUBE_VERSION).to.equal('1.36.3');
    expect(releaseInfo('1.37.2')).to.include({ debVersion: '1.37.2-1.1', etcdImageTag: '3.6.16-0' });
    const byMinor = releasesByMinor();
    expect([...byMinor.keys()]).to.deep.equal(['1.36', '1.37']);
    expect(byMinor.get('1.36')!.map((r) => r.debVersion)).to.deep.equal(['1.36.3-1.1']);
  });

  it('names packages, tags and repositories as pkgs.k8s.io and kubeadm do', () => {
    const r = parseKubeVersion('v1.36.3');
    expect(r).to.include({ version: '1.36.3', tag: 'v1.36.3', minor: '1.36', debVersion: '1.36.3-1.1', repoPath: '/core:/stable:/v1.36/deb/' });
    expect(minorOf('1.37.2')).to.equal('1.37');
  });

  it('refuses the old stand-in releases and anything else, naming the real ones', () => {
    for (const old of ['1.28.14', '1.29.4', 'v1.30.2', '1.31.0', 'latest']) {
      expect(() => parseKubeVersion(old), old).to.throw(UsageError, /runs only the real Kubernetes releases 1\.36\.3, 1\.37\.2$/);
    }
    expect(() => minorOf('latest')).to.throw(UsageError, /not a Kubernetes version/);
  });

  it('checks `lab up --kube-version` while parsing, before anything is built', () => {
    expect(kubeVersionOption('v1.37.2')).to.equal('1.37.2');
    expect(() => kubeVersionOption('1.28.14')).to.throw(InvalidArgumentError, /runs only the real Kubernetes releases 1\.36\.3, 1\.37\.2/);
    const lab = new Command('lab');
    registerLabHostCommands(lab);
    const option = lab.commands.find((c) => c.name() === 'up')!.options.find((o) => o.long === '--kube-version')!;
    expect(() => option.parseArg!('1.29.4', undefined)).to.throw(InvalidArgumentError, /1\.36\.3, 1\.37\.2/);
  });
});

describe('lab kube: apt index files', () => {
  const deb = (name: string, version: string): IndexedDeb => ({
    control: parseControl(debControl({ name, version, architecture: 'amd64', installedSizeKb: 12, depends: 'curl', description: `${name} test package` })),
    filename: `amd64/${name}_${version}_amd64.deb`, size: 1234, md5: 'a'.repeat(32), sha256: 'b'.repeat(64),
  });

  it('writes a Packages stanza with the control fields, then Filename, Size and checksums', () => {
    const stanza = packagesStanza(deb('kubeadm', '1.37.2-1.1'));
    const lines = stanza.split('\n');
    expect(lines[0]).to.equal('Package: kubeadm');
    expect(lines).to.include.members(['Version: 1.37.2-1.1', 'Architecture: amd64', 'Depends: curl', 'Installed-Size: 12']);
    expect(lines.slice(-4)).to.deep.equal(['Filename: amd64/kubeadm_1.37.2-1.1_amd64.deb', 'Size: 1234', `MD5sum: ${'a'.repeat(32)}`, `SHA256: ${'b'.repeat(64)}`]);
  });

  it('sorts the index by package and separates stanzas with a blank line', () => {
    const text = packagesIndex([deb('kubelet', '1.37.2-1.1'), deb('kubeadm', '1.37.2-1.1'), deb('kubeadm', '1.36.3-1.1')]);
    const packages = text.split('\n\n').map((s) => /^Package: (\S+)\nVersion: (\S+)/.exec(s)!.slice(1).join('='));
    expect(packages).to.deep.equal(['kubeadm=1.36.3-1.1', 'kubeadm=1.37.2-1.1', 'kubelet=1.37.2-1.1']);
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

  it('packages the node agent as the kubelet and the real kubeadm and kubectl, with kubeadm\'s drop-in as a conffile', () => {
    const release = releaseInfo('1.37.2');
    const recipes = debRecipes(release, '#!/usr/bin/node\nconst VERSION = "@KUBELET_VERSION@";\n');
    const kubelet = recipes.find((r) => r.name === 'kubelet')!;
    expect(kubelet.files.map((f) => f.path)).to.include('usr/lib/systemd/system/kubelet.service');
    expect(kubelet.files.find((f) => f.path === 'usr/bin/kubelet')!.content).to.equal('#!/usr/bin/node\nconst VERSION = "1.37.2";\n');
    expect(kubelet.depends).to.match(/^nodejs /);
    const kubeadm = recipes.find((r) => r.name === 'kubeadm')!;
    expect(kubeadm.files.find((f) => f.path === 'usr/bin/kubeadm')!.source).to.equal(kubeBinary('1.37.2', 'kubeadm'));
    expect(recipes.find((r) => r.name === 'kubectl')!.files[0]!.source).to.equal(kubeBinary('1.37.2', 'kubectl'));
    expect(kubeadm.conffiles).to.deep.equal(['/etc/systemd/system/kubelet.service.d/10-kubeadm.conf']);
    expect(kubeadm.depends).to.match(/^kubelet \(>= 1\.19\.0\), kubectl/);
  });
});

describe('lab kube: node files', () => {
  const release = releaseInfo('1.36.3');

  it('points apt at the minor of the release, flat and trusted, and retargets only the address later', () => {
    const line = aptSourceLine('http://10.213.5.1:8089/', release);
    expect(line).to.equal('deb [trusted=yes] http://10.213.5.1:8089/core:/stable:/v1.36/deb/ /\n');
    const moved = line.replace('v1.36', 'v1.37');
    expect(retargetAptSource(moved, 'http://10.213.9.1:8089')).to.equal('deb [trusted=yes] http://10.213.9.1:8089/core:/stable:/v1.37/deb/ /\n');
  });

  it('installs and holds the pinned starting release at first boot, and touches no etcd', () => {
    for (const role of ['control_plane', 'worker'] as const) {
      const script = bootstrapScript(release, role);
      expect(script).to.include('apt-get install -y -q --no-install-recommends kubelet=1.36.3-1.1 kubeadm=1.36.3-1.1 kubectl=1.36.3-1.1');
      expect(script).to.include('apt-mark hold kubelet kubeadm kubectl');
      expect(script).to.not.include('etcd');
    }
    expect(BOOTSTRAP_UNIT).to.not.include('etcd');
  });
});

describe('lab kube: settings, repository paths and seed', () => {
  it('keeps a lab\'s starting version and cert days across ups, and checks --cert-days', () => {
    const first = kubeSettings({ stateDir: '/s', repoDir: '/c/kube-repo', bridgeAddress: '10.213.5.1', version: '1.37.2', certDays: 10 });
    expect(first).to.include({ version: '1.37.2', certDays: 10, repoUrl: 'http://10.213.5.1:8089', apiServerUrl: 'https://10.213.5.1:6443', kubeconfig: '/s/kubeconfig' });
    const again = kubeSettings({ stateDir: '/s', repoDir: '/c/kube-repo', bridgeAddress: '10.213.5.1', previous: first });
    expect(again).to.include({ version: '1.37.2', certDays: 10 });
    expect(kubeSettings({ stateDir: '/s', repoDir: '/c/r', bridgeAddress: '10.213.5.1' }).version).to.equal('1.36.3');
    expect(() => checkCertDays(0)).to.throw(UsageError, /--cert-days/);
    expect(() => checkCertDays(1.5)).to.throw(UsageError);
  });

  it('refuses a state folder whose cluster started at an old stand-in release, with the purge to run', () => {
    const old = { ...kubeSettings({ stateDir: '/s', repoDir: '/c/r', bridgeAddress: '10.213.5.1' }), version: '1.28.14' } as KubeLabSettings;
    const purge = /\/s holds a cluster at 1\.28\.14, which the lab no longer runs \(only 1\.36\.3, 1\.37\.2\); run "drydock lab down --purge --state-dir \/s" first/;
    expect(() => checkPreviousRelease('/s', old)).to.throw(UsageError, purge);
    expect(() => kubeSettings({ stateDir: '/s', repoDir: '/c/r', bridgeAddress: '10.213.5.1', previous: old })).to.throw(UsageError, purge);
    expect(() => checkPreviousRelease('/s', undefined)).to.not.throw();
  });

  it('serves only files inside the repository folder', () => {
    expect(resolveRepoPath('/c/repo', '/core:/stable:/v1.36/deb/Packages')).to.equal('/c/repo/core:/stable:/v1.36/deb/Packages');
    expect(resolveRepoPath('/c/repo', '/core%3A/stable%3A/v1.36/deb/Release')).to.equal('/c/repo/core:/stable:/v1.36/deb/Release');
    expect(resolveRepoPath('/c/repo', '/../../etc/shadow')).to.equal(null);
    expect(resolveRepoPath('/c/repo', '/a/../Packages')).to.equal('/c/repo/Packages');
    expect(resolveRepoPath('/c/repo', '/%2e%2e/%2e%2e/etc/shadow')).to.equal(null);
    expect(resolveRepoPath('/c/repo', '/%E0%A4%A')).to.equal(null);
  });

  it('seeds Deployments with PDBs, a DaemonSet, a StatefulSet, a Job and an emptyDir pod; kube-proxy is kubeadm\'s', () => {
    type Doc = { kind: string; metadata: { name: string }; spec?: { volumes?: Array<{ emptyDir?: unknown }> } };
    const docs = parseAllDocuments(labSeed()).map((d) => d.toJS() as Doc);
    const kinds = docs.map((d) => d.kind);
    expect(kinds.filter((k) => k === 'Deployment')).to.have.length(3);
    expect(kinds.filter((k) => k === 'PodDisruptionBudget')).to.have.length(2);
    expect(kinds).to.include.members(['DaemonSet', 'StatefulSet', 'Job', 'Namespace']);
    expect(docs.some((d) => d.metadata.name === 'kube-proxy')).to.equal(false);
    expect(docs.some((d) => d.kind === 'Pod' && d.spec?.volumes?.some((v) => v.emptyDir))).to.equal(true);
  });
});
