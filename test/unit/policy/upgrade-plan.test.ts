import { expect } from 'chai';
import type { ClusterSnapshot } from '../../../src/policy/skew.js';
import {
  compareKubeVersions,
  parseKubeVersion,
  parseMadison,
  parseYumShowDuplicates,
  planVersionHops,
  resolvePackageVersion,
} from '../../../src/policy/upgrade-plan.js';
import { ConfigError } from '../../../src/errors.js';

function at(apiserver: string | string[], kubelets: Record<string, string> = {}): ClusterSnapshot {
  const cps = (Array.isArray(apiserver) ? apiserver : [apiserver]).map((version, i) => ({ node: `cp${i + 1}`, version }));
  return {
    apiservers: cps,
    controllerManagers: cps,
    schedulers: cps,
    kubelets: [...cps, ...Object.entries(kubelets).map(([node, version]) => ({ node, version }))],
  };
}

const REPO = ['1.28.9', '1.29.3', '1.29.4', '1.30.0', '1.30.2', '1.31.1'];

describe('policy/upgrade-plan parseKubeVersion and compareKubeVersions', () => {
  it('reads every spelling the cluster and the repositories use', () => {
    for (const text of ['v1.29.4', '1.29.4', '1.29.4-1.1', 'v1.29.4+k3s1', '1.29.4-150500.1.1', ' v1.29.4-eks-ab12']) {
      const v = parseKubeVersion(text);
      expect([v.major, v.minor, v.patch], text).to.deep.equal([1, 29, 4]);
    }
  });
  it('rejects text without major.minor.patch with a ConfigError', () => {
    expect(() => parseKubeVersion('1.29')).to.throw(ConfigError, /"1.29" is not a Kubernetes version/);
    expect(() => parseKubeVersion('latest')).to.throw(ConfigError);
  });
  it('compares numerically, ignoring package revisions and build metadata', () => {
    expect(compareKubeVersions('1.29.10', 'v1.29.9')).to.be.greaterThan(0);
    expect(compareKubeVersions('1.29.4-1.1', 'v1.29.4+k3s1')).to.equal(0);
    expect(compareKubeVersions('1.9.0', '1.10.0')).to.be.lessThan(0);
  });
});

describe('policy/upgrade-plan planVersionHops', () => {
  it('plans a single patch hop within a minor', () => {
    const plan = planVersionHops({ current: at('v1.29.3'), target: '1.29.4', available: REPO });
    expect(plan).to.include({ ok: true });
    expect(plan.ok && plan.hops).to.deep.equal(['1.29.4']);
  });

  it('plans a single minor hop when already on the latest patch', () => {
    const plan = planVersionHops({ current: at('v1.29.4'), target: '1.30.2', available: REPO });
    expect(plan.ok && plan.hops).to.deep.equal(['1.30.2']);
  });

  it('goes to the latest patch of the current minor first (patchFirst default)', () => {
    const plan = planVersionHops({ current: at('v1.29.3'), target: '1.30.2', available: REPO });
    expect(plan.ok && plan.hops).to.deep.equal(['1.29.4', '1.30.2']);
    expect(plan.ok && plan.notes.join('\n')).to.contain('latest patch of 1.29');
  });

  it('skips the patch-first hop when patchFirst is false', () => {
    const plan = planVersionHops({ current: at('v1.29.3'), target: '1.30.2', available: REPO, patchFirst: false });
    expect(plan.ok && plan.hops).to.deep.equal(['1.30.2']);
  });

  it('plans multiple hops through the latest patch of each intermediate minor', () => {
    const plan = planVersionHops({
      current: at('v1.28.9'),
      target: '1.31.1',
      available: ['1.29.3-1.1', '1.29.4-1.1', '1.30.0-1.1', '1.30.2-1.1', '1.31.1-1.1'],
    });
    expect(plan.ok && plan.hops).to.deep.equal(['1.29.4', '1.30.2', '1.31.1']);
  });

  it('returns zero hops when the target equals the current version, listing lagging kubelets', () => {
    const plan = planVersionHops({ current: at('v1.30.2', { w1: 'v1.29.4' }), target: 'v1.30.2', available: [] });
    expect(plan).to.deep.equal({ ok: true, from: '1.30.2', hops: [], kubeletsBehindTarget: ['w1'], notes: [] });
  });

  it('refuses a downgrade', () => {
    const plan = planVersionHops({ current: at('v1.30.2'), target: '1.30.0', available: REPO });
    expect(plan.ok).to.equal(false);
    expect(!plan.ok && plan.refusals.map((r) => r.rule)).to.deep.equal(['downgrade']);
  });

  it('refuses when an intermediate minor is missing from the repositories', () => {
    const plan = planVersionHops({ current: at('v1.28.9'), target: '1.30.2', available: ['1.28.9', '1.30.2'] });
    expect(!plan.ok && plan.refusals.map((r) => r.rule)).to.deep.equal(['intermediate-minor-missing']);
    expect(!plan.ok && plan.refusals[0]!.message).to.contain('1.29');
  });

  it('refuses a target the repositories do not offer, listing what they do offer', () => {
    const plan = planVersionHops({ current: at('v1.29.4'), target: '1.30.9', available: REPO });
    expect(!plan.ok && plan.refusals.map((r) => r.rule)).to.deep.equal(['target-not-available']);
    expect(!plan.ok && plan.refusals[0]!.message).to.contain('1.30.0, 1.30.2');
    const noMinor = planVersionHops({ current: at('v1.29.4'), target: '1.30.2', available: ['1.29.4'] });
    expect(!noMinor.ok && noMinor.refusals[0]!.message).to.contain('no 1.30.x version');
  });

  it('refuses when a kubelet is too old for the first hop, naming the node', () => {
    const plan = planVersionHops({ current: at('v1.29.4', { 'worker-7': 'v1.26.3', w2: 'v1.28.0' }), target: '1.30.2', available: REPO });
    expect(plan.ok).to.equal(false);
    const refusals = plan.ok ? [] : plan.refusals;
    expect(refusals.map((r) => [r.rule, r.skewRule, r.node])).to.deep.equal([['skew', 'too-old-for-apiserver', 'worker-7']]);
    expect(refusals[0]!.message).to.contain('worker-7').and.contain('upgrade to 1.30');
  });

  it('refuses a kubelet newer than the target', () => {
    const snap = at('v1.29.4', {});
    snap.kubelets.push({ node: 'w9', version: 'v1.29.9' });
    const plan = planVersionHops({ current: snap, target: '1.29.5', available: ['1.29.5'] });
    expect(!plan.ok && plan.refusals.map((r) => [r.rule, r.node])).to.deep.equal([['downgrade', 'w9']]);
  });

  it('refuses apiservers on two minors unless the target finishes that minor', () => {
    const snap = at(['v1.30.2', 'v1.29.4']);
    snap.controllerManagers = snap.schedulers = [{ node: 'cp1', version: 'v1.30.2' }];
    snap.kubelets = [{ node: 'cp1', version: 'v1.29.4' }];
    const onward = planVersionHops({ current: snap, target: '1.31.1', available: REPO });
    expect(!onward.ok && onward.refusals.map((r) => r.rule)).to.deep.equal(['mixed-apiserver-versions']);
    const finish = planVersionHops({ current: snap, target: '1.30.2', available: REPO });
    expect(finish.ok && finish.hops).to.deep.equal(['1.30.2']);
    expect(finish.ok && finish.notes[0]).to.contain('interrupted');
  });

  it('refuses a major change and an unreadable target', () => {
    expect(planVersionHops({ current: at('v1.29.4'), target: '2.0.0', available: ['2.0.0'] })).to.deep.include({ ok: false });
    const bad = planVersionHops({ current: at('v1.29.4'), target: 'next', available: REPO });
    expect(!bad.ok && bad.refusals[0]!.rule).to.equal('unparseable-version');
  });
});

