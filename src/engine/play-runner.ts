/**
 * One play: its hosts (minus those unreachable earlier in the run) in `order:`, cut into `serial` batches;
 * each batch runs the whole play (facts, sections, handlers) before the next starts. After every batch the
 * stop rules (max_fail_percentage strictly exceeded, any_errors_fatal, every host of the batch failed or
 * unreachable) decide whether the play, and with it the run, ends.
 */
import type { Vars } from '../inventory/types.js';
import { orderHosts, serialBatches, shouldStopAfterBatch, type SerialItem } from '../playbook/batches.js';
import { renderBoolKeyword } from '../playbook/keywords.js';
import type { Play, Task } from '../playbook/model.js';
import { renderString } from '../playbook/template.js';
import { BatchRunner } from './batch-runner.js';
import { GATHER_FACTS_MODULE } from './facts.js';
import type { PlayReport } from './report.js';
import { isActive, type RunState } from './run-state.js';

export interface PlayOutcome {
  stopped?: { reason: string; message: string };
}

/** Play vars with vars_files on top (later files win), as one layer. */
export function playVars(play: Play): Vars {
  const vars: Vars = { ...play.vars };
  for (const file of play.varsFiles) Object.assign(vars, file.vars ?? {});
  return vars;
}

/** The play's batches; templated serial values render with the play's vars and -e. */
export function planBatches(play: Play, hosts: readonly string[], extraVars: Vars): string[][] {
  const vars = { ...playVars(play), ...extraVars };
  const serial: SerialItem[] = play.serial.map((item) => {
    if (typeof item !== 'string' || !item.includes('{{')) return item;
    const out = renderString(item, vars, { origin: play.pos });
    return typeof out === 'number' ? out : String(out);
  });
  return serialBatches(hosts, serial);
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

/** The play's hosts that are still reachable, in the play's `order:`. */
export function orderedPlayHosts(play: Play, targets: readonly string[], unreachable: ReadonlySet<string>, shuffleSeed?: number | string): string[] {
  const reachable = targets.filter((h) => !unreachable.has(h));
  return orderHosts(reachable, play.order, shuffleSeed);
}

export async function runPlay(play: Play, targets: readonly string[], run: RunState): Promise<PlayOutcome> {
  const { ports, options, store } = run;
  const hosts = orderedPlayHosts(play, targets, run.unreachable, options.shuffleSeed);
  const batches = hosts.length ? planBatches(play, hosts, options.extraVars) : [];
  const report: PlayReport = { name: play.name, hosts, batches, tasks: [] };
  run.plays.push(report);
  ports.emit({ type: 'play.start', name: play.name, hosts });
  if (hosts.length === 0) {
    ports.emit({ type: 'warning', message: `play "${play.name}": no hosts left to run on (pattern "${play.hosts}")` });
    return {};
  }
  const vars = playVars(play);
  const leftPlay = new Set<string>();
  for (const [index, batch] of batches.entries()) {
    if (run.control.stop?.aborted) return {};
    ports.emit({ type: 'batch.start', play: play.name, index, hosts: batch });
    let runner: BatchRunner | undefined;
    store.setPlay({
      vars,
      hostsAll: hosts,
      batch,
      active: () => hosts.filter((h) => !leftPlay.has(h) && (!runner?.states.has(h) || isActive(runner.states.get(h)))),
      check: options.check,
    });
    runner = new BatchRunner(run, play, batch, index, report);
    let gather = false;
    try {
      gather = renderBoolKeyword(play.gatherFacts, 'gather_facts', store.forHost(batch[0]!), { ...store.renderOptions(batch[0]!), origin: play.pos }) ?? true;
    } catch (err) {
      ports.emit({ type: 'warning', message: `gather_facts: ${(err as Error).message}; gathering facts` });
      gather = true;
    }
    await runner.runAll(gather ? gatherFactsTask(play) : undefined);
    for (const [h, s] of runner.states) if (s.failed || s.unreachable) leftPlay.add(h);
    if (runner.stop?.kind === 'end_play') return {};
    const verdict =
      runner.stop?.kind === 'verdict'
        ? runner.stop.verdict
        : shouldStopAfterBatch({
            batchSize: batch.length,
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
