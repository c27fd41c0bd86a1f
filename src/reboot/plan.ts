/**
 * `drydock reboot`, the pure part: the flags as the playbook's variables, the maintenance-window verdict
 * and its messages, which hosts go in which order, and the plan text the admin confirms. No I/O; the
 * command (src/cli/commands/reboot.ts) reads the inventory and the hosts and hands the facts in.
 */
import { UsageError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { closingTime, describeAt, describeInstant, describeWindow, isOpen, nextOpening, type MaintenanceWindow } from '../policy/window.js';

/** Debian/Ubuntu's "a reboot is required" file (unattended-upgrades, package postinst scripts). */
export const REBOOT_SENTINEL = '/var/run/reboot-required';
export const DEFAULT_REBOOT_TIMEOUT_S = 600;

export interface RebootFlags {
  onlyIfRequired: boolean;
  /** Workers rebooted at the same time; control planes are always one at a time. */
  concurrency: number;
  window?: MaintenanceWindow;
  blockingPodSelector?: string;
  /** Also delete pods no controller manages (lost for good), as kured's drain does. */
  drainForce?: boolean;
  drainTimeoutS: number;
  rebootTimeoutS: number;
}

/** `--drain-timeout 600`: whole seconds, 0 = wait as long as it takes (kubectl's and kured's default). */
export function parseWholeSeconds(flag: string, text: string): number {
  const value = text.trim();
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number of seconds (0 or more), not "${text}"`);
  return Number(value);
}

/** The variables playbooks/os-patch-reboot.yaml documents, from the flags. */
export function rebootVars(flags: RebootFlags): Vars {
  return {
    only_if_required: flags.onlyIfRequired,
    reboot_concurrency: flags.concurrency,
    drain_timeout: flags.drainTimeoutS,
    reboot_timeout: flags.rebootTimeoutS,
    ...(flags.drainForce ? { drain_force: true } : {}),
    ...(flags.blockingPodSelector ? { blocking_pod_selector: flags.blockingPodSelector } : {}),
  };
}

export type WindowVerdict =
  | { open: true; /** Epoch ms the window closes; absent without a window or when it never closes. */ closes?: number }
  | { open: false; opens: number };

export function windowVerdict(window: MaintenanceWindow | undefined, now: number): WindowVerdict {
  if (!window) return { open: true };
  if (isOpen(window, now)) {
    const closes = closingTime(window, now);
    return closes !== undefined && Number.isFinite(closes) ? { open: true, closes } : { open: true };
  }
  return { open: false, opens: nextOpening(window, now) };
}

/** "outside the maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin); it opens at ... (..., in 3h12m)". */
export function closedWindowMessage(window: MaintenanceWindow, opens: number, now: number): string {
  return `outside the maintenance window ${describeWindow(window)}; it opens at ${describeInstant(opens, window.timeZone, now)}. Nothing was started and no host was contacted.`;
}

/** The warning when the window closes during the run (the stopAt hook prints it). */
export function windowClosedStopMessage(window: MaintenanceWindow, closes: number): string {
  return `the maintenance window ${describeWindow(window)} closed at ${describeAt(closes, window.timeZone)}: no further node will be started`;
}

export type NodeRole = 'control plane' | 'worker';

export interface RebootCandidate {
  host: string;
  node: string;
  role: NodeRole;
  /** With --only-if-required: whether the sentinel exists (read over SSH before asking). */
  sentinel?: boolean;
}

/**
 * The hosts to consider, in the order the playbook takes them: the control-plane play's hosts, then the
 * workers' (each in inventory order, --limit applied), kept only when the command's PATTERN names them.
 */
export function orderCandidates(
  playHosts: readonly [readonly string[], readonly string[]],
  inPattern: (host: string) => boolean,
  nodeName: (host: string) => string,
): RebootCandidate[] {
  const [controlPlanes, workers] = playHosts;
  const seen = new Set<string>();
  const out: RebootCandidate[] = [];
  const add = (host: string, role: NodeRole): void => {
    if (seen.has(host) || !inPattern(host)) return;
    seen.add(host);
    out.push({ host, node: nodeName(host), role });
  };
  for (const host of controlPlanes) add(host, 'control plane');
  for (const host of workers) add(host, 'worker');
  return out;
}

/** The candidates that will be rebooted: all of them, or with --only-if-required those with the sentinel. */
export function hostsToReboot(candidates: readonly RebootCandidate[], onlyIfRequired: boolean): RebootCandidate[] {
  return onlyIfRequired ? candidates.filter((c) => c.sentinel === true) : [...candidates];
}

function table(rows: readonly RebootCandidate[], extra: (c: RebootCandidate) => string): string[] {
  const hostWidth = Math.max(4, ...rows.map((r) => r.host.length));
  const nodeWidth = Math.max(4, ...rows.map((r) => r.node.length));
  const roleWidth = Math.max(...rows.map((r) => r.role.length));
  const numberWidth = String(rows.length).length;
  return rows.map((r, i) => {
    const tail = extra(r);
    return `  ${String(i + 1).padStart(numberWidth)}. ${r.host.padEnd(hostWidth)}  node ${r.node.padEnd(nodeWidth)}  ${r.role.padEnd(roleWidth)}  ${tail}`.trimEnd();
  });
}

export interface SummaryInput {
  candidates: readonly RebootCandidate[];
  flags: RebootFlags;
  verdict: Extract<WindowVerdict, { open: true }>;
  now: number;
}

/** What drydock is about to do, host by host, as the admin confirms it. */
export function rebootSummary({ candidates, flags, verdict, now }: SummaryInput): string {
  const chosen = hostsToReboot(candidates, flags.onlyIfRequired);
  const lines: string[] = [];
  const workers = flags.concurrency === 1 ? 'workers one at a time' : `workers ${flags.concurrency} at a time`;
  lines.push(`drydock reboot: rolling reboot of ${chosen.length} node(s), in this order (control planes one at a time, then ${workers}):`);
  lines.push(...table(chosen, (c) => (flags.onlyIfRequired ? `${REBOOT_SENTINEL} present` : '')));
  const left = candidates.filter((c) => !chosen.includes(c));
  if (left.length > 0) lines.push(`not rebooted (no ${REBOOT_SENTINEL}): ${left.map((c) => c.host).join(', ')}`);
  const drainTimeout = flags.drainTimeoutS === 0 ? 'no timeout' : `timeout ${flags.drainTimeoutS}s`;
  lines.push(
    `each node: drain (${drainTimeout}; DaemonSet pods stay; emptyDir data is deleted${flags.drainForce ? '; pods without a controller are deleted' : ''}), reboot and wait for a new boot id (up to ${flags.rebootTimeoutS}s), kubelet running and node Ready, uncordon`,
  );
  if (flags.blockingPodSelector) lines.push(`a node running pods that match ${flags.blockingPodSelector} is postponed: left alone and reported`);
  if (flags.onlyIfRequired) lines.push(`each host's ${REBOOT_SENTINEL} is checked again just before its turn`);
  if (flags.window && verdict.closes !== undefined) {
    lines.push(
      `maintenance window ${describeWindow(flags.window)} is open until ${describeInstant(verdict.closes, flags.window.timeZone, now)}; no node starts after that`,
    );
  }
  lines.push('the first failure stops the run; the node that failed stays cordoned');
  return `${lines.join('\n')}\n`;
}
