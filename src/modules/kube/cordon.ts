/**
 * kube_cordon: marks the host's node unschedulable (kubectl cordon) and records whether it already was,
 * so a later kube_uncordon leaves alone a node someone else cordoned.
 */
import { cordonedBy, cordonMarked, type MarkedCordon } from '../../kube/nodes.js';
import type { KubePort } from '../../kube/port.js';
import type { ModuleSpec } from '../../playbook/modules.js';

import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, cordonFacts, cordonMark, kubePort, recordAfterCordon, targetNode } from './common.js';
import { defineModule } from '../define.js';

export const kubeCordonSpec: ModuleSpec = {
  name: 'kube_cordon',
  args: { node: { type: 'str' } },
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const port = await kubePort(ctx, 'kube_cordon');
  try {
    const mark = ctx.check ? await currentMark(port, node.name) : await cordonMarked(port, node.name, cordonMark(ctx));
    const wasAlreadyCordoned = mark.wasAlreadyCordoned;
    const record = recordAfterCordon(ctx, node.name, mark);
    const msg = !wasAlreadyCordoned
      ? `${ctx.check ? 'would cordon' : 'cordoned'} node ${node.name}`
      : mark.cordonedBy !== undefined && mark.cordonedBy !== ctx.runId
        ? `node ${node.name} already cordoned by drydock run ${mark.cordonedBy} (kube_uncordon will uncordon it)`
        : record.cordoned_by_drydock
        ? `node ${node.name} already cordoned (by drydock, earlier in this run)`
        : `node ${node.name} already cordoned (before this run; kube_uncordon will leave it cordoned)`;
    return { changed: !wasAlreadyCordoned, msg, node: node.name, ...(ctx.check ? { simulated: true } : {}), ...record, facts: cordonFacts(ctx, node.name, record) };
  } catch (err) {
    return apiFailure(err, node);
  }
}

async function currentMark(port: KubePort, name: string): Promise<MarkedCordon> {
  const current = await port.getNode(name);
  const by = cordonedBy(current);
  return { wasAlreadyCordoned: current.spec.unschedulable === true, ...(by !== undefined ? { cordonedBy: by } : {}) };
}

export const kubeCordon: ModuleDefinition = defineModule(kubeCordonSpec, { supportsCheck: true, controllerOnly: true, run });
