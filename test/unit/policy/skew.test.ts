import { expect } from 'chai';
import {
  checkControlPlaneUpgrade,
  checkKubeletUpgrade,
  checkSkew,
  type ClusterSnapshot,
  type SkewViolation,
} from '../../../src/policy/skew.js';

function cluster(apiserver: string | string[], kubelets: Record<string, string> = {}, extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const servers = Array.isArray(apiserver) ? apiserver : [apiserver];
  const cps = servers.map((version, i) => ({ node: `cp${i + 1}`, version }));
  return {
    apiservers: cps,
    controllerManagers: cps,
    schedulers: cps,
    kubelets: Object.entries(kubelets).map(([node, version]) => ({ node, version })),
    ...extra,
  };
}

const rules = (list: SkewViolation[]): string[] => list.map((v) => `${v.rule}:${v.component}:${v.node}`);

describe('policy/skew checkSkew', () => {
  it('accepts a cluster where everything runs the same version', () => {
    expect(checkSkew(cluster('v1.29.4', { w1: 'v1.29.4' }))).to.deep.equal([]);
  });

  it('coerces distribution spellings (package revision, build metadata, eks suffix)', () => {
    expect(checkSkew(cluster('v1.29.4+k3s1', { w1: '1.29.4-1.1', w2: 'v1.28.3-eks-ab12' }))).to.deep.equal([]);
  });

  describe('kubelet window with apiserver >= 1.28 (N-3)', () => {
    it('allows a kubelet exactly 3 minors older', () => {
      expect(checkSkew(cluster('v1.28.0', { w1: 'v1.25.9' }))).to.deep.equal([]);
    });
    it('refuses a kubelet 4 minors older', () => {
      const v = checkSkew(cluster('v1.28.0', { w1: 'v1.24.9' }));
      expect(rules(v)).to.deep.equal(['too-old-for-apiserver:kubelet:w1']);
      expect(v[0]!.allowed).to.equal('1.25 to 1.28');
      expect(v[0]!.message).to.contain('w1').and.contain('v1.24.9');
    });
  });

  describe('kubelet window with apiserver < 1.28 (N-2)', () => {
    it('allows a kubelet exactly 2 minors older', () => {
      expect(checkSkew(cluster('v1.27.3', { w1: 'v1.25.0' }))).to.deep.equal([]);
    });
    it('refuses a kubelet 3 minors older', () => {
      const v = checkSkew(cluster('v1.27.3', { w1: 'v1.24.0' }));
      expect(rules(v)).to.deep.equal(['too-old-for-apiserver:kubelet:w1']);
      expect(v[0]!.allowed).to.equal('1.25 to 1.27');
    });
  });

  it('refuses a kubelet newer than the apiserver, but allows a newer patch of the same minor', () => {
    expect(rules(checkSkew(cluster('v1.29.4', { w1: 'v1.30.0' })))).to.deep.equal(['newer-than-apiserver:kubelet:w1']);
    expect(checkSkew(cluster('v1.29.4', { w1: 'v1.29.9' }))).to.deep.equal([]);
  });

  it('shrinks the kubelet window to the OLDEST apiserver when apiservers are skewed', () => {
    // apiservers 1.30 and 1.29: kubelet may be 1.27..1.29, not 1.30 and not 1.26.
    const servers = ['v1.30.1', 'v1.29.4'];
    const ok = cluster(servers, { w1: 'v1.27.0', w2: 'v1.29.4' });
    ok.controllerManagers = ok.schedulers = [{ node: 'cp2', version: 'v1.29.4' }];
    expect(checkSkew(ok)).to.deep.equal([]);
    const bad = cluster(servers, { w1: 'v1.30.1', w2: 'v1.26.0' });
    bad.controllerManagers = bad.schedulers = [];
    const v = checkSkew(bad);
    expect(rules(v)).to.deep.equal(['newer-than-apiserver:kubelet:w1', 'too-old-for-apiserver:kubelet:w2']);
    expect(v[0]!.allowed).to.equal('1.27 to 1.29');
  });

  it('requires HA apiservers within one minor of each other', () => {
    const snap = cluster(['v1.29.0', 'v1.28.5'], {});
    snap.controllerManagers = snap.schedulers = [];
    expect(checkSkew(snap)).to.deep.equal([]);
    const far = cluster(['v1.30.0', 'v1.28.5'], {});
    far.controllerManagers = far.schedulers = [];
    expect(rules(checkSkew(far))).to.deep.equal(['apiserver-ha-skew:kube-apiserver:cp2']);
  });

  it('allows controllers one minor older, not two, and never newer', () => {
    const base = cluster('v1.29.0');
    expect(checkSkew({ ...base, controllerManagers: [{ node: 'cp1', version: 'v1.28.9' }] })).to.deep.equal([]);
    expect(rules(checkSkew({ ...base, controllerManagers: [{ node: 'cp1', version: 'v1.27.9' }] }))).to.deep.equal([
      'too-old-for-apiserver:kube-controller-manager:cp1',
    ]);
    expect(rules(checkSkew({ ...base, schedulers: [{ node: 'cp1', version: 'v1.30.0' }] }))).to.deep.equal([
      'newer-than-apiserver:kube-scheduler:cp1',
    ]);
  });

  it('pins controllers to the oldest apiserver when apiservers are skewed', () => {
    const snap = cluster(['v1.30.0', 'v1.29.0']);
    snap.controllerManagers = [{ node: 'cp1', version: 'v1.30.0' }];
    snap.schedulers = [{ node: 'cp1', version: 'v1.29.0' }];
    expect(rules(checkSkew(snap))).to.deep.equal(['newer-than-apiserver:kube-controller-manager:cp1']);
  });

  it('checks kube-proxy like the kubelet', () => {
    const snap = cluster('v1.28.0', { w1: 'v1.28.0' }, { kubeProxies: [{ node: 'w1', version: 'v1.24.0' }] });
    // 1.24 is outside the apiserver window and more than 3 minors from the kubelet on the same node.
    expect(rules(checkSkew(snap))).to.deep.equal(['too-old-for-apiserver:kube-proxy:w1', 'kube-proxy-kubelet-skew:kube-proxy:w1']);
    expect(checkSkew(cluster('v1.28.0', { w1: 'v1.28.0' }, { kubeProxies: [{ node: 'w1', version: 'v1.25.0' }] }))).to.deep.equal([]);
  });

  it('warns (not errors) when kubectl is more than one minor from the apiserver', () => {
    expect(checkSkew(cluster('v1.29.0', {}, { kubectl: 'v1.30.2' }))).to.deep.equal([]);
    expect(checkSkew(cluster('v1.29.0', {}, { kubectl: 'v1.28.2' }))).to.deep.equal([]);
    const v = checkSkew(cluster('v1.29.0', {}, { kubectl: 'v1.31.0' }));
    expect(rules(v)).to.deep.equal(['kubectl-skew:kubectl:local']);
    expect(v[0]!.level).to.equal('warning');
    expect(rules(checkSkew(cluster('v1.29.0', {}, { kubectl: 'v1.27.0' })))).to.deep.equal(['kubectl-skew:kubectl:local']);
  });

  it('requires majors to match', () => {
    expect(rules(checkSkew(cluster('v1.29.0', { w1: 'v2.29.0' })))).to.deep.equal(['major-mismatch:kubelet:w1']);
  });

  it('reports unreadable versions and a snapshot without apiservers', () => {
    expect(rules(checkSkew(cluster('v1.29.0', { w1: 'banana' })))).to.deep.equal(['unparseable-version:kubelet:w1']);
    expect(rules(checkSkew({ apiservers: [], controllerManagers: [], schedulers: [], kubelets: [] }))).to.deep.equal([
      'no-apiserver:kube-apiserver:',
    ]);
  });
});

