/**
 * What one host's task outcome does to its batch: the result line and report entry, the counts, registered
 * variables and facts, add_host / group_by inventory changes, the host's failed / rescued / unreachable state,
 * the handlers it notifies; and, for run_once, the same carried to the other hosts of the batch.
 */
import type { Play } from '../playbook/model.js';
import { renderString } from '../playbook/template.js';
import { pyStr } from '../playbook/expr/values.js';
import { taskLayers, type EffectiveTask } from './effective.js';
import type { HandlerQueue } from './handlers.js';
import { countResult, reportResult, type TaskReport } from './report.js';
import type { HostState, RunState } from './run-state.js';
import { emitResult, type HostTaskOutcome } from './task-runner.js';
import { NO_LOG_MESSAGE, toHostResult } from './results.js';
import { emitReplayed } from './resume.js';
import { applyInventoryChanges } from './inventory-changes.js';

/** What an outcome acts on: the batch runner's run, host states, handlers and play. */
export interface OutcomeTarget {
  readonly run: RunState;
  readonly states: Map<string, HostState>;
  readonly handlers: HandlerQueue;
  readonly play: Play;
}

export function applyOutcome(b: OutcomeTarget, et: EffectiveTask, o: HostTaskOutcome, report: TaskReport, runOnceHosts: string[] = []): void {
  const { store, stats } = b.run;
  const state = b.states.get(o.host)!;
  let status = o.status;
  if (o.raw === 'failed' && status === 'failed' && et.rescuable) status = 'rescued';
  if (o.replayedFrom !== undefined) {
    status = emitReplayed(b.run.ports, et, o.host, o.replayedFrom, status);
  } else {
    const extra = { ...(o.facts && o.raw !== 'failed' && o.raw !== 'unreachable' ? { facts: o.facts } : {}), ...(runOnceHosts.length ? { runOnceHosts } : {}) };
    if (o.noLog && et.id !== undefined && (et.task.register || extra.facts)) {
      b.run.ports.keepSecret?.({ taskId: et.id, host: o.host, data: o.result, ...(extra.facts ? { facts: extra.facts } : {}) });
    }
    emitResult(et, o.host, o.raw, o.result, { noLog: o.noLog, ...(o.delegatedTo ? { delegateTo: o.delegatedTo } : {}) }, o.ms, b.run.deps, undefined, status, extra);
  }
  report.results.push(reportResult(toHostResult(o.host, et.name, status, o.noLog ? { censored: NO_LOG_MESSAGE } : o.result, o.ms)));
  countResult(stats, o.host, status, o.raw === 'failed' && o.result['changed'] === true);
  if (et.task.register) store.register(o.host, et.task.register, o.result);
  if (o.raw !== 'failed' && o.raw !== 'unreachable') changeInventory(b, o);
  if (o.facts && o.raw !== 'failed' && o.raw !== 'unreachable') store.setTaskFacts(o.host, et.task.module, o.facts);
  if (o.gathered) store.setGathered(o.host, o.gathered.facts, o.gathered.classic);
  if (status === 'rescued') {
    state.blockFailed = true;
    state.lastFailure = { task: et.name, result: o.noLog ? { censored: NO_LOG_MESSAGE } : o.result };
  }
  else if (status === 'failed') {
    state.failed = true;
    b.run.failed.add(o.host);
  } else if (status === 'unreachable') {
    state.unreachable = true;
    b.run.unreachable.add(o.host);
  }
  if (o.raw === 'changed' || (o.raw !== 'failed' && o.result['changed'] === true)) notify(b, et, o.host);
}

/** add_host / group_by: the in-memory inventory changes for the later tasks and plays. */
function changeInventory(b: OutcomeTarget, o: HostTaskOutcome): void {
  const change = applyInventoryChanges(b.run.ports.inventory, o.host, o.result);
  if (!change) return;
  b.run.dynamic ??= { added: new Set() };
  for (const h of change.added) b.run.dynamic.added.add(h);
  b.run.store.inventoryChanged();
}

function notify(b: OutcomeTarget, et: EffectiveTask, host: string): void {
  for (const written of et.task.notify) {
    let name = written;
    try {
      name = pyStr(renderString(written, b.run.store.forHost(host, taskLayers(et)), b.run.store.renderOptions(host)));
    } catch {
      // An unrenderable notify is reported below as reaching no handler.
    }
    if (!b.handlers.notify(host, name)) {
      b.run.ports.emit({ type: 'warning', host, message: `task "${et.name}" notified "${name}", which matches no handler of play "${b.play.name}"` });
    }
  }
}

/** run_once: the first host's result, registered variables and facts go to every host of the batch. */
export function copyRunOnce(b: OutcomeTarget, et: EffectiveTask, o: HostTaskOutcome, others: string[]): void {
  const { store } = b.run;
  for (const host of others) {
    if (et.task.register) store.register(host, et.task.register, o.result);
    if (o.facts && o.raw !== 'failed') store.setTaskFacts(host, et.task.module, o.facts);
    if (o.raw === 'changed') notify(b, et, host);
    // Ansible fails every host of the batch when a run_once task fails: they all depended on it.
    if (o.status === 'failed' && !et.rescuable) {
      b.states.get(host)!.failed = true;
      b.run.failed.add(host);
    } else if (o.status === 'failed') b.states.get(host)!.blockFailed = true;
  }
}
