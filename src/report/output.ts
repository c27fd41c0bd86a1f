/**
 * What the report keeps of a task's result and how it marks a task: the output tail (bounded: the message
 * and the last lines of stdout and stderr as the journal holds them, secrets already redacted there, no_log
 * results already censored), and which tasks reboot a host, restart a service or the kubelet, drain or run
 * kubeadm (drawn with a mark on the timeline).
 */
import type { HostResult } from '../events/events.js';

/** Characters kept of each stream's end; a 500 × 40 run stays a few megabytes at most. */
export const TAIL_CHARS = 1500;

export type TaskMark = 'reboot' | 'restart' | 'kubelet-restart' | 'drain' | 'kubeadm' | 'static-pod-restart';

/** A task's mark from its module (and, for systemd/service, its name: which unit it restarts). */
export function markOf(module: string | undefined, name: string): TaskMark | null {
  switch (module) {
    case 'reboot':
      return 'reboot';
    case 'kube_drain':
      return 'drain';
    case 'kubeadm':
      return 'kubeadm';
    case 'kube_static_pod_restart':
      return 'static-pod-restart';
    case 'systemd':
    case 'service':
      return /kubelet/i.test(name) ? 'kubelet-restart' : /restart/i.test(name) ? 'restart' : null;
    default:
      return null;
  }
}

/** The end of a text, at most `max` characters, cut at a line start when one is near. */
export function tail(text: string, max: number = TAIL_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const nl = cut.indexOf('\n');
  return `…${nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut}`;
}

/** The message and the output tails of a result, or undefined when it said nothing. */
export function outputTail(result: HostResult): string | undefined {
  const parts: string[] = [];
  if (result.msg) parts.push(tail(result.msg));
  if (result.rc !== undefined && result.rc !== null && result.rc !== 0) parts.push(`rc: ${result.rc}`);
  if (result.stderr) parts.push(`stderr:\n${tail(result.stderr)}`);
  if (result.stdout) parts.push(`stdout:\n${tail(result.stdout)}`);
  const censored = result.data?.['censored'];
  if (typeof censored === 'string' && parts.length === 0) parts.push(censored);
  return parts.length > 0 ? parts.join('\n') : undefined;
}
