/**
 * One batch of one play: pre_tasks → handlers → tasks → handlers → post_tasks → handlers.
 *
 * Strategy linear: every host of the batch ends task N before any starts task N+1, at most
 * min(forks, throttle) at a time. Strategy free: each host walks the section on its own (within forks).
 * A failed or unreachable host leaves the batch; after every task the batch stops early when
 * any_errors_fatal or max_fail_percentage say so. What each host's outcome does to the batch is in
 * batch-outcome.ts.
 */
import type { Block, Play, Task, TaskItem } from '../playbook/model.js';
import { renderBoolKeyword, renderIntKeyword } from '../playbook/keywords.js';
import { shouldStopAfterBatch } from '../playbook/batches.js';
import { effectiveTask, shownName, taskLayers, type EffectiveTask, type Scope } from './effective.js';
import { runInclude } from './includes.js';
import { HandlerQueue } from './handlers.js';
import type { PlayReport, TaskReport } from './report.js';
import { isActive, mapLimit, newHostState, type HostState, type RunState } from './run-state.js';
import { matchesStartAt, shouldRunByTags } from './tags.js';
import { runTaskOnHost, type HostTaskOutcome } from './task-runner.js';
import { replayedOutcomes } from './resume.js';
import { applyOutcome, copyRunOnce } from './batch-outcome.js';
import { runMeta, type BatchStop } from './meta.js';
import { gatherTaskId, handlerTaskId, sectionPath, SECTIONS } from './task-ids.js';

export type { BatchStop } from './meta.js';

export class BatchRunner {
  readonly states = new Map<string, HostState>();
  readonly handlers: HandlerQueue;
  stop?: BatchStop;

  constructor(
    readonly run: RunState,
    readonly play: Play,
    readonly batch: readonly string[],
    private readonly batchIndex: number,
    private readonly report: PlayReport,
    private readonly playIndex = 0,
    /** The batch's size as cut, before the hosts an earlier play failed were dropped (Ansible divides by it). */
    readonly batchSize = batch.length,
  ) {
    for (const h of batch) this.states.set(h, newHostState());
    this.handlers = new HandlerQueue(play.handlers);
  }

  active(): string[] {
    return this.batch.filter((h) => isActive(this.states.get(h)));
  }

  private stopped(): boolean {
    return this.stop !== undefined || this.run.control.stop?.aborted === true;
  }

  async runAll(gatherFacts?: Task): Promise<void> {
    const base: Scope = { play: this.play, blocks: [], rescuable: false, handler: false };
    if (gatherFacts) await this.runTask(effectiveTask(gatherFacts, base, gatherTaskId(this.playIndex)), this.active());
    for (const [name, key] of SECTIONS) {
      const scope: Scope = { ...base, path: sectionPath(this.playIndex, name) };
      await this.runSection(this.play[key], scope);
      if (this.stop?.kind === 'end_play' || this.stop?.kind === 'verdict' || this.run.control.stop?.aborted) return;
      await this.flushHandlers();
    }
  }

  private async runSection(items: TaskItem[], scope: Scope): Promise<void> {
    if (this.play.strategy === 'free') {
      await mapLimit(this.active(), this.run.options.forks, (host) => this.runItems(items, [host], scope));
    } else await this.runItems(items, this.active(), scope);
  }

  private async runItems(items: TaskItem[], hosts: string[], scope: Scope): Promise<void> {
    for (const [index, item] of items.entries()) {
      if (this.stopped()) return;
      const live = hosts.filter((h) => isActive(this.states.get(h)));
      if (live.length === 0) return;
      const path = scope.path !== undefined ? `${scope.path}/${index}` : undefined;
      if (item.kind === 'block') await this.runBlock(item, live, { ...scope, ...(path !== undefined ? { path } : {}) });
      else {
        const et = effectiveTask(item, scope, path);
        // As Ansible, only the first batch skips to the task: hosts of later batches have not run the
        // earlier tasks yet, so they run the play from its start.
        if (!this.run.started) {
          if (!matchesStartAt(item.name, this.run.options.startAtTask ?? '')) continue;
          this.run.started = true;
        }
        if (!shouldRunByTags(et.tags, { only: this.run.options.tags, skip: this.run.options.skipTags })) continue;
        if (item.include) {
          // The included tasks' ids: `<include id>/include/block/<n>`, the same on every run.
          const at: Scope = { ...scope, ...(path !== undefined ? { path: `${path}/include` } : {}) };
          await runInclude(et, live, this.run, { runBlock: (block, group) => this.runBlock(block, group, at), fail: (outcomes) => this.failInclude(et, outcomes) });
        } else await this.runTask(et, live);
      }
    }
  }

