/**
 * kube_heartbeat: reads, just before a kubelet restart or a reboot, what the node shows of its kubelet — the
 * boot id and the Ready condition's last heartbeat — so that kube_wait_ready (`after:`) accepts only a
 * Ready=True the restarted kubelet posted, never the one left from before. Read-only.
 */
import { nodeHeartbeat } from '../../kube/nodes.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, kubePort, targetNode } from './common.js';
import { defineModule } from '../define.js';

export const kubeHeartbeatSpec: ModuleSpec = {
  name: 'kube_heartbeat',
  args: {
    node: { type: 'str' },
  },
};

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  if (ctx.check) {
    // Nothing is restarted under --check, and kube_wait_ready does not wait then either.
    return { changed: false, skipped: true, skipped_reason: `check mode: nothing is restarted, so node ${node.name}'s heartbeat is not read`, node: node.name };
  }
  const port = await kubePort(ctx, 'kube_heartbeat');
  try {
    const seen = nodeHeartbeat(await port.getNode(node.name));
    return {
      changed: false,
      node: node.name,
      boot_id: seen.bootId ?? '',
      heartbeat: seen.heartbeat ?? '',
      msg: `node ${node.name}: boot id ${seen.bootId ?? 'unknown'}, last heartbeat ${seen.heartbeat ?? 'none'}`,
    };
  } catch (err) {
    return apiFailure(err, node);
  }
}

export const kubeHeartbeat: ModuleDefinition = defineModule(kubeHeartbeatSpec, { supportsCheck: true, controllerOnly: true, run });
