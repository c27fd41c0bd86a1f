/**
 * The local run locks of a playbook run (lock/run-lock.ts): every host of the plan, by its resolved address,
 * and the claim on the run a `drydock resume` continues. Both live under the state folder, beside the
 * journals: `<state>/locks/` and `<state>/runs/<runId>.resume-claim`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlaybookPlan } from '../engine/plan.js';
import { defaultStateDir, runsDir } from '../journal/journal.js';
import { acquireHostLocks, claimResume, currentHolder, type HostLocks, type HostLockTarget } from '../lock/run-lock.js';
import type { ConnectionSpec } from '../transport/types.js';

const RUN_ID = /^[A-Za-z0-9][\w.-]*$/;

/** What makes two inventory entries one machine: the address dialled, behind the same jump hosts. */
export function hostLockKey(spec: ConnectionSpec): string {
  return [...spec.proxyJump, spec].map((hop) => `${hop.hostname}:${hop.port}`).join('>');
}

/**
 * Locks every host the plan's plays run on, all or none (LockHeldError names the holder); a host reached
 * with ansible_connection=local is the controller itself and takes no host lock.
 */
export function lockPlanHosts(plan: PlaybookPlan, runId: string, command: string, stateDir: string = defaultStateDir()): HostLocks {
  const hosts = [...new Set(plan.playHosts.flat())].filter((h) => !plan.localHosts?.has(h));
  const targets: HostLockTarget[] = hosts.map((host) => ({ host, key: hostLockKey(plan.specs.get(host) ?? plan.resolveSpec(host)) }));
  return acquireHostLocks(join(stateDir, 'locks'), targets, currentHolder(runId, command));
}

/** Claims `resumedRunId` for this run; a malformed or unknown id is left to loadResumeState to refuse. */
export function claimResumedRun(resumedRunId: string, runId: string, command: string, stateDir: string = defaultStateDir()): HostLocks {
  const dir = runsDir(stateDir);
  if (!RUN_ID.test(resumedRunId) || !existsSync(join(dir, `${resumedRunId}.jsonl`))) return { release: () => undefined };
  return claimResume(join(dir, `${resumedRunId}.resume-claim`), resumedRunId, currentHolder(runId, command));
}
