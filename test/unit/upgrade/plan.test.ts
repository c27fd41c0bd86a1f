import { expect } from 'chai';
import { buildUpgradePlan } from '../../../src/upgrade/plan.js';
import { renderPlanText, verdictLine } from '../../../src/upgrade/render.js';
import { facts, labInput, LAB_OFFERS, stagesFor, survey } from './fixtures.js';

describe('upgrade/plan: the pure plan', () => {
  it('1.28.14 → 1.29.4: one hop, backup first, cp1 apply, cp2 node, each kubelet, workers canary first', () => {
    const plan = buildUpgradePlan(labInput());
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.unreachable).to.deep.equal([]);
    expect(plan.from).to.equal('1.28.14');
    expect(plan.hops).to.deep.equal(['1.29.4']);
    expect(plan.nothingToDo).to.equal(false);
    expect(plan.steps.map((s) => s.kind)).to.deep.equal(['backup', 'first-control-plane', 'other-control-planes', 'control-plane-kubelets', 'workers']);
    expect(plan.steps[1]!.batches).to.have.length(1);
    expect(plan.steps[1]!.batches[0]![0]!.action).to.equal('repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade plan, kubeadm upgrade apply v1.29.4');
    expect(plan.steps[2]!.batches.map((b) => b.map((h) => h.host))).to.deep.equal([['cp2']]);
    expect(plan.steps[3]!.batches.map((b) => b.map((h) => h.host))).to.deep.equal([['cp1'], ['cp2']]);
    expect(plan.steps[4]!.batches.map((b) => b.map((h) => h.host))).to.deep.equal([['worker1'], ['worker2']]);
    for (const h of plan.hosts) {
      expect(h.state, h.host).to.equal('upgrade');
      expect(h.packages.map((p) => [p.name, p.installed, p.target])).to.deep.equal([
        ['kubeadm', '1.28.14-1.1', '1.29.4-1.1'],
        ['kubelet', '1.28.14-1.1', '1.29.4-1.1'],
        ['kubectl', '1.28.14-1.1', '1.29.4-1.1'],
      ]);
    }
  });

  it('refuses a skipped minor, naming the hops: 1.28 → 1.30 skips 1.29', () => {
    const input = labInput({ target: '1.30.2' });
    input.hosts = input.hosts.map((h) => ({ ...h, facts: facts('1.28.14-1.1', { minors: ['1.29', '1.30'] }) }));
    const plan = buildUpgradePlan(input);
    expect(plan.hops).to.deep.equal(['1.29.4', '1.30.2']);
    expect(plan.refusals[0]).to.equal('1.28 → 1.30 skips 1.29: upgrade to 1.29.x first (drydock upgrade --to 1.29.4), then to 1.30.2; kubeadm upgrades one minor at a time');
    expect(renderPlanText(plan)).to.include('hops: 1.28.14 → 1.29.4 → 1.30.2 (2 upgrades, one minor each)');
  });

  it('refuses a skipped minor the repositories do not even offer, still naming it', () => {
    const input = labInput({ target: '1.30.2' });
    const noOneTwentyNine = { ...LAB_OFFERS, '1.29': [] };
    input.hosts = input.hosts.map((h) => ({ ...h, facts: facts('1.28.14-1.1', { minors: ['1.29', '1.30'], offers: noOneTwentyNine }) }));
    const plan = buildUpgradePlan(input);
    expect(plan.hops).to.deep.equal(['1.29.x', '1.30.2']);
    expect(plan.refusals[0]).to.match(/^1\.28 → 1\.30 skips 1\.29: upgrade to 1\.29\.x first, then to 1\.30\.2/);
  });

  it('refuses a target older than the cluster', () => {
    const plan = buildUpgradePlan(labInput({ target: '1.28.15' }, '1.29.4'));
    expect(plan.refusals.join('\n')).to.match(/already v1\.29\.4; 1\.28\.15 would be a downgrade/);
    expect(plan.hops).to.deep.equal([]);
  });

  it('already at the target: nothing to do, per host', () => {
    const input = labInput({}, '1.29.4');
    const plan = buildUpgradePlan(input);
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.nothingToDo).to.equal(true);
    expect(plan.hosts.every((h) => h.state === 'at target')).to.equal(true);
    for (const step of plan.steps.slice(1)) for (const h of step.batches.flat()) expect(h.action, h.host).to.equal('nothing to do (at 1.29.4)');
    expect(verdictLine(plan)).to.equal('nothing to do: every host of the run is at 1.29.4');
  });

  it('a half-done run: the control plane at the target, one worker behind, only that worker has work', () => {
    const input = labInput({}, '1.29.4');
    input.hosts[3] = { ...input.hosts[3]!, facts: facts('1.28.14-1.1') };
    input.cluster = survey([
      { name: 'cp1', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'cp2', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'worker1', kubelet: 'v1.29.4' },
      { name: 'worker2', kubelet: 'v1.28.14' },
    ]);
    const plan = buildUpgradePlan(input);
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.hops).to.deep.equal([]);
    expect(plan.nothingToDo).to.equal(false);
    expect(plan.hosts.map((h) => h.state)).to.deep.equal(['at target', 'at target', 'at target', 'upgrade']);
  });

  it('a target one host\'s repository lacks: refused, naming the host and what it offers', () => {
    const input = labInput({ target: '1.29.9' });
    const plan = buildUpgradePlan(input);
    expect(plan.refusals).to.have.length(4);
    expect(plan.refusals[0]).to.equal('cp1: the v1.29 repository: Kubernetes 1.29.9 is not available as a package: the repository offers 1.29: 1.29.4-1.1, 1.29.3-1.1');
    expect(plan.hosts[0]!.state).to.equal('blocked');
  });

  it('kubelet not offered at the kubeadm version, a missing or legacy repository: refused per host', () => {
    const input = labInput();
    const partial = facts('1.28.14-1.1');
    partial.offers[0]!.versions.kubelet = ['1.29.3-1.1'];
    input.hosts[0] = { ...input.hosts[0]!, facts: partial };
    input.hosts[1] = { ...input.hosts[1]!, facts: { installed: {}, repo: { problem: '/etc/apt/sources.list.d/kubernetes.list is missing' }, offers: [] } };
    const broken = facts('1.28.14-1.1');
    broken.offers[0]!.error = 'E: Failed to fetch http://10.0.0.1/core:/stable:/v1.29/deb/InRelease';
    input.hosts[2] = { ...input.hosts[2]!, facts: broken };
    const plan = buildUpgradePlan(input);
    expect(plan.refusals).to.deep.equal([
      'cp1: the v1.29 repository offers kubeadm 1.29.4-1.1 but not kubelet 1.29.4-1.1',
      'cp2: /etc/apt/sources.list.d/kubernetes.list is missing',
      'worker1: the v1.29 repository could not be read: E: Failed to fetch http://10.0.0.1/core:/stable:/v1.29/deb/InRelease',
    ]);
  });

  it('an unreachable host is named and stops the upgrade; the others are still planned', () => {
    const input = labInput();
    input.hosts[3] = { host: 'worker2', node: 'worker2', role: 'worker', error: { unreachable: true, message: 'unreachable (tcp): connect ECONNREFUSED 10.0.0.5:22' } };
    const plan = buildUpgradePlan(input);
    expect(plan.unreachable).to.deep.equal(['worker2']);
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.steps[4]!.batches[1]![0]!.action).to.equal('UNREACHABLE');
    const text = renderPlanText(plan);
    expect(text).to.include('worker2  worker         UNREACHABLE: unreachable (tcp): connect ECONNREFUSED');
    expect(text).to.include('UNREACHABLE: worker2 (facts could not be read; the upgrade will not start)');
    expect(text.trimEnd().split('\n').pop()).to.equal('the upgrade will not start: fix what is listed above first');
  });

  it('a NotReady control plane or worker refuses, saying how to leave the worker out', () => {
    const input = labInput();
    input.cluster = survey([
      { name: 'cp1', kubelet: 'v1.28.14', apiserver: 'v1.28.14' },
      { name: 'cp2', kubelet: 'v1.28.14', apiserver: 'v1.28.14', ready: false },
      { name: 'worker1', kubelet: 'v1.28.14', ready: false },
      { name: 'worker2', kubelet: 'v1.28.14' },
    ]);
    const plan = buildUpgradePlan(input);
    expect(plan.refusals).to.deep.equal([
      "control plane cp2 (node cp2) is NotReady: the upgrade's preflight stops on it; fix it first, the control plane is upgraded as a whole",
      "worker worker1 (node worker1) is NotReady: repair it first, or leave it out of this upgrade with --limit 'all:!worker1'",
    ]);
    expect(plan.warnings).to.deep.equal([]);
    expect(renderPlanText(plan)).to.include('node worker1 NotReady v1.28.14');
  });

  it('nodes outside the run are named: their kubelets stay behind', () => {
    const input = labInput();
    input.cluster = survey([...['cp1', 'cp2', 'worker1', 'worker2'].map((n) => ({ name: n, kubelet: 'v1.28.14', ...(n.startsWith('cp') ? { apiserver: 'v1.28.14' } : {}) })), { name: 'stray', kubelet: 'v1.28.14' }]);
    expect(buildUpgradePlan(input).warnings).to.deep.equal(['not in this run (not in the inventory, or outside --limit), so their kubelets stay as they are: stray v1.28.14']);
  });

  it('--workers-only refuses while the control plane is behind, and plans only workers once it is not', () => {
    const behind = labInput({ scope: 'workers', stages: { ...stagesFor(['cp1', 'cp2'], ['worker1', 'worker2']), firstControlPlane: [], otherControlPlanes: [], controlPlaneKubelets: [] } });
    expect(buildUpgradePlan(behind).refusals).to.include(
      '--workers-only: the control plane does not run v1.29.4 yet (cp1 v1.28.14, cp2 v1.28.14); upgrade it first: drydock upgrade --to 1.29.4 --control-plane-only',
    );
    const ready = { ...behind };
    ready.cluster = survey([
      { name: 'cp1', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'cp2', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'worker1', kubelet: 'v1.28.14' },
      { name: 'worker2', kubelet: 'v1.28.14' },
    ]);
    ready.hosts = ready.hosts.map((h) => (h.role === 'control plane' ? { ...h, facts: facts('1.29.4-1.1') } : h));
    const plan = buildUpgradePlan(ready);
    expect(plan.refusals).to.deep.equal([]);
    expect(plan.steps.map((s) => s.kind)).to.deep.equal(['backup', 'workers']);
    expect(renderPlanText(plan)).to.include('(workers only)');
  });

  it('--limit leaving out the first control plane while the control plane must move: refused', () => {
    const noFirst = { ...stagesFor(['cp1', 'cp2'], ['worker1', 'worker2']), firstControlPlane: [], controlPlaneKubelets: [['cp2']] };
    expect(buildUpgradePlan(labInput({ stages: noFirst })).refusals[0]).to.match(/^--limit leaves out the first control plane, whose kubeadm upgrade apply must come before/);
    const onlyWorkers = { ...stagesFor([], ['worker1']), preflight: ['cp1', 'cp2', 'worker1', 'worker2'] };
    expect(buildUpgradePlan(labInput({ stages: onlyWorkers })).refusals[0]).to.equal(
      'the control plane does not run v1.29.4 yet and --limit leaves it out; include the control planes, or upgrade them first (--control-plane-only)',
    );
    const caughtUp = labInput({ stages: onlyWorkers });
    caughtUp.cluster = survey([
      { name: 'cp1', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'cp2', kubelet: 'v1.29.4', apiserver: 'v1.29.4' },
      { name: 'worker1', kubelet: 'v1.28.14' },
      { name: 'worker2', kubelet: 'v1.28.14' },
    ]);
    expect(buildUpgradePlan(caughtUp).refusals).to.deep.equal([]);
  });

  describe('backup step variants', () => {
    it('fresh: on the etcd host, the run ends if it fails', () => {
      const text = renderPlanText(buildUpgradePlan(labInput()));
      expect(text).to.include('1. etcd backup on cp1: a verified snapshot copied to ./backups/etcd (playbooks/etcd-backup.yaml); if it fails, the run ends before any package changes');
    });

    it('recent: names the snapshot, its age and the allowed age', () => {
      const plan = buildUpgradePlan(labInput({
        backup: { kind: 'recent', path: 'backups/etcd/kubernetes-cp1-20261125T170000Z.db', host: 'cp1', takenAt: '2026-11-25T17:00:00.000Z', ageMs: 38 * 60_000, maxAgeMs: 6 * 3_600_000, dir: 'backups/etcd', cluster: 'kubernetes' },
      }));
      expect(plan.refusals).to.deep.equal([]);
      expect(renderPlanText(plan)).to.include('etcd backup: the verified snapshot from 2026-11-25T17:00:00Z (38m old, backups/etcd/kubernetes-cp1-20261125T170000Z.db) satisfies --backup-max-age 6h; no new snapshot is taken');
    });

    it('missing: refused, saying how to get one', () => {
      const plan = buildUpgradePlan(labInput({ backup: { kind: 'missing', dir: 'backups/etcd', cluster: 'kubernetes', maxAgeMs: 3_600_000 } }));
      expect(plan.refusals).to.deep.equal([
        'no verified etcd snapshot of cluster "kubernetes" younger than 1h in backups/etcd: take one (drydock play playbooks/etcd-backup.yaml), or leave out --backup-max-age to take it at the start of this run',
      ]);
    });

    it('no host (--limit leaves the etcd host out): refused', () => {
      const plan = buildUpgradePlan(labInput({ backup: { kind: 'no-host', message: '--limit worker1 leaves out cp1, where the etcd backup is taken' } }));
      expect(plan.refusals).to.deep.equal(['no etcd backup possible: --limit worker1 leaves out cp1, where the etcd backup is taken']);
    });

    it('check mode says no snapshot is taken', () => {
      expect(renderPlanText(buildUpgradePlan(labInput({ check: true })))).to.include('etcd backup on cp1 (check mode: reports what it would do, takes no snapshot)');
    });
  });

  it('renders the whole plan: cluster, hops, hosts installed → target, numbered steps, batches, verdict', () => {
    const text = renderPlanText(buildUpgradePlan(labInput({ stages: stagesFor(['cp1', 'cp2'], ['worker1', 'worker2'], [['worker1'], ['worker2']]) })));
    expect(text).to.equal(
      [
        'upgrade plan: 1.28.14 → 1.29.4 (control plane, then workers)',
        '  kube-apiserver: cp1 v1.28.14, cp2 v1.28.14',
        '  hops: 1.28.14 → 1.29.4 (one step)',
        '',
        'hosts (package installed → target):',
        '  cp1      control plane  kubeadm 1.28.14-1.1 (held) → 1.29.4-1.1, kubelet 1.28.14-1.1 (held) → 1.29.4-1.1, kubectl 1.28.14-1.1 (held) → 1.29.4-1.1; repository v1.28 → v1.29; node cp1 Ready v1.28.14',
        '  cp2      control plane  kubeadm 1.28.14-1.1 (held) → 1.29.4-1.1, kubelet 1.28.14-1.1 (held) → 1.29.4-1.1, kubectl 1.28.14-1.1 (held) → 1.29.4-1.1; repository v1.28 → v1.29; node cp2 Ready v1.28.14',
        '  worker1  worker         kubeadm 1.28.14-1.1 (held) → 1.29.4-1.1, kubelet 1.28.14-1.1 (held) → 1.29.4-1.1, kubectl 1.28.14-1.1 (held) → 1.29.4-1.1; repository v1.28 → v1.29; node worker1 Ready v1.28.14',
        '  worker2  worker         kubeadm 1.28.14-1.1 (held) → 1.29.4-1.1, kubelet 1.28.14-1.1 (held) → 1.29.4-1.1, kubectl 1.28.14-1.1 (held) → 1.29.4-1.1; repository v1.28 → v1.29; node worker2 Ready v1.28.14',
        '',
        'steps:',
        '  1. etcd backup on cp1: a verified snapshot copied to ./backups/etcd (playbooks/etcd-backup.yaml); if it fails, the run ends before any package changes',
        '  2. first control plane: kubeadm upgrade apply',
        '       cp1: repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade plan, kubeadm upgrade apply v1.29.4',
        '  3. other control planes, one at a time: kubeadm upgrade node',
        '       cp2: repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade node',
        "  4. each control plane's kubelet, one at a time",
        '       cp1: drain, kubelet 1.28.14-1.1 → 1.29.4-1.1, kubectl 1.28.14-1.1 → 1.29.4-1.1, restart the kubelet, wait Ready at v1.29.4, uncordon',
        '       cp2: drain, kubelet 1.28.14-1.1 → 1.29.4-1.1, kubectl 1.28.14-1.1 → 1.29.4-1.1, restart the kubelet, wait Ready at v1.29.4, uncordon',
        '  5. workers in 2 batch(es): a canary of 1, then 20% at a time; more than 0% failed in a batch stops the upgrade',
        '       batch 1 (1): worker1',
        '         repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade node, drain, kubelet 1.28.14-1.1 → 1.29.4-1.1, kubectl 1.28.14-1.1 → 1.29.4-1.1, restart the kubelet, wait Ready at v1.29.4, uncordon',
        '       batch 2 (1): worker2',
        '         repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade node, drain, kubelet 1.28.14-1.1 → 1.29.4-1.1, kubectl 1.28.14-1.1 → 1.29.4-1.1, restart the kubelet, wait Ready at v1.29.4, uncordon',
        '',
        'nothing has changed yet',
        '',
      ].join('\n'),
    );
  });

  it('notes packages that are not held', () => {
    const input = labInput();
    input.hosts[2] = { ...input.hosts[2]!, facts: facts('1.28.14-1.1', { held: false }) };
    const plan = buildUpgradePlan(input);
    expect(plan.notes).to.include('worker1: kubelet is not held (apt-mark hold); the upgrade holds it');
    expect(plan.refusals).to.deep.equal([]);
  });
});