describe('policy/upgrade-plan package versions', () => {
  const PKGS_K8S_IO = [
    '   kubeadm | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
    '   kubeadm | 1.29.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
    '   kubeadm | 1.29.0-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages',
  ].join('\n');
  const LEGACY = [
    '   kubeadm |  1.28.2-00 | https://apt.kubernetes.io kubernetes-xenial/main amd64 Packages',
    '   kubeadm |  1.28.1-00 | https://apt.kubernetes.io kubernetes-xenial/main amd64 Packages',
    'N: Ignoring file \'x\' in directory',
  ].join('\n');

  it('parses apt-cache madison output from pkgs.k8s.io', () => {
    expect(parseMadison(PKGS_K8S_IO)).to.deep.equal(['1.29.4-1.1', '1.29.3-1.1', '1.29.0-1.1']);
  });
  it('parses apt-cache madison output from the legacy apt.kubernetes.io repo, ignoring noise', () => {
    expect(parseMadison(LEGACY)).to.deep.equal(['1.28.2-00', '1.28.1-00']);
  });
  it('filters madison output by package name', () => {
    const both = `${PKGS_K8S_IO}\n   kubelet | 1.29.9-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages`;
    expect(parseMadison(both, 'kubelet')).to.deep.equal(['1.29.9-1.1']);
  });
  it('parses yum/dnf --showduplicates listings', () => {
    const text = ['Available Packages', 'kubeadm.x86_64   1.28.4-150500.1.1   kubernetes', 'kubeadm.x86_64   1.28.5-150500.1.1   kubernetes'].join('\n');
    expect(parseYumShowDuplicates(text, 'kubeadm')).to.deep.equal(['1.28.4-150500.1.1', '1.28.5-150500.1.1']);
  });
  it('resolves a target to the package version in both repo styles', () => {
    expect(resolvePackageVersion('1.29.4', parseMadison(PKGS_K8S_IO))).to.equal('1.29.4-1.1');
    expect(resolvePackageVersion('v1.28.2', parseMadison(LEGACY))).to.equal('1.28.2-00');
    expect(resolvePackageVersion('1.28.5', ['1.28.5-150500.1.1'])).to.equal('1.28.5-150500.1.1');
  });
  it('picks the highest package revision and never confuses 1.29.4 with 1.29.40', () => {
    expect(resolvePackageVersion('1.29.4', ['1.29.40-1.1', '1.29.4-1.1', '1.29.4-1.10', '1.29.4-1.2'])).to.equal('1.29.4-1.10');
  });
  it('explains what is offered when the target is missing', () => {
    expect(() => resolvePackageVersion('1.29.5', parseMadison(PKGS_K8S_IO))).to.throw(ConfigError, /1\.29\.5 is not available.*1\.29\.4-1\.1, 1\.29\.3-1\.1/);
    expect(() => resolvePackageVersion('1.30.0', parseMadison(PKGS_K8S_IO))).to.throw(ConfigError, /no 1\.30\.x package.*v1\.30/);
    expect(() => resolvePackageVersion('1.30.0', [])).to.throw(ConfigError, /no version at all/);
  });
});
