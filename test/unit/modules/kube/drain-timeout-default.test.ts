import { expect } from 'chai';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleRegistry } from '../../../../src/modules/catalogue.js';
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from '../../../../src/modules/kube/index.js';
import { loadPlaybook } from '../../../../src/playbook/load.js';
import { checkModuleArgs } from '../../../../src/playbook/modules.js';
import { renderValue } from '../../../../src/playbook/template.js';
import { walkTasks } from '../../../../src/playbook/walk.js';

const PLAYBOOKS = join(dirname(fileURLToPath(import.meta.url)), '../../../../playbooks');

describe('modules/kube: one drain timeout default', () => {
  for (const name of ['os-patch-reboot', 'rolling-kubelet-restart', 'upgrade-control-plane', 'upgrade-workers']) {
    it(`${name}.yaml drains with kube_drain's own default unless drain_timeout is given`, async () => {
      const registry = moduleRegistry();
      const playbook = await loadPlaybook(join(PLAYBOOKS, `${name}.yaml`), { moduleRegistry: registry });
      const timeouts = (vars: Record<string, unknown>): unknown[] => {
        const out: unknown[] = [];
        for (const play of playbook.plays) {
          walkTasks([...play.preTasks, ...play.tasks, ...play.postTasks], (task) => {
            if (task.module !== 'kube_drain') return;
            const rendered = renderValue(task.args, vars) as Record<string, unknown>;
            out.push(checkModuleArgs(registry.get('kube_drain')!, rendered, { applyDefaults: true }).args['timeout']);
          });
        }
        return out;
      };
      const defaults = timeouts({});
      expect(defaults).to.have.length.greaterThan(0);
      expect(defaults.every((t) => t === DEFAULT_DRAIN_TIMEOUT_SECONDS)).to.equal(true, String(defaults));
      expect(timeouts({ drain_timeout: 42 }).every((t) => t === 42)).to.equal(true);
    });
  }
});
