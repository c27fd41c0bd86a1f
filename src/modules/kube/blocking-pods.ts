/**
 * kube_blocking_pods: the pods on the host's node that match a label selector and are still running, as
 * kured's --blocking-pod-selector reads them — a reboot playbook postpones the node while any exist
 * (`meta: end_host` when `result.blocked`). Pods that finished (Succeeded, Failed) or are being deleted do
 * not block: they hold nothing a reboot could break. Read-only, so it runs in check mode too.
 */
import { ConfigError } from '../../errors.js';
import { parseSelector, requirementMatches } from '../../kube/label-selector.js';
import { podRef, type KubePod } from '../../kube/port.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optString } from '../args.js';
import { failed } from '../failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, kubePort, targetNode } from './common.js';
import { defineModule } from '../define.js';

export const kubeBlockingPodsSpec: ModuleSpec = {
  name: 'kube_blocking_pods',
  args: {
    node: { type: 'str' },
    selector: { type: 'str', required: true },
  },
};

const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);

/** A pod that matches and still runs (or is about to): not finished, not being deleted. */
export function blocksReboot(pod: KubePod, requirements: ReturnType<typeof parseSelector>): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (FINISHED_PHASES.has(pod.status.phase ?? '')) return false;
  return requirements.every((req) => requirementMatches(req, pod.metadata.labels));
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const selector = (optString(ctx.args, 'selector') ?? '').trim();
  if (selector === '') return failed('kube_blocking_pods needs a label selector (selector: app=batch); an empty one would match every pod');
  let requirements: ReturnType<typeof parseSelector>;
  try {
    requirements = parseSelector(selector);
  } catch (err) {
    if (err instanceof ConfigError) return failed(err.message);
    throw err;
  }
  const port = await kubePort(ctx, 'kube_blocking_pods');
  try {
    // The API filters by the selector; the same match runs here so a server that ignores it cannot postpone wrongly.
    const pods = (await port.listPodsOnNode(node.name, selector)).filter((pod) => blocksReboot(pod, requirements));
    const names = pods.map(podRef);
    return {
      changed: false,
      blocked: names.length > 0,
      pods: names,
      node: node.name,
      selector,
      msg:
        names.length > 0
          ? `pods ${names.join(', ')} match ${selector} on node ${node.name}`
          : `no running pod on node ${node.name} matches ${selector}`,
    };
  } catch (err) {
    return apiFailure(err, node, { blocked: false, pods: [] });
  }
}

export const kubeBlockingPods: ModuleDefinition = defineModule(kubeBlockingPodsSpec, { supportsCheck: true, controllerOnly: true, run });
