/**
 * kube_cordon: marks the host's node unschedulable (kubectl cordon) and records whether it already was,
 * so a later kube_uncordon leaves alone a node someone else cordoned.
 */
import { cordon } from '../../kube/drain.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { guarded } from '../failure.js';
import type { ModuleContext, ModuleResult, TaskModule } from '../types.js';
import { apiFailure, cordonFacts, kubePort, observeCordon, targetNode } from './common.js';

export const kubeCordonSpec: ModuleSpec = {
  name: 'kube_cordon',
  args: { node: { type: 'str' } },
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const port = await kubePort(ctx, 'kube_cordon');
  try {
    const wasAlreadyCordoned = ctx.check
      ? (await port.getNode(node.name)).spec.unschedulable === true
      : (await cordon(port, node.name)).wasAlreadyCordoned;
    const record = observeCordon(ctx, node.name, wasAlreadyCordoned);
    const msg = !wasAlreadyCordoned
      ? `${ctx.check ? 'would cordon' : 'cordoned'} node ${node.name}`
      : record.cordoned_by_drydock
        ? `node ${node.name} already cordoned (by drydock, earlier in this run)`
        : `node ${node.name} already cordoned (before this run; kube_uncordon will leave it cordoned)`;
    return { changed: !wasAlreadyCordoned, msg, node: node.name, ...record, facts: cordonFacts(ctx, node.name, record) };
  } catch (err) {
    return apiFailure(err, node);
  }
}

export const kubeCordon: TaskModule = guarded({ name: 'kube_cordon', supportsCheck: true, controllerOnly: true, run });
