/**
 * The cordon record that outlives the controller, against the API simulator over HTTPS with the real client:
 * kube_drain cordons and annotates in one patch, a later run (no facts, the first one died) uncordons the node
 * and drops the annotation, and a node a human cordoned is left alone.
 */
import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { loadKubeConfig } from '../../../src/kube/client.js';
import { CORDONED_BY_ANNOTATION } from '../../../src/kube/nodes.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { harness } from '../../unit/modules/kube/context.js';

const REPO = resolve(import.meta.dirname, '../../..');

describe('cordon record (drydock.io/cordoned-by) against the API simulator', function () {
  this.timeout(60_000);
  let server: ApiServer;

  before(async () => {
    server = await startApiServer({ seed: join(REPO, 'test/fixtures/apiserver/drain-reschedule.yaml'), replaceDelayMs: 100, podStartDelayMs: 50, podShutdownMs: 50 });
  });
  after(async () => {
    await server?.stop();
  });

  const node = (name: string) => server.store.get('nodes', undefined, name) as { spec?: { unschedulable?: boolean }; metadata: { annotations?: Record<string, string> } };

  it('a run that drained a node and died: the next run uncordons it and removes the record', async () => {
    const port = loadKubeConfig({ kubeconfigPath: server.kubeconfigPath });
    const dead = harness({ host: 'node-1', kube: async () => port, runId: 'run-dead' });
    const drained = await dead.run('kube_drain', { delete_emptydir_data: true, force: true, timeout: 30 });
    expect(drained.failed, String(drained.msg)).to.equal(undefined);
    expect(node('node-1').spec?.unschedulable).to.equal(true);
    expect(node('node-1').metadata.annotations?.[CORDONED_BY_ANNOTATION]).to.equal('run-dead');

    // A fresh run: none of the dead run's facts.
    const next = harness({ host: 'node-1', kube: async () => loadKubeConfig({ kubeconfigPath: server.kubeconfigPath }), runId: 'run-next' });
    const result = await next.run('kube_uncordon');
    expect(result).to.include({ changed: true, left_cordoned: false, msg: 'uncordoned node node-1 (cordoned by drydock run run-dead)' });
    expect(node('node-1').spec?.unschedulable ?? false).to.equal(false);
    expect(node('node-1').metadata.annotations?.[CORDONED_BY_ANNOTATION]).to.equal(undefined);
  });

  it('a node a human cordoned stays cordoned through drain and uncordon', async () => {
    const current = server.store.get('nodes', undefined, 'node-2');
    server.store.update('nodes', { ...current, spec: { ...current.spec, unschedulable: true } });
    const run = harness({ host: 'node-2', kube: async () => loadKubeConfig({ kubeconfigPath: server.kubeconfigPath }), runId: 'run-x' });
    expect(await run.run('kube_drain', { delete_emptydir_data: true, force: true, timeout: 30 })).to.include({ was_cordoned: true, cordoned_by_drydock: false });
    expect(await run.run('kube_uncordon')).to.include({ changed: false, left_cordoned: true });
    expect(node('node-2').spec?.unschedulable).to.equal(true);
    expect(node('node-2').metadata.annotations?.[CORDONED_BY_ANNOTATION]).to.equal(undefined);
  });
});
