import { expect } from 'chai';
import { KubeApiError } from '../../../../src/errors.js';
import { moduleRegistry, TASK_MODULES } from '../../../../src/modules/catalogue.js';
import { node, pod } from '../../kube/builders.js';
import { FakeClock, FakePort } from '../../kube/fakes.js';
import { harness } from './context.js';

function cluster(options: { apiserver?: string; kubelets?: Record<string, string> } = {}) {
  const clock = new FakeClock();
  const port = new FakePort(clock);
  const apiserver = options.apiserver ?? 'v1.29.4';
  for (const [name, kubelet] of Object.entries(options.kubelets ?? { cp1: apiserver, w1: 'v1.28.9' })) {
    port.nodes.set(name, node(name, { kubelet, labels: name.startsWith('cp') ? { 'node-role.kubernetes.io/control-plane': '' } : {} }));
  }
  for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
    port.pods.push(pod(`${component}-cp1`, { ns: 'kube-system', node: 'cp1', owner: null, labels: { component, tier: 'control-plane' }, image: `registry.k8s.io/${component}:${apiserver}` }));
  }
  port.version = { gitVersion: apiserver };
  return { clock, port, h: harness({ host: 'w1', kube: async () => port, clock }) };
}

describe('modules/kube: kube_wait_ready', () => {
  it('waits through NotReady and API hiccups until Ready at the wanted kubelet, reporting what is missing', async () => {
    const { clock, port, h } = cluster();
    port.nodes.set('w1', node('w1', { ready: 'False', kubelet: 'v1.28.9' }));
    port.getNodeErrors.push(new KubeApiError('get node w1: cannot reach the API server https://cp:6443: connect ECONNREFUSED'));
    let polls = 0;
    const getNode = port.getNode.bind(port);
    port.getNode = async (name) => {
      if (++polls === 3) port.nodes.set('w1', node('w1', { kubelet: 'v1.29.4' }));
      return getNode(name);
    };
    const result = await h.run('kube_wait_ready', { kubelet_version: '1.29.4' });
    expect(result).to.include({ changed: false, ready: true, kubelet_version: 'v1.29.4', node: 'w1' });
    expect(clock.elapsed()).to.equal(4000);
    const waiting = h.events.flatMap((e) => (e.type === 'status' ? e.waitingOn : []));
    expect(waiting).to.deep.equal([
      'w1: get node w1: cannot reach the API server https://cp:6443: connect ECONNREFUSED',
      'w1: Ready=False (KubeletReady); kubelet v1.28.9 (want 1.29.4)',
    ]);
  });

  it('fails at the timeout with what was still missing', async () => {
    const { clock, port, h } = cluster();
    port.nodes.set('w1', node('w1', { ready: 'Unknown' }));
    const result = await h.run('kube_wait_ready', { timeout: 30, poll: 5 });
    expect(result).to.include({ failed: true, ready: false });
    expect(result.msg).to.equal('node w1 not ready after 30s: Ready=Unknown (KubeletReady)');
    expect(clock.elapsed()).to.equal(30_000);
  });

  it('under --check it does not wait for a version nothing was restarted into', async () => {
    const { clock, h } = cluster();
    const result = await h.run('kube_wait_ready', { kubelet_version: '1.30.2', timeout: 300 }, { check: true });
    expect(result).to.include({ changed: false, skipped: true, node: 'w1' });
    expect(result['skipped_reason']).to.equal('check mode: would wait until node w1 is Ready at kubelet 1.30.2');
    expect(clock.elapsed()).to.equal(0);
  });

  it('with pods_ready, also waits for the pods on the node', async () => {
    const { port, h } = cluster();
    port.pods.push(pod('cni', { node: 'w1', ready: false }));
    const result = await h.run('kube_wait_ready', { timeout: 4, pods_ready: true });
    expect(result.msg).to.contain('pods not ready: default/cni');
  });
});

describe('modules/kube: kube_versions', () => {
  it('registers apiserver, control-plane, kubelet versions and skew findings', async () => {
    const { h } = cluster({ kubelets: { cp1: 'v1.29.4', w1: 'v1.25.0' } });
    const result = await h.run('kube_versions');
    expect(result).to.include({ changed: false, apiserver_version: 'v1.29.4', control_plane_version: '1.29.4', oldest_kubelet_version: '1.25.0' });
    expect(result.kubelets).to.deep.equal({ cp1: 'v1.29.4', w1: 'v1.25.0' });
    expect(result.controller_managers).to.deep.equal([{ node: 'cp1', version: 'v1.29.4' }]);
    expect(result.nodes).to.deep.include({ name: 'cp1', kubelet_version: 'v1.29.4', ready: true, unschedulable: false, control_plane: true });
    expect((result.skew_violations as Array<{ rule: string; node: string }>).map((v) => [v.rule, v.node])).to.deep.equal([['too-old-for-apiserver', 'w1']]);
  });
});