  /** `scope.path` is the block's own id; its sections are `<id>/block`, `<id>/rescue`, `<id>/always`. */
  private async runBlock(block: Block, hosts: string[], scope: Scope): Promise<void> {
    const inner: Scope = { ...scope, blocks: [...scope.blocks, block] };
    const at = (section: string): Scope => (scope.path !== undefined ? { ...inner, path: `${scope.path}/${section}` } : inner);
    await this.runItems(block.block, hosts, { ...at('block'), rescuable: scope.rescuable || block.rescue.length > 0 });
    if (block.rescue.length > 0) {
      const toRescue = hosts.filter((h) => this.states.get(h)!.blockFailed);
      for (const h of toRescue) {
        const state = this.states.get(h)!;
        state.blockFailed = false;
        // As Ansible, the rescue sees what failed: ansible_failed_task.name and ansible_failed_result.
        if (state.lastFailure) {
          this.run.store.register(h, 'ansible_failed_task', { name: state.lastFailure.task });
          this.run.store.register(h, 'ansible_failed_result', state.lastFailure.result);
        }
      }
      if (toRescue.length) await this.runItems(block.rescue, toRescue, at('rescue'));
    }
    if (block.always.length > 0) {
      const reachable = hosts.filter((h) => !this.states.get(h)!.unreachable && !this.states.get(h)!.ended);
      const saved = reachable.map((h) => ({ h, failed: this.states.get(h)!.failed, blockFailed: this.states.get(h)!.blockFailed }));
      for (const h of reachable) Object.assign(this.states.get(h)!, { failed: false, blockFailed: false });
      await this.runItems(block.always, reachable, at('always'));
      for (const s of saved) {
        const state = this.states.get(s.h)!;
        state.failed ||= s.failed;
        state.blockFailed ||= s.blockFailed;
      }
    }
  }

  async flushHandlers(): Promise<void> {
    const scope: Scope = { play: this.play, blocks: [], rescuable: false, handler: true };
    for (const [index, handler] of this.play.handlers.entries()) {
      if (this.stopped()) return;
      const eligible = (h: string): boolean => {
        const s = this.states.get(h)!;
        return isActive(s) || (this.play.forceHandlers && !s.unreachable && !s.ended);
      };
      const hosts = this.handlers.take(index, this.batch, eligible);
      if (hosts.length) await this.runTask(effectiveTask(handler, scope, handlerTaskId(this.playIndex, index)), hosts, true);
    }
  }

