/**
 * One attempt of a task's module on one host (arguments templated and checked, check mode, timeout, async,
 * changed_when / failed_when) and the until / retries / delay loop around it. Used by task-runner.ts.
 */
import { dirname } from 'node:path';
import type { Vars } from '../inventory/types.js';
import type { ModuleResult } from '../modules/types.js';
import { renderIntKeyword } from '../playbook/keywords.js';
import { checkModuleArgs, type ModuleRegistry } from '../playbook/modules.js';
import { evaluateCondition, renderString, renderValue, type RenderOptions } from '../playbook/template.js';
import { pyStr } from '../playbook/expr/values.js';
import type { ConnectionBudget } from './connections.js';
import { makeModuleContext } from './context.js';
import type { EffectiveTask } from './effective.js';
import { asyncJob } from './async-run.js';
import { applyConditions, asData, withTimeout } from './task-conditions.js';
import { errorResult, registeredShape } from './results.js';
import type { EnginePorts, PlaybookRunOptions } from './types.js';
import type { VarStore } from './vars.js';

export interface TaskRunDeps {
  ports: EnginePorts;
  options: PlaybookRunOptions;
  store: VarStore;
  registry: ModuleRegistry;
  /** Second Ctrl-C: ends running commands. */
  abort: AbortSignal;
  /** Keeps the target's connection open while a module uses it. */
  connections?: ConnectionBudget;
}

export interface Settings {
  check: boolean;
  diff: boolean;
  become?: boolean;
  env: Record<string, string>;
  delegateTo?: string;
  local: boolean;
  timeout: number;
  noLog: boolean;
}

const DEFAULT_UNTIL_ATTEMPTS = 3;
const DEFAULT_DELAY_SECONDS = 5;
/** Ansible's default `poll` for an `async` task. */
const DEFAULT_POLL_SECONDS = 10;

export interface AttemptOutcome {
  result: Record<string, unknown>;
  facts?: Vars;
  gathered?: { facts: Vars; classic: Vars };
}

export async function runWithRetries(et: EffectiveTask, host: string, vars: Record<string, unknown>, settings: Settings, opts: RenderOptions, deps: TaskRunDeps): Promise<AttemptOutcome> {
  const task = et.task;
  const until = task.until ?? (task.retries !== undefined ? ['not (__drydock_result is failed)'] : undefined);
  if (!until) return attempt(et, host, vars, settings, opts, deps);
  const retries = renderIntKeyword(task.retries, 'retries', vars, opts);
  // Ansible's TaskExecutor: retries unset → 3 attempts; retries N → N + 1 attempts (the first is not a retry).
  const attempts = retries === undefined ? DEFAULT_UNTIL_ATTEMPTS : retries <= 0 ? 1 : retries + 1;
  const delay = renderIntKeyword(task.delay, 'delay', vars, opts) ?? DEFAULT_DELAY_SECONDS;
  let last: AttemptOutcome | undefined;
  for (let n = 1; n <= attempts; n++) {
    last = await attempt(et, host, vars, settings, opts, deps);
    last.result['attempts'] = n;
    if (last.result['unreachable'] === true) return last;
    const withResult = { ...vars, __drydock_result: last.result, ...(task.register ? { [task.register]: last.result } : {}) };
    deps.store.markData(last.result);
    const done = evaluateCondition(until, withResult, asData(opts, ['__drydock_result', ...(task.register ? [task.register] : [])]));
    if (done) return last;
    if (n < attempts) {
      deps.ports.emit({ type: 'task.retry', host, task: et.name, attempt: n, retriesLeft: attempts - n });
      if (deps.abort.aborted) break;
      await deps.ports.clock.sleep(delay * 1000, deps.abort);
    }
  }
  const result = last!.result;
  // Ran out of attempts without the until condition holding: a failure even when each attempt "succeeded".
  result['failed'] = true;
  result['msg'] ??= `until condition not met after ${attempts} attempts`;
  return last!;
}

