/**
 * A whole playbook run: plays in order (hosts failed or unreachable in one play are left out of the later ones), the
 * PLAY RECAP, the exit code and the machine-readable report.
 *
 * Exit codes: 0 all ok; 2 some host failed; 4 some host unreachable (wins over 2); 130 interrupted (Ctrl-C).
 * A play stopped between batches (max_fail_percentage, any_errors_fatal, a whole batch failed) ends the run
 * with 2 (or 4 when hosts were unreachable), never 0; Ansible's internal RUN_FAILED_BREAK_PLAY (8) is not
 * used as the process status, as ansible-playbook itself exits 2 there. The reason is in the output
 * (play.stop event) and in the report's `stopped`.
 */
import { UsageError } from '../errors.js';
import { EXIT } from '../util/exit-codes.js';
import type { RecapStats } from '../events/events.js';
import { REDACTED } from '../events/json-log.js';
import { moduleRegistry } from '../modules/catalogue.js';
import type { ModuleRegistry } from '../playbook/modules.js';
import type { Play, Playbook } from '../playbook/model.js';
import { resolvePattern } from '../inventory/index.js';
import { playPattern } from './plan.js';
import { ConnectionBudget } from './connections.js';
import { GATHER_FACTS_MODULE, gatherFactsModule } from './facts.js';
import { runPlay } from './play-runner.js';
import type { PlaybookReport } from './report.js';
import { ResumeReplay } from './resume.js';
import { playbookFingerprint } from './task-ids.js';
import type { RunState } from './run-state.js';
import type { EnginePorts, PlaybookRunOptions, RunControl } from './types.js';
import { VarStore } from './vars.js';

export interface PlaybookOutcome {
  exitCode: number;
  stats: RecapStats;
  failedHosts: string[];
  unreachableHosts: string[];
  interrupted: boolean;
  stopped?: { play: string; reason: string; message: string };
  report: PlaybookReport;
}

export interface PlaybookRunRequest {
  playbook: Playbook;
  /** The hosts of each play (pattern and --limit applied), same order as playbook.plays. */
  playHosts: string[][];
  options: PlaybookRunOptions;
  registry?: ModuleRegistry;
  /** A play's hosts from the inventory as it is now (pattern and --limit), for plays after add_host / group_by. */
  hostsFor?: (play: Play) => string[];
}

export async function runPlaybook(request: PlaybookRunRequest, givenPorts: EnginePorts, control: RunControl = {}): Promise<PlaybookOutcome> {
  const { playbook, options } = request;
  const fingerprint = playbookFingerprint(playbook);
  if (options.resume && options.resume.fingerprint !== fingerprint) {
    throw new UsageError(
      `cannot resume run ${options.resume.runId}: ${playbook.file} no longer has the same plays and tasks (names, modules or order changed since that run); ` +
        'undo the change to resume, or run the command again from the start',
    );
  }
  const modules = new Map(givenPorts.modules);
  modules.set(GATHER_FACTS_MODULE, gatherFactsModule);
  const connections = new ConnectionBudget(givenPorts, options.maxOpenConnections ?? Number.POSITIVE_INFINITY);
  const ports: EnginePorts = { ...givenPorts, modules, connect: (spec) => connections.connect(spec) };
  const started = ports.clock.now();
  const store = new VarStore(ports.inventory, options.extraVars, {
    playbookFile: playbook.file,
    diff: options.diff,
    tags: options.tags,
    skipTags: options.skipTags,
    forks: options.forks,
  });
  const registry = request.registry ?? moduleRegistry();
  const abort = control.abort ?? new AbortController().signal;
  const run: RunState = {
    options,
    ports,
    control,
    store,
    registry,
    deps: { ports, options, store, registry, abort, connections },
    stats: {},
    failed: new Set(),
    unreachable: new Set(),
    started: options.startAtTask === undefined,
    plays: [],
    ...(options.resume
      ? {
          replay: new ResumeReplay(options.resume, playbook, (host, variable) =>
            ports.emit({ type: 'warning', host, message: `${variable}, restored from run ${options.resume!.runId}'s journal, holds a secret the journal masked; tasks that read it see ${REDACTED}` }),
          ),
        }
      : {}),
  };
  const allHosts = [...new Set(request.playHosts.flat())];
  ports.emit({ type: 'run.start', runId: options.runId, command: `play ${playbook.file}`, hosts: allHosts, forks: options.forks, at: new Date(started).toISOString(), playbookFingerprint: fingerprint });

  let stopped: PlaybookOutcome['stopped'];
  for (const [index, play] of playbook.plays.entries()) {
    if (control.stop?.aborted || control.stopBatches?.aborted) break;
    const outcome = await runPlay(play, run.dynamic ? dynamicHosts(request, play, run) : (request.playHosts[index] ?? []), run, index);
    if (outcome.stopped) {
      stopped = { play: play.name, ...outcome.stopped };
      break;
    }
  }
  if (options.startAtTask !== undefined && !run.started) {
    ports.emit({ type: 'warning', message: `--start-at-task "${options.startAtTask}" matched no task; nothing ran after facts` });
  }

  const interrupted = control.stop?.aborted === true || control.stopBatches?.aborted === true;
  for (const h of run.unreachable) run.stats[h] ??= { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
  ports.emit({ type: 'recap', stats: run.stats });
  const exitCode = interrupted ? EXIT.INTERRUPTED : exitCodeOf(run.stats, run.failed, run.unreachable, stopped !== undefined);
  const ms = ports.clock.now() - started;
  ports.emit({ type: 'run.end', exitCode, ms });
  const failedHosts = [...run.failed].filter((h) => !run.unreachable.has(h)).sort();
  const unreachableHosts = [...run.unreachable].sort();
  const report: PlaybookReport = {
    runId: options.runId,
    playbook: playbook.file,
    check: options.check,
    startedAt: new Date(started).toISOString(),
    ms,
    exitCode,
    interrupted,
    ...(stopped ? { stopped } : {}),
    stats: run.stats,
    failedHosts,
    unreachableHosts,
    plays: run.plays,
  };
  return { exitCode, stats: run.stats, failedHosts, unreachableHosts, interrupted, ...(stopped ? { stopped } : {}), report };
}

export function exitCodeOf(stats: RecapStats, failed: ReadonlySet<string>, unreachable: ReadonlySet<string>, stopped: boolean): number {
  const counters = Object.values(stats);
  if (unreachable.size > 0 || counters.some((c) => c.unreachable > 0)) return EXIT.UNREACHABLE_HOSTS;
  if (failed.size > 0 || counters.some((c) => c.failed > 0) || stopped) return EXIT.FAILED_HOSTS;
  return EXIT.OK;
}

/**
 * After add_host / group_by: the play's pattern resolved on the changed inventory, kept to the hosts the run
 * was planned for (so --limit and a command's chosen hosts still hold) and the hosts add_host created.
 */
function dynamicHosts(request: PlaybookRunRequest, play: Play, run: RunState): string[] {
  const planned = new Set([...request.playHosts.flat(), ...run.dynamic!.added]);
  const found = request.hostsFor ? request.hostsFor(play) : resolvePattern(run.ports.inventory, playPattern(play, request.options.extraVars));
  return found.filter((h) => planned.has(h));
}
