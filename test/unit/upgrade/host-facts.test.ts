import { expect } from 'chai';
import { factsScript, parseFactsOutput, repoFacts } from '../../../src/upgrade/host-facts.js';

const OUTPUT = [
  'Welcome to the lab',
  '@pkg kubeadm\t1.28.14-1.1\thold ok installed',
  '@pkg kubectl\t1.28.14-1.1\tinstall ok installed',
  '@pkg kubelet\t1.28.13-1.1\tdeinstall ok config-files',
  '@repo deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /',
  '@offers 1.29',
  '   kubeadm | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
  '   kubeadm | 1.29.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
  '   kubelet | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
  '   kubectl | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
  'N: Unable to locate package something',
  '@offers 1.30',
  '@offers-error 1.30 E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.30/deb/InRelease  Could not resolve host ',
  '',
].join('\n');

describe('upgrade/host-facts: the read-only host script and its output', () => {
  it('reads installed versions with hold state, the repository minor and each minor\'s offers', () => {
    const facts = parseFactsOutput(OUTPUT);
    expect(facts.installed).to.deep.equal({
      kubeadm: { version: '1.28.14-1.1', held: true },
      kubectl: { version: '1.28.14-1.1', held: false },
    });
    expect(facts.repo).to.deep.equal({ line: 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /', minor: '1.28' });
    expect(facts.offers).to.deep.equal([
      { minor: '1.29', versions: { kubeadm: ['1.29.4-1.1', '1.29.3-1.1'], kubelet: ['1.29.4-1.1'], kubectl: ['1.29.4-1.1'] } },
      {
        minor: '1.30',
        versions: { kubeadm: [], kubelet: [], kubectl: [] },
        error: 'E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.30/deb/InRelease  Could not resolve host',
      },
    ]);
  });

  it('a host without kubernetes.list, a legacy repository, a line without /vX.Y/', () => {
    expect(parseFactsOutput('@repo-missing\n').repo.problem).to.equal('/etc/apt/sources.list.d/kubernetes.list is missing: this host has no Kubernetes package repository');
    expect(repoFacts('deb https://apt.kubernetes.io/ kubernetes-xenial main').problem).to.match(/legacy apt\.kubernetes\.io repository.*migrate it to pkgs\.k8s\.io/);
    expect(repoFacts('deb http://mirror.local/kubernetes/ stable main').problem).to.match(/has no \/vX\.Y\/ in its line/);
    expect(repoFacts('deb http://mirror.local/core:/stable:/v1.30/deb/ /')).to.deep.equal({ line: 'deb http://mirror.local/core:/stable:/v1.30/deb/ /', minor: '1.30' });
  });

  it('the script changes nothing: apt works in a temporary folder it removes, no cache, the real lists untouched', () => {
    const script = factsScript(['1.29', '1.30']);
    expect(script).to.include('for minor in 1.29 1.30; do');
    expect(script).to.include('-o "Dir::State::Lists=$tmp/lists"');
    expect(script).to.include('-o Dir::Etc::SourceParts=/nonexistent');
    expect(script).to.include('-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=');
    expect(script).to.include('rm -rf "$tmp"');
    // Only the temporary folder is ever written to.
    const writes = script.split('\n').filter((line) => /(^|[^2])>\s*"?[^&]/.test(line) && !line.includes('/dev/null'));
    for (const line of writes) expect(line, line).to.match(/> ?"\$tmp\//);
    expect(script).to.not.match(/apt-get[^\n]*\b(install|upgrade|remove)\b/);
    expect(script).to.not.match(/apt-mark|dpkg -i|sed -i/);
  });

  it('refuses anything but X.Y as a minor: it goes into the script', () => {
    expect(() => factsScript(['1.29; rm -rf /'])).to.throw(/not a minor version/);
  });
});
