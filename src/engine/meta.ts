/**
 * `meta:` tasks, which the engine carries out itself on the batch: flush_handlers, clear_host_errors, end_host,
 * end_batch, end_play, noop. end_host follows each host's `when`; the others the first host's.
 */
import type { BatchVerdict } from '../playbook/batches.js';
import { evaluateCondition } from '../playbook/template.js';
import { taskLayers, type EffectiveTask } from './effective.js';
import type { HostState, RunState } from './run-state.js';

export type BatchStop = { kind: 'verdict'; verdict: Extract<BatchVerdict, { stop: true }> } | { kind: 'end_batch' } | { kind: 'end_play' };

/** What a meta task acts on: the batch runner's host states, its stop and its handlers. */
export interface MetaRunner {
  readonly run: RunState;
  readonly states: Map<string, HostState>;
  stop?: BatchStop;
  flushHandlers(): Promise<void>;
}

export async function runMeta(runner: MetaRunner, et: EffectiveTask, hosts: string[]): Promise<void> {
  const action = (et.task.freeForm ?? '').trim();
  const { store } = runner.run;
  const holds = (host: string): boolean => {
    try {
      return evaluateCondition(et.when, store.forHost(host, taskLayers(et)), { ...store.renderOptions(host), origin: et.task.pos });
    } catch (err) {
      runner.run.ports.emit({ type: 'warning', host, message: `meta: ${action}: ${(err as Error).message}` });
      return false;
    }
  };
  if (action === 'end_host') {
    for (const h of hosts) if (holds(h)) runner.states.get(h)!.ended = true;
    return;
  }
  if (!holds(hosts[0]!)) return;
  switch (action) {
    case 'flush_handlers':
      return runner.flushHandlers();
    case 'clear_host_errors':
      for (const [h, s] of runner.states) {
        s.failed = false;
        s.unreachable = false;
        runner.run.unreachable.delete(h);
        runner.run.failed.delete(h);
      }
      return;
    case 'end_batch':
      runner.stop = { kind: 'end_batch' };
      return;
    case 'end_play':
      runner.stop = { kind: 'end_play' };
      return;
    default:
      return; // noop
  }
}
