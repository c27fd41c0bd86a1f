/**
 * kube_uncordon: makes the node schedulable again — but, by default, only a node drydock cordoned: this run's
 * kube_cordon or kube_drain recorded it, or the node carries drydock's cordoned-by annotation (an earlier
 * drydock run cordoned it and died before uncordoning). A node that was cordoned before the run by someone
 * else stays cordoned and the result says so (`left_cordoned: true`) for the recap. Uncordoning also removes
 * the annotation, in the same patch.
 */
import { cordonedBy, uncordonMarked } from '../../kube/nodes.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optBool } from '../args.js';

import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, cordonFacts, kubePort, recordedCordon, targetNode } from './common.js';
import { defineModule } from '../define.js';

export const kubeUncordonSpec: ModuleSpec = {
  name: 'kube_uncordon',
  args: {
    node: { type: 'str' },
    only_if_cordoned_by_drydock: { type: 'bool', default: true },
  },
};

export const LEFT_CORDONED_BEFORE_RUN = 'left cordoned: it was cordoned before this run';

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const onlyOurs = optBool(ctx.args, 'only_if_cordoned_by_drydock') !== false;
  const record = recordedCordon(ctx, node.name);
  const port = await kubePort(ctx, 'kube_uncordon');
  try {
    const current = await port.getNode(node.name);
    const cordoned = current.spec.unschedulable === true;
    // drydock's annotation on the node: a drydock run cordoned it, maybe one that died before uncordoning.
    const markedBy = cordonedBy(current);
    // In check mode nothing was cordoned for real; a record of "would cordon" still means "would uncordon".
    const wouldBeCordoned = cordoned || (ctx.check && record?.cordoned_by_drydock === true);
    const base = { node: node.name, was_cordoned: record?.was_cordoned ?? null, cordoned_by_drydock: record?.cordoned_by_drydock ?? false };
    if (!wouldBeCordoned) {
      // Someone uncordoned it already; the record of drydock's cordon is stale and goes too.
      if (markedBy !== undefined && !ctx.check) await uncordonMarked(port, node.name, current);
      return { changed: false, msg: `node ${node.name} is not cordoned`, ...base, left_cordoned: false, facts: cordonFacts(ctx, node.name, null) };
    }
    const ours = record?.cordoned_by_drydock === true || markedBy !== undefined;
    if (onlyOurs && !ours && record?.was_cordoned === true) {
      return { changed: false, msg: LEFT_CORDONED_BEFORE_RUN, ...base, left_cordoned: true };
    }
    if (onlyOurs && !ours) {
      const msg = 'left cordoned: no drydock task cordoned it in this run (set only_if_cordoned_by_drydock: false to uncordon it anyway)';
      return { changed: false, msg, ...base, left_cordoned: true };
    }
    if (!ctx.check) await uncordonMarked(port, node.name, current);
    const earlierRun = markedBy !== undefined && markedBy !== ctx.runId && record?.cordoned_by_drydock !== true ? ` (cordoned by drydock run ${markedBy})` : '';
    return {
      changed: true,
      msg: `${ctx.check ? 'would uncordon' : 'uncordoned'} node ${node.name}${earlierRun}`,
      ...base,
      cordoned_by_drydock: ours,
      left_cordoned: false,
      facts: cordonFacts(ctx, node.name, null),
    };
  } catch (err) {
    return apiFailure(err, node);
  }
}

export const kubeUncordon: ModuleDefinition = defineModule(kubeUncordonSpec, { supportsCheck: true, controllerOnly: true, run });
