/**
 * One task on one host: `when`, loop items, argument templating and checking, check mode, the module run
 * with its timeout, changed_when / failed_when, until / retries / delay, and the registered result.
 * Never throws for host-level trouble: everything becomes a result the batch runner acts on. One attempt of
 * the module and the until / retries loop are in task-attempt.ts.
 */
import type { HostStatus } from '../events/events.js';
import type { Vars } from '../inventory/types.js';
import { renderBoolKeyword, renderIntKeyword, renderLoopItems } from '../playbook/keywords.js';
import { evaluateCondition, renderString, renderValue, type RenderOptions } from '../playbook/template.js';
import { pyStr } from '../playbook/expr/values.js';
import { taskLayers, type EffectiveTask } from './effective.js';
import { loopItemVars, loopSettings } from './loop-vars.js';
import { quietBool } from './task-conditions.js';
import { runWithRetries, type Settings, type TaskRunDeps } from './task-attempt.js';
import { NO_LOG_MESSAGE, censored, errorResult, loopShape, shownFields, statusOf, toHostResult, type RawStatus } from './results.js';
import { connectionOf, isController } from './types.js';

export type { TaskRunDeps } from './task-attempt.js';

/** The bare `with_items: name` loops already warned about: once per task, not once per host. */
const warnedBareLoops = new WeakSet<object>();

export interface HostTaskOutcome {
  host: string;
  raw: RawStatus;
  /** As counted and shown: `ignored` for an ignored failure or unreachable, else the raw status. */
  status: HostStatus;
  result: Record<string, unknown>;
  delegatedTo?: string;
  /** set_fact values to store on the host. */
  facts?: Vars;
  gathered?: { facts: Vars; classic: Vars };
  /** no_log: the result is hidden in output and reports (the registered variable keeps it). */
  noLog: boolean;
  ms: number;
  /** drydock resume: this result was recorded by that earlier run; the task did not run now. */
  replayedFrom?: string;
}

export async function runTaskOnHost(et: EffectiveTask, host: string, deps: TaskRunDeps): Promise<HostTaskOutcome> {
  const { ports, store } = deps;
  const started = ports.clock.now();
  const task = et.task;
  const opts: RenderOptions = { ...store.renderOptions(host), origin: task.pos };
  const layers = taskLayers(et);
  const vars = store.forHost(host, layers);
  let settings: Settings | undefined;
  let ignoreErrors = false;
  let ignoreUnreachable = false;
  let result: Record<string, unknown>;
  let facts: Vars | undefined;
  let gathered: HostTaskOutcome['gathered'];
  try {
    // A host the condition skips is skipped before anything else is templated for it (its delegate_to or
    // environment may only make sense where the condition holds).
    if (!task.loop && !evaluateCondition(et.when, vars, opts)) {
      return { host, raw: 'skipped', status: 'skipped', result: skippedResult(et), noLog: false, ms: ports.clock.now() - started };
    }
    ignoreErrors = renderBoolKeyword(et.ignoreErrors, 'ignore_errors', vars, opts) ?? false;
    ignoreUnreachable = renderBoolKeyword(et.ignoreUnreachable, 'ignore_unreachable', vars, opts) ?? false;
    settings = taskSettings(et, vars, opts, deps);
    const current = settings;
    const one = async (itemVars: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const r = await runWithRetries(et, host, itemVars, current, opts, deps);
      if (r.facts) facts = { ...facts, ...r.facts };
      if (r.gathered) gathered = r.gathered;
      return r.result;
    };
    if (!task.loop) {
      result = await one(vars);
    } else {
      const items = renderLoopItems(task.loop, vars, opts);
      const bare = task.loop.bareName;
      if (bare !== undefined && Object.hasOwn(vars, bare) && !warnedBareLoops.has(task.loop)) {
        warnedBareLoops.add(task.loop);
        ports.emit({ type: 'warning', message: `with_items: ${bare} loops over the one string "${bare}", as Ansible 2.14 does (a bare name is not a variable there); write with_items: "{{ ${bare} }}" to loop over the variable` });
      }
      const control = task.loopControl;
      const pause = renderIntKeyword(control?.pause, 'loop_control.pause', vars, opts) ?? 0;
      const extended = renderBoolKeyword(control?.extended, 'loop_control.extended', vars, opts) ?? false;
      const allItems = renderBoolKeyword(control?.extendedAllitems, 'loop_control.extended_allitems', vars, opts) ?? true;
      const looping = loopSettings(control, extended, allItems);
      const results: Record<string, unknown>[] = [];
      for (const [index, item] of items.entries()) {
        if (deps.abort.aborted) break;
        if (index > 0 && pause > 0) await ports.clock.sleep(pause * 1000, deps.abort);
        const loopVars = loopItemVars(looping, items, index);
        const itemVars = store.forHost(host, { ...layers, loopVars });
        let itemResult: Record<string, unknown>;
        try {
          itemResult = evaluateCondition(et.when, itemVars, opts) ? await one(itemVars) : skippedResult(et);
        } catch (err) {
          itemResult = errorResult(err);
        }
        itemResult = { ...itemResult, ...loopVars };
        results.push(itemResult);
        const label = control?.label !== undefined ? pyStr(renderString(control.label, itemVars, opts)) : pyStr(item);
        emitResult(et, host, statusOf(itemResult), itemResult, settings, ports.clock.now() - started, deps, label);
        if (itemResult['unreachable'] === true) break;
      }
      result = loopShape(results);
    }
  } catch (err) {
    // Templating problems (undefined variables, bad keyword values) fail the host; as Ansible's TaskExecutor,
    // ignore_errors covers them too ("...ignoring").
    result = errorResult(err);
    if (!ignoreErrors) ignoreErrors = quietBool(et.ignoreErrors, vars, opts);
  }
  const raw = statusOf(result);
  let status: HostStatus = raw;
  if (raw === 'failed' && ignoreErrors) status = 'ignored';
  if (raw === 'unreachable' && ignoreUnreachable) status = 'ignored';
  const ms = ports.clock.now() - started;
  const outcome: HostTaskOutcome = { host, raw, status, result, noLog: settings?.noLog ?? false, ms };
  if (settings?.delegateTo) outcome.delegatedTo = settings.delegateTo;
  if (facts) outcome.facts = facts;
  if (gathered) outcome.gathered = gathered;
  return outcome;
}

