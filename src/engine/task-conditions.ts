/**
 * The small rules of one task attempt, kept beside task-runner.ts: changed_when / failed_when on a result, the
 * task `timeout` around a module, ignore_errors read when the task's templating already failed.
 */
import type { Vars } from '../inventory/types.js';
import type { ModuleResult } from '../modules/types.js';
import { renderBoolKeyword } from '../playbook/keywords.js';
import { evaluateCondition, type RenderOptions } from '../playbook/template.js';
import type { EffectiveTask } from './effective.js';
import { TaskTimeoutError } from './results.js';
import type { EngineClock } from './types.js';

/** ignore_errors for a host whose `when` failed to render before ignore_errors was read; false if it cannot render either. */
export function quietBool(value: EffectiveTask['ignoreErrors'], vars: Vars, opts: RenderOptions): boolean {
  try {
    return renderBoolKeyword(value, 'ignore_errors', vars, opts) ?? false;
  } catch {
    return false;
  }
}

/** Render options where these top-level names hold data (a task result), never templates. */
export function asData(opts: RenderOptions, names: string[]): RenderOptions {
  return { ...opts, unsafeVars: new Set([...(opts.unsafeVars ?? []), ...names]) };
}

export function applyConditions(conditions: EffectiveTask['task']['failedWhen'], key: 'changed' | 'failed', result: Record<string, unknown>, vars: Record<string, unknown>, register: string | undefined, opts: RenderOptions): void {
  if (!conditions) return;
  // As Ansible's TaskExecutor: the result is visible under its register name only.
  const withResult = register ? { ...vars, [register]: result } : vars;
  const value = evaluateCondition(conditions, withResult, opts);
  result[key] = value;
  if (key === 'failed') {
    result['failed_when_result'] = value;
    if (value && result['msg'] === undefined) result['msg'] = 'failed_when condition was true';
  }
}

/** The module's promise, ended by the task's `timeout` even if the module ignores its signal. */
export async function withTimeout(run: Promise<ModuleResult>, seconds: number, controller: AbortController, clock: EngineClock): Promise<ModuleResult> {
  if (seconds <= 0) return run;
  const timer = clock.sleep(seconds * 1000, controller.signal).then(() => {
    if (controller.signal.aborted) return new Promise<never>(() => undefined);
    controller.abort();
    throw new TaskTimeoutError(seconds);
  });
  return Promise.race([run, timer]);
}

