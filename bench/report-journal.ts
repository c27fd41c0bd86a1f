/**
 * A large run's journal for the HTML report benchmark: the report's synthetic run (test/helpers/synthetic-journal.ts:
 * hosts in batches, a drain held by a PodDisruptionBudget, a failed host, a reboot task) written to disk through the
 * real Journal writer (src/journal/journal.ts), event by event at the synthetic times, as a run writes it. Each
 * result's output is widened to what a command prints (a few lines, the same on every run), so the journal and the
 * report's output tails are of a real run's size.
 */
import * as nodeFs from 'node:fs';
import type { RunEvent } from '../src/events/events.js';
import { Journal, type JournalFs } from '../src/journal/journal.js';
import { syntheticJournal } from '../test/helpers/synthetic-journal.js';

export interface SyntheticRun {
  runId: string;
  path: string;
  lines: number;
}

export interface SyntheticRunOptions {
  stateDir: string;
  hosts: number;
  tasks: number;
  /** Hosts per batch. Default 50. */
  batchSize?: number;
  /** fsync each line as a run does. Default false: 20,000 fsyncs take 95 s on the 2-core machine's disk, which measures the disk, not the report. */
  fsync?: boolean;
}

/** Lines a command printed: 2 to 7, from the host and task, so every run of the benchmark writes the same journal. */
function commandOutput(host: string, task: string, seed: number): string {
  const count = 2 + (seed % 6);
  return Array.from({ length: count }, (_, i) => `${host} ${task}: step ${i + 1} of ${count} done in ${(seed * 37 + i * 101) % 900} ms`).join('\n');
}

function widened(event: RunEvent, seed: number): RunEvent {
  if (event.type !== 'task.result' || event.result.status === 'skipped') return event;
  const { host, task } = event.result;
  const stdout = `${commandOutput(host, task, seed)}\n${event.result.stdout ?? ''}`;
  return { ...event, result: { ...event.result, stdout, data: { ...event.result.data, stdout, stdout_lines: stdout.split('\n') } } };
}

export function writeSyntheticRun(options: SyntheticRunOptions): SyntheticRun {
  const runId = `bench-${options.hosts}x${options.tasks}`;
  const lines = syntheticJournal({ runId, hosts: options.hosts, tasks: options.tasks, batchSize: options.batchSize ?? 50 });
  const header = lines[0];
  if (header?.kind !== 'header') throw new Error('synthetic journal: no header line');
  let clock = Date.parse(header.started);
  const fs = (options.fsync ? nodeFs : { ...nodeFs, fsyncSync: () => undefined }) as unknown as JournalFs;
  const journal = Journal.open({ runId, command: header.command, stateDir: options.stateDir, version: 'bench', now: () => clock, fs });
  let written = 1;
  for (const line of lines.slice(1)) {
    if (line.kind === 'event') {
      clock = Date.parse(line.at);
      journal.record(widened(line.event, written));
    } else if (line.kind === 'end') {
      clock = Date.parse(line.ended);
      const failure = journal.close({ exitCode: line.exitCode, interrupted: line.interrupted });
      if (failure) throw failure;
    }
    written++;
  }
  return { runId, path: journal.path, lines: written };
}