function skippedResult(et: EffectiveTask): Record<string, unknown> {
  const falseCondition = et.when.find((c) => typeof c === 'string') ?? et.when[0];
  return { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: falseCondition };
}

function taskSettings(et: EffectiveTask, vars: Record<string, unknown>, opts: RenderOptions, deps: TaskRunDeps): Settings {
  const { options, ports } = deps;
  const checkMode = renderBoolKeyword(et.checkMode, 'check_mode', vars, opts);
  const env: Record<string, string> = {};
  for (const layer of et.environment) {
    const rendered = typeof layer === 'string' ? renderString(layer, vars, opts) : renderValue(layer, vars, opts);
    if (rendered && typeof rendered === 'object') for (const [k, v] of Object.entries(rendered)) env[k] = pyStr(v);
  }
  const delegateTo = et.delegateTo !== undefined ? pyStr(renderString(et.delegateTo, vars, opts)).trim() : undefined;
  // The ansible_connection variable wins over the connection keyword, as in Ansible.
  const connection = delegateTo === undefined ? (connectionOf(vars) ?? et.connection) : undefined;
  const settings: Settings = {
    check: checkMode ?? options.check,
    diff: renderBoolKeyword(et.diff, 'diff', vars, opts) ?? options.diff,
    env,
    local: delegateTo !== undefined ? isController(delegateTo, ports.inventory) : connection === 'local',
    timeout: renderIntKeyword(et.timeout, 'timeout', vars, opts) ?? options.taskTimeout ?? 0,
    noLog: renderBoolKeyword(et.noLog, 'no_log', vars, opts) ?? false,
  };
  const become = renderBoolKeyword(et.become, 'become', vars, opts);
  if (become !== undefined) settings.become = become;
  if (delegateTo !== undefined && delegateTo !== '') settings.delegateTo = delegateTo;
  return settings;
}

/** Emits a result line (item lines during a loop, the host's final line otherwise). */
export function emitResult(
  et: EffectiveTask,
  host: string,
  raw: RawStatus,
  result: Record<string, unknown>,
  settings: { noLog: boolean; delegateTo?: string } | undefined,
  ms: number,
  deps: TaskRunDeps,
  item?: string,
  status: HostStatus = raw,
  extra: { facts?: Record<string, unknown>; runOnceHosts?: string[] } = {},
): void {
  const shown = settings?.noLog ? censored(result) : result;
  const show = shownFields(shown, raw, et.task.module);
  deps.ports.emit({
    type: 'task.result',
    result: toHostResult(host, et.name, status, shown, ms),
    ...(settings?.delegateTo ? { delegatedTo: settings.delegateTo } : {}),
    ...(item !== undefined ? { item: settings?.noLog ? NO_LOG_MESSAGE : item } : {}),
    ...(show ? { show } : {}),
    ...(et.id !== undefined ? { taskId: et.id } : {}),
    ...(extra.facts && !settings?.noLog ? { facts: extra.facts } : {}),
    ...(extra.runOnceHosts ? { runOnceHosts: extra.runOnceHosts } : {}),
  });
}
