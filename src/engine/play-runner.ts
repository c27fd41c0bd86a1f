/**
 * One play: its hosts (minus those that failed or were unreachable earlier in the run) in `order:`, cut into `serial` batches;
 * each batch runs the whole play (facts, sections, handlers) before the next starts. After every batch the
 * stop rules (max_fail_percentage strictly exceeded, any_errors_fatal, every host of the batch failed or
 * unreachable) decide whether the play, and with it the run, ends.
 */
import { shouldStopAfterBatch } from '../playbook/batches.js';
import { renderBoolKeyword } from '../playbook/keywords.js';
import type { Play, Task } from '../playbook/model.js';
import { orderedPlayHosts, planBatches, playRoleDefaults, playRoleNames, playVars } from '../playbook/play-plan.js';
import { withRenderedPlayKeywords } from '../playbook/plays.js';
import { BatchRunner } from './batch-runner.js';
import { GATHER_FACTS_MODULE } from './facts.js';
import type { PlayReport } from './report.js';
import { isActive, type RunState } from './run-state.js';

export interface PlayOutcome {
  stopped?: { reason: string; message: string };
}

export function gatherFactsTask(play: Play): Task {
  return {
    kind: 'task',
    name: 'Gathering Facts',
    pos: play.pos,
    when: [],
    tags: ['always'],
    vars: {},
    module: GATHER_FACTS_MODULE,
    moduleWritten: 'gather_facts',
    args: {},
    notify: [],
    listen: [],
  };
}

/**
 * The play's batches as Ansible cuts them (PlaybookExecutor._get_serialized_batches): `serial` over all of the
 * play's hosts, then the hosts that failed or went unreachable in an earlier play dropped from each batch (a
 * batch left empty is not run). `sizes` keeps each batch's size as cut: Ansible's "whole batch failed" rule and
 * max_fail_percentage divide by it.
 *
 * drydock resume: the play's hosts that finished it in an earlier run are left out, their registered results
 * and facts restored so later tasks and plays see them. The batches are the original ones (same hosts, same
 * serial) without those hosts, so the hosts of an interrupted batch carry on together, as they stopped.
 */
function playBatches(play: Play, ordered: string[], gone: ReadonlySet<string>, run: RunState, playIndex: number): { hosts: string[]; batches: string[][]; sizes: number[]; leftOut: number } {
  const finished = run.replay?.finishedIn(playIndex) ?? new Map<string, string>();
  const original = ordered.some((h) => !gone.has(h)) ? planBatches(play, ordered, run.options.extraVars) : [];
  const done = ordered.filter((h) => !gone.has(h) && finished.has(h));
  for (const h of done) run.replay!.restoreFinished(playIndex, h, run.store);
  if (done.length > 0) {
    const runs = [...new Set(done.map((h) => finished.get(h)!))].join(', ');
    run.ports.emit({ type: 'warning', message: `play "${play.name}": ${done.join(', ')} finished it in run ${runs}; not run again` });
  }
  const out = (h: string): boolean => gone.has(h) || finished.has(h);
  const kept = original.map((batch) => ({ hosts: batch.filter((h) => !out(h)), size: batch.length })).filter((b) => b.hosts.length > 0);
  return { hosts: ordered.filter((h) => !out(h)), batches: kept.map((b) => b.hosts), sizes: kept.map((b) => b.size), leftOut: done.length };
}

export async function runPlay(written: Play, targets: readonly string[], run: RunState, playIndex = 0): Promise<PlayOutcome> {
  const { ports, options, store } = run;
  const rendered = withRenderedPlayKeywords(written, { ...playVars(written), ...options.extraVars });
  const play = rendered.play;
  if (rendered.note) ports.emit({ type: 'warning', message: rendered.note });
  // As Ansible: a host that failed or went unreachable in an earlier play is out of the rest of the run.
  const gone = new Set([...run.unreachable, ...run.failed]);
  // ansible_play_hosts_all: every host the play targets, those gone in an earlier play included (as Ansible).
  const targeted = orderedPlayHosts(play, targets, new Set(), options.shuffleSeed);
  const left = playBatches(play, targeted, gone, run, playIndex);
  const { hosts, batches, sizes } = left;
  const report: PlayReport = { name: play.name, hosts, batches, tasks: [] };
  run.plays.push(report);
  ports.emit({ type: 'play.start', name: play.name, hosts, playIndex });
  if (hosts.length === 0) {
    if (left.leftOut === 0) ports.emit({ type: 'warning', message: `play "${play.name}": no hosts left to run on (pattern "${play.hosts}")` });
    return {};
  }
  const vars = playVars(play);
  const leftPlay = new Set<string>();
  for (const [index, batch] of batches.entries()) {
    if (run.control.stop?.aborted || run.control.stopBatches?.aborted) return {};
    ports.emit({ type: 'batch.start', play: play.name, index, hosts: batch, playIndex });
    let runner: BatchRunner | undefined;
    store.setPlay({
      vars,
      defaults: playRoleDefaults(play),
      roleNames: playRoleNames(play),
      hostsAll: targeted,
      batch,
      active: () => hosts.filter((h) => !leftPlay.has(h) && (!runner?.states.has(h) || isActive(runner.states.get(h)))),
      check: options.check,
      name: play.name,
    });
    runner = new BatchRunner(run, play, batch, index, report, playIndex, sizes[index]);
    let gather = false;
    try {
      gather = renderBoolKeyword(play.gatherFacts, 'gather_facts', store.forHost(batch[0]!), { ...store.renderOptions(batch[0]!), origin: play.pos }) ?? true;
    } catch (err) {
      ports.emit({ type: 'warning', message: `gather_facts: ${(err as Error).message}; gathering facts` });
      gather = true;
    }
    await runner.runAll(gather ? gatherFactsTask(play) : undefined);
    ports.emit({ type: 'batch.end', play: play.name, playIndex, index, finished: runner.finishedHosts() });
    for (const [h, s] of runner.states) if (s.failed || s.unreachable) leftPlay.add(h);
    if (runner.stop?.kind === 'end_play') return {};
    const verdict =
      runner.stop?.kind === 'verdict'
        ? runner.stop.verdict
        : shouldStopAfterBatch({
            batchSize: runner.batchSize,
            ...runner.counts(),
            ...(play.maxFailPercentage !== undefined ? { maxFailPercentage: play.maxFailPercentage } : {}),
            anyErrorsFatal: play.anyErrorsFatal,
            countUnreachable: options.countUnreachableInMaxFail,
          });
    if (verdict.stop && verdict.reason === 'whole_batch_failed' && options.continueOnFailedBatch) {
      ports.emit({ type: 'warning', message: `${verdict.message}; continuing with the next batch (--continue-on-failed-batch)` });
    } else if (verdict.stop) {
      const later = batches.length - index - 1;
      const message = later > 0 ? `${verdict.message}; ${later} later batch(es) not started` : verdict.message;
      ports.emit({ type: 'play.stop', play: play.name, reason: verdict.reason, message });
      return { stopped: { reason: verdict.reason, message } };
    }
  }
  return {};
}
