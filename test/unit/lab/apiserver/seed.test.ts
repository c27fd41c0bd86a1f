import { expect } from 'chai';
import { ConfigError } from '../../../../src/errors.js';
import { applySeed, parseSeed } from '../../../../src/lab/apiserver/seed.js';
import { Simulation } from '../../../../src/lab/apiserver/simulation.js';
import { ObjectStore } from '../../../../src/lab/apiserver/store.js';
import { podIsReady } from '../../../../src/lab/apiserver/types.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

function simulation(): Simulation {
  const sim = new Simulation(new ObjectStore());
  sim.create('namespaces', { metadata: { name: 'default' } } as KubeObject);
  return sim;
}

const SEED = `apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels: { app: web }
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: web, controller: true }]
spec:
  nodeName: node-1
  containers: [{ name: web, image: nginx }]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx }] } }
---
apiVersion: v1
kind: Node
metadata: { name: node-1 }
`;

describe('lab apiserver: seeding', () => {
  it('creates owners first, fills owner uids by name and starts seeded pods on Ready nodes', () => {
    const sim = simulation();
    applySeed(sim, parseSeed(SEED, 'seed.yaml'), 'seed.yaml');
    const rs = sim.store.get('replicasets', 'default', 'web');
    const pod = sim.store.get('pods', 'default', 'web-0');
    expect(pod.metadata.ownerReferences![0]!.uid).to.equal(rs.metadata.uid);
    expect(pod.status.phase).to.equal('Running');
    expect(podIsReady(pod)).to.equal(true);
    sim.reconcile();
    expect(sim.store.list('pods')).to.have.length(1, 'the ReplicaSet adopted the seeded pod and made no other');
  });

  it('reports every bad document with file and line before creating anything', () => {
    const text = 'apiVersion: v1\nkind: Node\nmetadata: { name: ok }\n---\nkind: Node\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: j }\n';
    try {
      parseSeed(text, 'bad.yaml');
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).issues).to.deep.equal([
        { file: 'bad.yaml', line: 5, message: 'a seed document needs apiVersion and kind' },
        { file: 'bad.yaml', line: 7, message: 'the simulator does not serve Ingress (networking.k8s.io/v1)' },
      ]);
    }
  });

  it('names an owner missing from the seed', () => {
    const sim = simulation();
    const docs = parseSeed(SEED.split('---')[0]!, 'seed.yaml');
    expect(() => applySeed(sim, docs, 'seed.yaml')).to.throw(ConfigError, 'owner ReplicaSet "web" is not in the seed');
  });
});