  /** One task on the given hosts (linear: all of them finish before this returns). */
  private async runTask(written: EffectiveTask, hosts: string[], forced = false): Promise<void> {
    const { ports, options, deps, store } = this.run;
    const targets = forced ? hosts : hosts.filter((h) => isActive(this.states.get(h)));
    if (targets.length === 0) return;
    if (written.task.module === 'meta') return runMeta(this, written, targets);
    const first = targets[0]!;
    const firstVars = store.forHost(first, taskLayers(written));
    const et: EffectiveTask = { ...written, name: shownName(written.name, firstVars, store.renderOptions(first)) };
    let runOnce = false;
    let throttle = 0;
    try {
      // add_host runs once per task, not per host, as Ansible's (BYPASS_HOST_LOOP).
      runOnce = (renderBoolKeyword(et.runOnce, 'run_once', firstVars, store.renderOptions(first)) ?? false) || et.task.module === 'add_host';
      throttle = renderIntKeyword(et.throttle, 'throttle', firstVars, store.renderOptions(first)) ?? 0;
    } catch {
      // The per-host run reports the same template problem as that host's failure.
    }
    const runners = runOnce ? [first] : targets;
    const taskId = { ...(et.id !== undefined ? { taskId: et.id } : {}), module: et.task.module };
    ports.emit(et.handler ? { type: 'handler.start', name: et.name, hosts: runners, ...taskId } : { type: 'task.start', name: et.name, hosts: runners, ...taskId });
    const outcomes: HostTaskOutcome[] = this.run.replay ? replayedOutcomes(this.run.replay, this.playIndex, et, runners) : [];
    const toRun = runners.filter((h) => !outcomes.some((o) => o.host === h));
    const started = ports.clock.now();
    const running = new Set<string>();
    const stopTicking = ports.clock.every(options.statusIntervalMs, () => {
      if (running.size) ports.emit({ type: 'status', waitingOn: [...running], task: et.name, elapsedMs: ports.clock.now() - started });
    });
    const limit = Math.min(options.forks, throttle > 0 ? throttle : Infinity);
    try {
      await mapLimit(toRun, limit, async (host) => {
        if (this.run.control.stop?.aborted) return; // Ctrl-C: hosts not started yet stay unstarted
        running.add(host);
        try {
          outcomes.push(await runTaskOnHost(et, host, deps));
        } finally {
          running.delete(host);
        }
      });
    } finally {
      stopTicking();
    }
    const report = this.taskReport(et, started, ports.clock.now() - started);
    const order = new Map(runners.map((h, i) => [h, i]));
    outcomes.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
    for (const outcome of outcomes) {
      applyOutcome(this, et, outcome, report, runOnce ? targets.slice(1) : []);
      if (runOnce) copyRunOnce(this, et, outcome, targets.slice(1));
    }
    this.checkBatchLimits(outcomes, et);
  }

  /** Hosts of the batch that got through the play (or left it by meta), unless Ctrl-C or a stop cut the batch short. */
  finishedHosts(): string[] {
    const cut = this.run.control.stop?.aborted === true || this.stop?.kind === 'verdict';
    return this.batch.filter((h) => {
      const s = this.states.get(h)!;
      if (s.failed || s.unreachable) return false;
      return s.ended || (!cut && !s.blockFailed);
    });
  }

  /** The report entry of a task (in the play's report), results added by `applyOutcome`. */
  private taskReport(et: EffectiveTask, started: number, ms: number): TaskReport {
    const { pos } = et.task;
    const report: TaskReport = { play: this.play.name, batch: this.batchIndex + 1, task: et.name, handler: et.handler, module: et.task.module, file: pos.file, ...(pos.line !== undefined ? { line: pos.line } : {}), startedAt: new Date(started).toISOString(), ms, results: [] };
    this.report.tasks.push(report);
    return report;
  }

  /** Hosts whose include could not be decided or loaded: failed as a task result would fail them. */
  private failInclude(et: EffectiveTask, outcomes: HostTaskOutcome[]): void {
    const report = this.taskReport(et, this.run.ports.clock.now(), 0);
    for (const o of outcomes) applyOutcome(this, et, o, report);
    this.checkBatchLimits(outcomes, et);
  }

  private checkBatchLimits(outcomes: HostTaskOutcome[], et: EffectiveTask): void {
    if (this.stop) return;
    const counts = this.counts();
    const fatal = this.play.anyErrorsFatal && outcomes.some((o) => (o.status === 'failed' && !et.rescuable) || o.status === 'unreachable');
    const verdict = shouldStopAfterBatch({
      batchSize: this.batchSize,
      ...counts,
      ...(this.play.maxFailPercentage !== undefined ? { maxFailPercentage: this.play.maxFailPercentage } : {}),
      anyErrorsFatal: fatal,
      countUnreachable: this.run.options.countUnreachableInMaxFail,
    });
    if (verdict.stop && verdict.reason !== 'whole_batch_failed') this.stop = { kind: 'verdict', verdict };
  }

  counts(): { failed: number; unreachable: number } {
    let failed = 0;
    let unreachable = 0;
    for (const s of this.states.values()) {
      if (s.unreachable) unreachable += 1;
      else if (s.failed) failed += 1;
    }
    return { failed, unreachable };
  }
}
