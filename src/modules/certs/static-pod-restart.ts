/**
 * kube_static_pod_restart: restarts one control-plane static pod the way kubeadm's documentation says to
 * after `kubeadm certs renew` — move its manifest out of the manifest folder, wait until the kubelet has
 * removed the pod (its mirror pod gone, or its process gone from the host), move the manifest back, wait until
 * the pod is back (a new instance) and Ready.
 *
 * The manifest always goes back, even when a wait fails or the run is interrupted: a control plane must not
 * be left without its API server because a check timed out. A manifest found parked by an earlier run that
 * died half-way is moved back first.
 */
import { KubeApiError } from '../../errors.js';
import type { KubePod, KubePort } from '../../kube/port.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { optBool, optInt, optString, reqString } from '../args.js';
import { failed, ModuleFailure } from '../failure.js';
import { kubePort, targetNode } from '../kube/common.js';
import { shellQuote } from '../../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { describePod, isNewInstance, MIRROR_NAMESPACE, mirrorPodName, podInstance, podReady, type PodInstance } from './mirror-pod.js';
import { defineModule } from '../define.js';

export const staticPodRestartSpec: ModuleSpec = {
  name: 'kube_static_pod_restart',
  args: {
    /** The manifest's base name: kube-apiserver, kube-controller-manager, kube-scheduler, etcd. */
    component: { type: 'str', required: true },
    node: { type: 'str' },
    manifest_dir: { type: 'path', default: '/etc/kubernetes/manifests' },
    /** Where the manifest waits while it is out (same filesystem, so the moves are renames). */
    park_dir: { type: 'path', required: true },
    /** Seconds for the kubelet to notice the manifest is gone (a real kubelet checks every 20 s). */
    gone_timeout: { type: 'int', default: 120 },
    /** Seconds for the pod to be back and Ready once the manifest is back. */
    ready_timeout: { type: 'int', default: 300 },
    /** Seconds between checks; fractions allowed. */
    poll: { type: 'raw', default: 1 },
    /** Succeed without doing anything when the host has no such manifest (external etcd). */
    missing_ok: { type: 'bool', default: false },
  },
};

type ManifestPlace = 'in' | 'parked' | 'missing';

interface Paths {
  manifest: string;
  parked: string;
  park: string;
}

const RESTORE_TIMEOUT_MS = 60_000;
const PROGRESS_EVERY_MS = 10_000;

function pollMs(ctx: ModuleContext): number {
  const raw = ctx.args['poll'];
  const seconds = typeof raw === 'number' ? raw : Number(raw ?? 1);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ModuleFailure(`poll must be a number of seconds above 0, not "${String(raw)}"`);
  return Math.round(seconds * 1000);
}

async function shell(ctx: ModuleContext, command: string): Promise<string> {
  const result = await ctx.exec(command);
  if (result.code !== 0) throw new ModuleFailure(`${command}: ${result.stderr.trim() || `exit status ${result.code ?? result.signal}`}`);
  return result.stdout.trim();
}

async function manifestPlace(ctx: ModuleContext, paths: Paths): Promise<ManifestPlace> {
  const out = await shell(ctx, `if [ -f ${shellQuote(paths.manifest)} ]; then echo in; elif [ -f ${shellQuote(paths.parked)} ]; then echo parked; else echo missing; fi`);
  return out === 'in' || out === 'parked' ? out : 'missing';
}

/**
 * Puts the manifest back on the host's own connection, without the task's abort signal: after a timeout or
 * Ctrl-C the component must still come back. Returns an error text, or undefined when it is back.
 */