describe('modules/kube: skew_check', () => {
  it('passes the next minor for the control plane, with that one hop', async () => {
    const { h } = cluster();
    const result = await h.run('skew_check', { target: '1.30.2' });
    expect(result).to.include({ changed: false, stage: 'control_plane', control_plane_version: '1.29.4' });
    expect(result.failed).to.equal(undefined);
    expect(result.hops).to.deep.equal(['1.30.2']);
  });

  it('fails a minor skip naming the rule and the node, with hops from the planner when versions are offered', async () => {
    const { h } = cluster();
    const result = await h.run('skew_check', { target: '1.31.1', available: ['1.29.4', '1.29.9', '1.30.5', '1.30.6', '1.31.1'] });
    expect(result.failed).to.equal(true);
    expect(result.msg).to.match(/^skew policy forbids moving the control plane to 1\.31\.1:\n- \[minor-skip\] kube-apiserver on cp1 is v1\.29\.4/);
    expect(result.msg).to.contain('upgrade in hops instead: 1.29.9 → 1.30.6 → 1.31.1');
    expect(result).to.include({ hops_from: 'planner' });
  });

  it('without offered versions, the hops are one per minor', async () => {
    const { h } = cluster();
    const result = await h.run('skew_check', { target: '1.32.0' });
    expect(result.hops).to.deep.equal(['1.30.x', '1.31.x', '1.32.0']);
    expect(result.hops_from).to.equal('minors');
  });

  it('kubelet stage: the host\'s node may not pass the apiserver; a node not in the cluster is named', async () => {
    const { h } = cluster();
    const ahead = await h.run('skew_check', { target: '1.30.0', stage: 'kubelet' });
    expect(ahead.failed).to.equal(true);
    expect(ahead.msg).to.match(/\[newer-than-apiserver\] kubelet on w1/);
    expect(ahead.node).to.equal('w1');
    expect((await h.run('skew_check', { target: '1.29.4', stage: 'kubelet' })).failed).to.equal(undefined);
    const ghost = await h.run('skew_check', { target: '1.29.4', stage: 'kubelet', node: 'ghost' });
    expect(ghost.msg).to.equal('node "ghost" is not in the cluster (nodes: cp1, w1)');
  });

  it('rejects a target that is not a version', async () => {
    const { h } = cluster();
    expect((await h.run('skew_check', { target: 'latest' })).msg).to.contain('target "latest" is not a Kubernetes version');
  });
});

describe('modules/kube: registry', () => {
  it('every kube module runs on the controller, supports check mode, and is in the loader registry', () => {
    const modules = TASK_MODULES.filter((m) => m.name.startsWith('kube_') || m.name === 'skew_check');
    expect(modules.map((m) => m.name)).to.have.members(['kube_cordon', 'kube_uncordon', 'kube_drain', 'kube_wait_ready', 'kube_heartbeat', 'kube_versions', 'skew_check', 'kube_blocking_pods', 'kube_static_pod_restart']);
    for (const module of modules.filter((m) => m.name !== 'kube_static_pod_restart')) expect(module).to.include({ controllerOnly: true, supportsCheck: true });
    expect(moduleRegistry().get('kube_drain')!.args.timeout!.default).to.equal(600);
  });
});

describe('modules/kube: kube_heartbeat and kube_wait_ready after:', () => {
  it('a Ready=True from before the restart does not end the wait; the restarted kubelet\'s status does', async () => {
    const { clock, port, h } = cluster();
    port.nodes.set('w1', node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T11:59:50Z' }));
    const before = await h.run('kube_heartbeat');
    expect(before).to.include({ changed: false, node: 'w1', boot_id: 'boot-1', heartbeat: '2026-11-25T11:59:50Z' });

    const stale = await h.run('kube_wait_ready', { after: before, timeout: 10 });
    expect(stale).to.include({ failed: true, ready: false });
    expect(String(stale.msg)).to.contain('no status from the kubelet since the restart');

    let polls = 0;
    const getNode = port.getNode.bind(port);
    port.getNode = async (name) => {
      if (++polls === 2) port.nodes.set('w1', node('w1', { bootId: 'boot-1', heartbeat: '2026-11-25T12:00:30Z' }));
      return getNode(name);
    };
    const started = clock.elapsed();
    const fresh = await h.run('kube_wait_ready', { after: before, timeout: 60 });
    expect(fresh).to.include({ ready: true, boot_id: 'boot-1' });
    expect(clock.elapsed() - started).to.equal(2000);
  });

  it('refuses an after: that is not a kube_heartbeat result, e.g. a skipped one', async () => {
    const { h } = cluster();
    const result = await h.run('kube_wait_ready', { after: { skipped: true, changed: false } });
    expect(result).to.include({ failed: true });
    expect(String(result.msg)).to.contain('kube_heartbeat').and.contain('skipped');
  });

  it('under --check reads nothing', async () => {
    const { port, h } = cluster();
    const calls = port.calls.length;
    expect(await h.run('kube_heartbeat', {}, { check: true })).to.include({ skipped: true });
    expect(port.calls.length).to.equal(calls);
  });
});
