import { expect } from 'chai';
import { moduleRegistry, TASK_MODULES, taskModules } from '../../../src/modules/catalogue.js';
import { defineModule } from '../../../src/modules/define.js';
import { ModuleFailure } from '../../../src/modules/failure.js';
import { fakeContext } from './fake-context.js';

describe('modules/catalogue', () => {
  it('builds the loader registry and the engine map from the same list', () => {
    const registry = moduleRegistry();
    const map = taskModules();
    expect(registry.moduleNames()).to.deep.equal([...map.keys(), 'import_tasks', 'include_tasks', 'import_role', 'include_role', 'meta']);
    expect([...map.keys()]).to.deep.equal(TASK_MODULES.map((m) => m.name));
    for (const module of TASK_MODULES) expect(registry.get(module.name)).to.equal(module.spec);
  });

  it('holds every module drydock ships, the kube, etcd and certs ones too, once each', () => {
    const names = TASK_MODULES.map((m) => m.name);
    expect(new Set(names).size).to.equal(names.length);
    expect(names).to.include.members([
      'command', 'shell', 'apt', 'dpkg_selections', 'service', 'systemd', 'copy', 'fetch', 'file', 'lineinfile', 'wait_for', 'reboot',
      'assert', 'fail', 'debug', 'set_fact', 'pause',
      'kube_cordon', 'kube_uncordon', 'kube_drain', 'kube_wait_ready', 'kube_versions', 'skew_check', 'kube_blocking_pods',
      'etcd_snapshot', 'kubeadm_certs_expiry', 'kube_static_pod_restart',
    ]);
    expect(moduleRegistry().get('meta')?.freeFormChoices).to.include('flush_handlers');
  });

  it('names a module after its spec, and turns a ModuleFailure into a failed result', async () => {
    const module = defineModule({ name: 'example', args: {} }, { supportsCheck: true, run: async () => { throw new ModuleFailure('no', { rc: 3 }); } });
    expect(module.name).to.equal('example');
    expect(await module.run(fakeContext({}))).to.deep.include({ failed: true, msg: 'no', rc: 3 });
  });
});
