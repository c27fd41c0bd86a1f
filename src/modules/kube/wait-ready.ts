/**
 * kube_wait_ready: waits until the node reports Ready — optionally at the expected kubelet version, and
 * with every pod on it Ready — after a kubelet upgrade or a reboot. API hiccups while the control plane
 * restarts do not end the wait; only the timeout does, with what was still missing.
 */
import { waitNodeReady, type NodeHeartbeat } from '../../kube/nodes.js';
import { NodeWaitError } from '../../kube/errors.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optBool, optInt, optString } from '../args.js';
import { failed, ModuleFailure } from '../failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { apiFailure, kubeClock, kubePort, targetNode } from './common.js';
import { defineModule } from '../define.js';

export const kubeWaitReadySpec: ModuleSpec = {
  name: 'kube_wait_ready',
  args: {
    node: { type: 'str' },
    timeout: { type: 'int', default: 300 },
    kubelet_version: { type: 'str' },
    pods_ready: { type: 'bool', default: false },
    /**
     * What kube_heartbeat read just before the restart or reboot (its registered result): only a status the
     * kubelet posted since counts. Without it, any Ready=True does — also the stale one from before.
     */
    after: { type: 'dict' },
    /** Seconds between polls. */
    poll: { type: 'int', default: 2 },
  },
};

/** The `after` argument: a registered kube_heartbeat result ({boot_id, heartbeat}). */
function afterArg(ctx: ModuleContext): NodeHeartbeat | undefined {
  const after = ctx.args.after as Record<string, unknown> | undefined;
  if (after === undefined || after === null) return undefined;
  const text = (key: string): string | undefined => (typeof after[key] === 'string' && after[key] !== '' ? (after[key] as string) : undefined);
  if (!('boot_id' in after) && !('heartbeat' in after)) {
    const why = after.skipped === true ? ' (that task was skipped)' : '';
    throw new ModuleFailure(`after: expects the registered result of a kube_heartbeat task run before the restart, with boot_id and heartbeat${why}`);
  }
  const bootId = text('boot_id');
  const heartbeat = text('heartbeat');
  return { ...(bootId ? { bootId } : {}), ...(heartbeat ? { heartbeat } : {}) };
}

/**
 * The wait names Ready only when it is not True; a node stuck at the old kubelet version while Ready=True
 * (a kubelet that did not restart into the new binary, or stopped posting status) says so too.
 */
function withReadyState(message: string): string {
  return /: kubelet \S+ \(want [^)]+\)/.test(message) && !message.includes('Ready=') ? `${message}; the node still reports Ready=True` : message;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const node = targetNode(ctx);
  const timeoutSeconds = Math.max(0, optInt(ctx.args, 'timeout') ?? 300);
  const expectKubeletVersion = optString(ctx.args, 'kubelet_version') || undefined;
  if (ctx.check) {
    // Nothing was restarted or rebooted under --check: waiting for a version the node cannot reach would only
    // run into the timeout.
    const what = expectKubeletVersion ? ` at kubelet ${expectKubeletVersion}` : '';
    return { changed: false, skipped: true, skipped_reason: `check mode: would wait until node ${node.name} is Ready${what}`, node: node.name };
  }
  const after = afterArg(ctx);
  const port = await kubePort(ctx, 'kube_wait_ready');
  const started = ctx.clock.now();
  try {
    const ready = await waitNodeReady(port, node.name, {
      timeoutMs: timeoutSeconds * 1000,
      expectKubeletVersion,
      requirePodsReady: optBool(ctx.args, 'pods_ready') === true,
      ...(after ? { after } : {}),
      pollMs: Math.max(1, optInt(ctx.args, 'poll') ?? 2) * 1000,
      clock: kubeClock(ctx),
      onProgress: (missing) =>
        ctx.emit({ type: 'status', waitingOn: [`${node.name}: ${missing}`], task: `kube_wait_ready ${node.name}`, elapsedMs: ctx.clock.now() - started }),
    });
    const kubeletVersion = ready.status.nodeInfo?.kubeletVersion ?? '';
    return {
      changed: false,
      msg: `node ${node.name} is Ready${kubeletVersion ? ` (kubelet ${kubeletVersion})` : ''}`,
      node: node.name,
      ready: true,
      kubelet_version: kubeletVersion,
      boot_id: ready.status.nodeInfo?.bootID ?? '',
      elapsed_ms: ctx.clock.now() - started,
    };
  } catch (err) {
    if (ctx.signal.aborted) return failed(`wait for node ${node.name} interrupted (task timeout or Ctrl-C)`, { node: node.name, ready: false, interrupted: true });
    if (err instanceof NodeWaitError) return failed(withReadyState(err.message), { node: node.name, ready: false, elapsed_ms: ctx.clock.now() - started });
    return apiFailure(err, node, { ready: false });
  }
}

export const kubeWaitReady: ModuleDefinition = defineModule(kubeWaitReadySpec, { supportsCheck: true, controllerOnly: true, run });