async function attempt(et: EffectiveTask, host: string, vars: Record<string, unknown>, settings: Settings, opts: RenderOptions, deps: TaskRunDeps): Promise<AttemptOutcome> {
  const { ports, options } = deps;
  const task = et.task;
  const module = ports.modules.get(task.module);
  if (!module) return { result: { changed: false, failed: true, msg: `no implementation of module '${task.module}'` } };
  // assert's `that` holds bare expressions the module evaluates itself (Ansible passes them unrendered).
  const { that, ...templated } = task.args;
  const given = renderValue(task.module === 'assert' ? templated : task.args, vars, opts) as Record<string, unknown>;
  if (task.module === 'assert' && that !== undefined) given['that'] = that;
  const freeForm = task.freeForm !== undefined ? pyStr(renderString(task.freeForm, vars, opts)) : undefined;
  const spec = deps.registry.get(task.module);
  let args = given;
  if (spec) {
    const checked = checkModuleArgs(spec, given, { ...(freeForm !== undefined ? { freeForm } : {}), applyDefaults: true });
    if (checked.problems.length) return { result: { changed: false, failed: true, msg: checked.problems.map((p) => p.message).join('; ') } };
    args = checked.args;
  }
  if (settings.check && !module.supportsCheck) {
    return { result: { changed: false, skipped: true, msg: `skipped (check mode): module '${task.module}' does not support check mode` } };
  }
  const target = settings.delegateTo ?? host;
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, deps.abort]);
  const deadline = settings.timeout > 0 ? ports.clock.now() + settings.timeout * 1000 : undefined;
  const ctx = makeModuleContext(
    {
      host,
      target,
      local: settings.local,
      args,
      ...(freeForm !== undefined ? { freeForm } : {}),
      vars,
      check: settings.check,
      diff: settings.diff,
      yes: options.yes,
      ...(settings.become !== undefined ? { become: settings.become } : {}),
      ...(et.becomeUser !== undefined ? { becomeUser: pyStr(renderString(et.becomeUser, vars, opts)).trim() } : {}),
      env: settings.env,
      ...(deadline !== undefined ? { deadline } : {}),
      signal,
      runId: options.runId,
      // The loader's search path (role, task file, playbook folders); else the folder of the task's file.
      searchPath: task.searchPath ?? [dirname(et.task.pos.file)],
    },
    ports,
  );
  let moduleResult: ModuleResult;
  const seconds = renderIntKeyword(task.async, 'async', vars, opts) ?? 0;
  const job = seconds > 0 ? asyncJob(ctx, seconds, renderIntKeyword(task.poll, 'poll', vars, opts) ?? DEFAULT_POLL_SECONDS) : undefined;
  if (!settings.local) deps.connections?.hold(target);
  try {
    moduleResult = await withTimeout(module.run(job?.ctx ?? ctx), settings.timeout, controller, ports.clock);
    if (job) moduleResult = job.finish(moduleResult);
  } catch (err) {
    return { result: errorResult(err, settings.timeout || undefined) };
  } finally {
    controller.abort();
    if (!settings.local) deps.connections?.done(target);
  }
  const result = registeredShape(moduleResult);
  const out: AttemptOutcome = { result };
  if (moduleResult.facts) out.facts = moduleResult.facts;
  const ansibleFacts = moduleResult['ansible_facts'];
  const classic = moduleResult['drydock_classic_facts'];
  if (classic && ansibleFacts && typeof ansibleFacts === 'object') out.gathered = { facts: ansibleFacts as Vars, classic: (classic ?? {}) as Vars };
  deps.store.markData(result);
  const dataOpts = asData(opts, task.register ? [task.register] : []);
  if (result['skipped'] !== true) applyConditions(task.changedWhen, 'changed', result, vars, task.register, dataOpts);
  if (result['skipped'] !== true) applyConditions(task.failedWhen, 'failed', result, vars, task.register, dataOpts);
  return out;
}
