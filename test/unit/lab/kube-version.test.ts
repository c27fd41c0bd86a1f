import { expect } from 'chai';
import { ObjectStore } from '../../../src/lab/apiserver/store.js';
import { servedVersion } from '../../../src/lab/apiserver/served-version.js';
import { SIMULATED_KUBERNETES_VERSION } from '../../../src/lab/apiserver/defaults.js';
import type { KubeObject } from '../../../src/lab/apiserver/types.js';

function mirrorPod(name: string, image: string, mirror = true): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'kube-system', labels: { component: name.replace(/-cp\d+$/, ''), tier: 'control-plane' },
      annotations: (mirror ? { 'kubernetes.io/config.mirror': 'abc' } : {}) as Record<string, string>,
    },
    spec: { nodeName: 'cp1', containers: [{ name: 'c', image }] },
  } as unknown as KubeObject;
}

describe('lab API simulator: the version the API reports', () => {
  it('is the simulator\'s own without control-plane mirror pods', () => {
    expect(servedVersion(new ObjectStore())).to.equal(SIMULATED_KUBERNETES_VERSION);
  });

  it('follows the kube-apiserver static pods, the oldest while an upgrade is half done', () => {
    const store = new ObjectStore();
    store.create('pods', mirrorPod('kube-apiserver-cp1', 'registry.k8s.io/kube-apiserver:v1.29.4'));
    store.create('pods', mirrorPod('kube-scheduler-cp1', 'registry.k8s.io/kube-scheduler:v1.27.0'));
    expect(servedVersion(store)).to.equal('v1.29.4');
    store.create('pods', mirrorPod('kube-apiserver-cp2', 'registry.k8s.io/kube-apiserver:v1.28.14'));
    expect(servedVersion(store)).to.equal('v1.28.14');
    store.create('pods', mirrorPod('kube-apiserver-cp3', 'registry.k8s.io/kube-apiserver:v1.9.0', false));
    expect(servedVersion(store)).to.equal('v1.28.14');
  });
});