describe('policy/skew checkKubeletUpgrade', () => {
  const snap = cluster('v1.29.4', { w1: 'v1.28.2' });
  it('allows upgrading a kubelet up to the apiserver version', () => {
    expect(checkKubeletUpgrade(snap, 'w1', '1.29.4')).to.deep.equal({ allowed: true, violations: [] });
  });
  it('refuses upgrading a kubelet past the apiserver', () => {
    const check = checkKubeletUpgrade(snap, 'w1', '1.30.0');
    expect(check.allowed).to.equal(false);
    expect(rules(check.violations)).to.deep.equal(['newer-than-apiserver:kubelet:w1']);
  });
  it('refuses a kubelet downgrade', () => {
    expect(rules(checkKubeletUpgrade(snap, 'w1', '1.28.1').violations)).to.deep.equal(['downgrade:kubelet:w1']);
  });
  it('refuses a kubelet past the OLDEST apiserver while apiservers are skewed', () => {
    const mixed = cluster(['v1.30.0', 'v1.29.4'], { w1: 'v1.29.4' });
    expect(rules(checkKubeletUpgrade(mixed, 'w1', '1.30.0').violations)).to.deep.equal(['newer-than-apiserver:kubelet:w1']);
  });
  it('allows skipping kubelet minors (1.26 straight to 1.29)', () => {
    expect(checkKubeletUpgrade(cluster('v1.29.0', { w1: 'v1.26.0' }), 'w1', '1.29.0').allowed).to.equal(true);
  });
});