async function restoreManifest(ctx: ModuleContext, paths: Paths): Promise<string | undefined> {
  const command = `if [ -f ${shellQuote(paths.parked)} ]; then mv -f -- ${shellQuote(paths.parked)} ${shellQuote(paths.manifest)}; fi`;
  try {
    const connection = await ctx.connection();
    const result = await connection.exec(command, { become: { enabled: true }, timeoutMs: RESTORE_TIMEOUT_MS });
    return result.code === 0 ? undefined : result.stderr.trim() || `exit status ${result.code ?? result.signal}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The mirror pod, or 'unreachable' when the API does not answer (a single control plane without its API server).
 * `apiRestart`: the component is kube-apiserver itself; one that has just started answers 401/403 until its
 * authentication and RBAC caches are filled, so those mean "not back yet" here, not a refusal.
 */
async function readPod(port: KubePort, name: string, apiRestart = false): Promise<KubePod | null | 'unreachable'> {
  try {
    return await port.getPod(MIRROR_NAMESPACE, name);
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === undefined || err.status >= 500)) return 'unreachable';
    if (apiRestart && err instanceof KubeApiError && (err.status === 401 || err.status === 403)) return 'unreachable';
    throw err;
  }
}

/** With the API down, the container runtime says whether the container stopped (crictl, when installed). */
async function containerStopped(ctx: ModuleContext, component: string): Promise<boolean> {
  const name = shellQuote(`^${component}$`);
  const result = await ctx.exec(`command -v crictl >/dev/null 2>&1 || exit 3; crictl ps -q --state running --name ${name}`);
  return result.code === 0 && result.stdout.trim() === '';
}

/**
 * The component's process is gone from the host (the kubelet stopped its container). A control plane's kubelet
 * talks to its own kube-apiserver (kubeadm's local mode): with that one stopped it cannot remove the mirror pod,
 * which then stays, stale, in what the other control planes serve; the host's process table is the truth.
 * Process names are cut at 15 characters (kube-controller). pgrep missing: unknown, so not stopped.
 */
async function processStopped(ctx: ModuleContext, component: string): Promise<boolean> {
  const result = await ctx.exec(`pgrep -x ${shellQuote(component.slice(0, 15))} >/dev/null`);
  return result.code === 1;
}

interface WaitOutcome {
  ok: boolean;
  /** What was seen last, or the error that ended the wait. */
  last: string;
  /** The check itself failed (API refusal, host trouble): waiting longer would not help. */
  fatal?: boolean;
}

function waitFailure(ctx: ModuleContext, outcome: WaitOutcome, timedOut: string): string {
  if (outcome.fatal) return `checking failed (${outcome.last})`;
  return ctx.signal.aborted ? 'interrupted (task timeout or Ctrl-C)' : timedOut;
}

/** Polls `check` until it is ok, the time is up or the task is aborted; an error ends the wait as not ok. */
async function waitUntil(ctx: ModuleContext, timeoutMs: number, every: number, label: string, probe: () => Promise<WaitOutcome>): Promise<WaitOutcome> {
  const check = async (): Promise<WaitOutcome> => {
    try {
      return await probe();
    } catch (err) {
      return { ok: false, fatal: true, last: err instanceof Error ? err.message : String(err) };
    }
  };
  const started = ctx.clock.now();
  let outcome = await check();
  if (outcome.fatal) return outcome;
  let told = { at: -Infinity, what: '' };
  while (!outcome.ok && !ctx.signal.aborted && ctx.clock.now() - started < timeoutMs) {
    // Progress when the state changes, else every few seconds: a kubelet can take 20 s to notice.
    if (outcome.last !== told.what || ctx.clock.now() - told.at >= PROGRESS_EVERY_MS) {
      told = { at: ctx.clock.now(), what: outcome.last };
      ctx.emit({ type: 'status', waitingOn: [`${ctx.host}: ${label}: ${outcome.last}`], task: `kube_static_pod_restart ${label}`, elapsedMs: ctx.clock.now() - started });
    }
    try {
      await ctx.clock.sleep(every, ctx.signal);
    } catch {
      break;
    }
    outcome = await check();
    if (outcome.fatal) break;
  }
  return outcome;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const component = reqString(ctx.args, 'component', 'kube_static_pod_restart').trim();
  if (!/^[A-Za-z0-9._-]+$/.test(component)) throw new ModuleFailure(`component "${component}" is not a manifest name (kube-apiserver, etcd, ...)`);
  const node = targetNode(ctx);
  const dir = (optString(ctx.args, 'manifest_dir') ?? '/etc/kubernetes/manifests').replace(/\/+$/, '');
  const park = reqString(ctx.args, 'park_dir', 'kube_static_pod_restart').replace(/\/+$/, '');
  const paths: Paths = { manifest: `${dir}/${component}.yaml`, parked: `${park}/${component}.yaml`, park };
  const goneMs = Math.max(1, optInt(ctx.args, 'gone_timeout') ?? 120) * 1000;
  const readyMs = Math.max(1, optInt(ctx.args, 'ready_timeout') ?? 300) * 1000;
  const every = pollMs(ctx);
  const podName = mirrorPodName(component, node.name);
  const base = { component, node: node.name, pod: `${MIRROR_NAMESPACE}/${podName}`, manifest: paths.manifest };

  const place = await manifestPlace(ctx, paths);
  if (place === 'missing') {
    if (optBool(ctx.args, 'missing_ok')) return { changed: false, skipped: true, msg: `${paths.manifest} does not exist on this host; nothing to restart`, ...base };
    return failed(`${paths.manifest} does not exist on ${ctx.host} (and is not parked in ${park})`, base);
  }
  const port = await kubePort(ctx, 'kube_static_pod_restart');
  const started = ctx.clock.now();
  let before: PodInstance | undefined;

  if (place === 'in') {
    const current = await readPod(port, podName);
    if (current === null) {
      return failed(`no mirror pod ${base.pod}: the kubelet on ${node.described} does not report ${component}; not touching its manifest`, base);
    }
    before = current === 'unreachable' ? undefined : podInstance(current);
    await shell(ctx, `mkdir -p -- ${shellQuote(park)} && mv -f -- ${shellQuote(paths.manifest)} ${shellQuote(paths.parked)}`);
    const gone = await waitUntil(ctx, goneMs, every, `${podName} to stop`, async () => {
      const pod = await readPod(port, podName, component === 'kube-apiserver');
      if (pod === null) return { ok: true, last: 'gone' };
      if (await processStopped(ctx, component)) return { ok: true, last: `no ${component} process on the host` };
      if (pod === 'unreachable') return { ok: await containerStopped(ctx, component), last: 'API unreachable, container still running or crictl missing' };
      return { ok: before !== undefined && isNewInstance(before, podInstance(pod)), last: describePod(pod) };
    });
    if (!gone.ok) {
      const restoreError = await restoreManifest(ctx, paths);
      const why = waitFailure(ctx, gone, `the kubelet did not remove ${base.pod} within ${goneMs / 1000} s (${gone.last})`);
      return failed(
        restoreError
          ? `${why}; moving the manifest back FAILED (${restoreError}): move ${paths.parked} back to ${paths.manifest} by hand`
          : `${why}; the manifest is back in place, ${component} was not restarted`,
        { ...base, changed: true, restarted: false },
      );
    }
  }

  const restoreError = await restoreManifest(ctx, paths);
  if (restoreError) return failed(`moving ${paths.parked} back to ${paths.manifest} failed: ${restoreError}; move it by hand`, { ...base, changed: true, restarted: false });

  const back = await waitUntil(ctx, readyMs, every, `${podName} to be back and Ready`, async () => {
    const pod = await readPod(port, podName, component === 'kube-apiserver');
    if (pod === null || pod === 'unreachable') return { ok: false, last: pod === null ? 'no mirror pod yet' : 'API unreachable' };
    const fresh = before === undefined || isNewInstance(before, podInstance(pod));
    return { ok: fresh && !pod.metadata.deletionTimestamp && podReady(pod), last: fresh ? describePod(pod) : 'the old mirror pod is still there' };
  });
  const elapsedMs = ctx.clock.now() - started;
  if (!back.ok) {
    const why = waitFailure(ctx, back, `not back and Ready within ${readyMs / 1000} s (${back.last})`);
    return failed(`${component} on ${node.name}: the manifest is back in place, but waiting for ${base.pod}: ${why}`, { ...base, changed: true, restarted: false, elapsed_ms: elapsedMs });
  }
  const after = await readPod(port, podName, component === 'kube-apiserver');
  return {
    changed: true,
    msg: `${component} restarted on ${node.name}: ${base.pod} back and Ready after ${(elapsedMs / 1000).toFixed(1)} s`,
    ...base,
    restarted: true,
    old_uid: before?.uid ?? '',
    new_uid: after && after !== 'unreachable' ? (after.metadata.uid ?? '') : '',
    elapsed_ms: elapsedMs,
  };
}

export const kubeStaticPodRestart: ModuleDefinition = defineModule(staticPodRestartSpec, { supportsCheck: false, run });
