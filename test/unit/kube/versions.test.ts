import { expect } from 'chai';
import { imageTag, surveyVersions } from '../../../src/kube/versions.js';
import { checkSkew } from '../../../src/policy/skew.js';
import { node, pod } from './builders.js';
import { FakePort } from './fakes.js';

function staticPod(component: string, nodeName: string, image: string) {
  const p = pod(`${component}-${nodeName}`, { ns: 'kube-system', node: nodeName, owner: { kind: 'Node', name: nodeName }, labels: { component, tier: 'control-plane' }, image });
  p.spec.containers = [{ name: component, image }];
  return p;
}

describe('kube/versions', () => {
  it('reads image tags, ignoring registry ports and digests', () => {
    expect(imageTag('registry.k8s.io/kube-apiserver:v1.29.4')).to.equal('v1.29.4');
    expect(imageTag('mirror.local:5000/k8s/kube-scheduler:v1.29.4@sha256:abc')).to.equal('v1.29.4');
    expect(imageTag('mirror.local:5000/k8s/kube-scheduler')).to.equal(null);
  });

  it('surveys apiserver, kubelets, static control-plane pods and kube-proxy into a skew snapshot', async () => {
    const port = new FakePort();
    port.version = { gitVersion: 'v1.29.4' };
    port.nodes.set('cp1', node('cp1', { kubelet: 'v1.29.4', labels: { 'node-role.kubernetes.io/control-plane': '' } }));
    port.nodes.set('w1', node('w1', { kubelet: 'v1.28.9', unschedulable: true }));
    port.pods = [
      staticPod('kube-apiserver', 'cp1', 'registry.k8s.io/kube-apiserver:v1.29.4'),
      staticPod('kube-controller-manager', 'cp1', 'registry.k8s.io/kube-controller-manager:v1.29.4'),
      staticPod('kube-scheduler', 'cp1', 'registry.k8s.io/kube-scheduler:v1.29.3'),
      staticPod('etcd', 'cp1', 'registry.k8s.io/etcd:3.5.12-0'),
      pod('kube-proxy-abc', { ns: 'kube-system', node: 'w1', owner: { kind: 'DaemonSet', name: 'kube-proxy' }, labels: { 'k8s-app': 'kube-proxy' }, image: 'registry.k8s.io/kube-proxy:v1.29.4' }),
    ];
    const survey = await surveyVersions(port);
    expect(survey.apiserverVersion).to.equal('v1.29.4');
    expect(survey.snapshot).to.deep.equal({
      apiservers: [{ node: 'cp1', version: 'v1.29.4' }],
      controllerManagers: [{ node: 'cp1', version: 'v1.29.4' }],
      schedulers: [{ node: 'cp1', version: 'v1.29.3' }],
      kubelets: [{ node: 'cp1', version: 'v1.29.4' }, { node: 'w1', version: 'v1.28.9' }],
      kubeProxies: [{ node: 'w1', version: 'v1.29.4' }],
    });
    expect(survey.nodes).to.deep.equal([
      { name: 'cp1', kubeletVersion: 'v1.29.4', ready: true, unschedulable: false, controlPlane: true },
      { name: 'w1', kubeletVersion: 'v1.28.9', ready: true, unschedulable: true, controlPlane: false },
    ]);
    expect(survey.notes).to.deep.equal([]);
    expect(checkSkew(survey.snapshot)).to.deep.equal([]);
  });

  it('falls back to /version when no static apiserver pods are visible, and says so', async () => {
    const port = new FakePort();
    port.version = { gitVersion: 'v1.30.1' };
    port.nodes.set('w1', node('w1', { kubelet: 'v1.30.1' }));
    const survey = await surveyVersions(port);
    expect(survey.snapshot.apiservers).to.deep.equal([{ node: '(api endpoint)', version: 'v1.30.1' }]);
    expect(survey.notes[0]).to.contain('no kube-apiserver static pods');
    expect(survey.notes).to.have.length(3);
  });

  it('notes a control-plane image whose tag is not a version', async () => {
    const port = new FakePort();
    port.pods = [staticPod('kube-apiserver', 'cp1', 'mirror.local/kube-apiserver@sha256:abc')];
    const survey = await surveyVersions(port);
    expect(survey.notes[0]).to.equal('cannot read the kube-apiserver version of kube-system/kube-apiserver-cp1 from image "mirror.local/kube-apiserver@sha256:abc"');
  });
});