describe('policy/skew checkControlPlaneUpgrade', () => {
  it('allows one minor up and any patch up', () => {
    expect(checkControlPlaneUpgrade(cluster('v1.29.4', { w1: 'v1.29.4' }), '1.30.2').allowed).to.equal(true);
    expect(checkControlPlaneUpgrade(cluster('v1.29.4', { w1: 'v1.29.4' }), '1.29.9').allowed).to.equal(true);
  });
  it('refuses skipping a minor', () => {
    expect(rules(checkControlPlaneUpgrade(cluster('v1.29.4'), '1.31.0').violations)).to.include('minor-skip:kube-apiserver:cp1');
  });
  it('refuses a downgrade, including a patch downgrade', () => {
    expect(rules(checkControlPlaneUpgrade(cluster('v1.29.4'), '1.29.3').violations)).to.deep.equal(['downgrade:kube-apiserver:cp1']);
  });
  it('refuses when a kubelet 3 minors behind would fall outside the new window', () => {
    const check = checkControlPlaneUpgrade(cluster('v1.29.4', { w1: 'v1.26.5', w2: 'v1.27.0' }), '1.30.0');
    expect(check.allowed).to.equal(false);
    expect(rules(check.violations)).to.deep.equal(['too-old-for-apiserver:kubelet:w1']);
    expect(check.violations[0]!.allowed).to.equal('1.27 to 1.29');
  });
  it('refuses when controllers are not at N-1 or N', () => {
    const snap = cluster('v1.29.4');
    snap.schedulers = [{ node: 'cp1', version: 'v1.28.0' }];
    expect(rules(checkControlPlaneUpgrade(snap, '1.30.0').violations)).to.deep.equal(['too-old-for-apiserver:kube-scheduler:cp1']);
  });
  it('refuses when an apiserver is not at N-1 or N', () => {
    const snap = cluster(['v1.29.0', 'v1.28.0']);
    snap.controllerManagers = snap.schedulers = [];
    expect(rules(checkControlPlaneUpgrade(snap, '1.30.0').violations)).to.deep.equal(['minor-skip:kube-apiserver:cp2']);
  });
  it('accepts finishing an interrupted minor (apiservers at N-1 and N)', () => {
    const snap = cluster(['v1.30.0', 'v1.29.4'], { w1: 'v1.29.4' });
    snap.controllerManagers = snap.schedulers = [{ node: 'cp1', version: 'v1.30.0' }];
    expect(checkControlPlaneUpgrade(snap, '1.30.0')).to.deep.equal({ allowed: true, violations: [] });
  });
});
