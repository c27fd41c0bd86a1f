/**
 * A large run's journal for the HTML report benchmark, written through the real Journal writer
 * (src/journal/journal.ts: one fsynced JSON line per event) as `drydock play` writes it: a rolling play over
 * `hosts` hosts in batches of `serial`, `tasks` tasks each, with command-like results (a few lines of output),
 * skips, unchanged results, a few failed hosts (their later tasks not run), a drain task that waits on a budget
 * on some hosts, the recap and the nodes' states. A fixed seed makes every run of the benchmark write the same
 * journal; the clock is synthetic, so the timeline spans hours as a real maintenance night does.
 */
import * as nodeFs from 'node:fs';
import type { HostResult, HostStatus, NodeStateRow, RecapCounters, RecapStats, RunEvent } from '../src/events/events.js';
import { Journal, recapHostCounts, type JournalFs } from '../src/journal/journal.js';

export interface SyntheticRun {
  runId: string;
  path: string;
  hosts: string[];
  tasks: string[];
  lines: number;
  failedHosts: string[];
}

export interface SyntheticOptions {
  stateDir: string;
  hosts: number;
  tasks: number;
  /** Hosts per batch. Default 50. */
  serial?: number;
  /** One host in `failEvery` fails, at a task of its own. Default 97. */
  failEvery?: number;
  /** fsync each line as a run does. Default false: 22,000 fsyncs take 95 s on the 2-core machine's disk, which measures the disk, not the report. */
  fsync?: boolean;
}

/** A small deterministic generator (mulberry32): the same journal on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TASK_KINDS = ['apt-get update', 'hold kubelet', 'drain', 'upgrade kubelet', 'restart kubelet', 'wait ready', 'uncordon', 'check disk'];

function taskNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${String(i + 1).padStart(2, '0')} ${TASK_KINDS[i % TASK_KINDS.length]}`);
}

function output(rand: () => number, host: string, task: string): string {
  const lines = 2 + Math.floor(rand() * 6);
  return Array.from({ length: lines }, (_, i) => `${host} ${task}: step ${i + 1} of ${lines} done in ${Math.floor(rand() * 900)} ms`).join('\n');
}

export function writeSyntheticJournal(options: SyntheticOptions): SyntheticRun {
  const rand = random(16);
  const serial = options.serial ?? 50;
  const failEvery = options.failEvery ?? 97;
  const hosts = Array.from({ length: options.hosts }, (_, i) => `node${String(i + 1).padStart(3, '0')}`);
  const tasks = taskNames(options.tasks);
  const runId = `bench-${options.hosts}x${options.tasks}`;
  let clock = Date.parse('2026-12-06T22:00:00.000Z');
  const now = (): number => clock;
  const command = `drydock play upgrade-workers.yaml -i inventory.yaml --forks ${serial}`;
  const fs = (options.fsync ? nodeFs : { ...nodeFs, fsyncSync: () => undefined }) as unknown as JournalFs;
  const journal = Journal.open({ runId, command, argv: command.split(' ').slice(1), stateDir: options.stateDir, version: 'bench', now, fs });
  let lines = 1;
  const emit = (event: RunEvent): void => {
    journal.record(event);
    lines++;
  };
  const failAt = new Map<string, number>();
  hosts.forEach((host, i) => {
    if (i % failEvery === failEvery - 1) failAt.set(host, Math.floor(rand() * tasks.length));
  });
  const stats: RecapStats = {};
  const counters = (host: string): RecapCounters =>
    (stats[host] ??= { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  const play = 'upgrade the workers';
  emit({ type: 'run.start', runId, command: command.slice('drydock '.length), hosts, forks: serial, at: new Date(clock).toISOString() });
  emit({ type: 'play.start', name: play, hosts, playIndex: 0 });
  for (let index = 0; index * serial < hosts.length; index++) {
    const batch = hosts.slice(index * serial, (index + 1) * serial);
    emit({ type: 'batch.start', play, index, hosts: batch, playIndex: 0 });
    let alive = [...batch];
    for (const [t, task] of tasks.entries()) {
      if (alive.length === 0) break;
      const taskId = `0.tasks/${t}`;
      emit({ type: 'task.start', name: task, hosts: alive, taskId });
      let longest = 0;
      for (const host of alive) {
        const ms = Math.floor(200 + rand() * (task.endsWith('drain') ? 90_000 : 8_000));
        longest = Math.max(longest, ms);
        clock += Math.floor(rand() * 40);
        let status: HostStatus = rand() < 0.6 ? 'changed' : 'ok';
        if (t % 5 === 4 && rand() < 0.5) status = 'skipped';
        if (failAt.get(host) === t) status = 'failed';
        const stdout = status === 'skipped' ? '' : output(rand, host, task);
        if (task.endsWith('drain') && status !== 'skipped' && ms > 30_000) {
          emit({ type: 'warning', host, message: `cannot evict default/db-${host} yet (PodDisruptionBudget default/db-pdb): The disruption budget db-pdb needs 1 healthy pods and has 1 currently` });
        }
        const result: HostResult = {
          host,
          task,
          status,
          ms,
          ...(status === 'skipped'
            ? { msg: 'Conditional result was False' }
            : { rc: status === 'failed' ? 1 : 0, stdout, stderr: status === 'failed' ? `${host}: ${task} failed: exit status 1` : '' }),
          ...(status === 'failed' ? { msg: 'non-zero return code' } : {}),
          data: { changed: status === 'changed', rc: status === 'failed' ? 1 : 0, stdout, stdout_lines: stdout.split('\n') },
        };
        emit({ type: 'task.result', result, taskId });
        const c = counters(host);
        if (status === 'skipped') c.skipped++;
        else if (status === 'failed') c.failed++;
        else {
          c.ok++;
          if (status === 'changed') c.changed++;
        }
      }
      clock += longest;
      alive = alive.filter((host) => failAt.get(host) !== t);
    }
    emit({ type: 'batch.end', play, playIndex: 0, index, finished: alive });
  }
  emit({ type: 'recap', stats });
  const failedHosts = [...failAt.keys()];
  const rows: NodeStateRow[] = failedHosts.map((host) => ({ name: host, ready: true, cordoned: true, cordonNote: 'cordoned by this run, not uncordoned', kubeletVersion: 'v1.36.3' }));
  emit({ type: 'nodes.state', rows });
  const exitCode = failedHosts.length > 0 ? 2 : 0;
  emit({ type: 'run.end', exitCode, ms: clock - Date.parse('2026-12-06T22:00:00.000Z') });
  const failure = journal.close({ exitCode });
  if (failure) throw failure;
  if (recapHostCounts(stats).failed !== failedHosts.length) throw new Error('synthetic journal: recap and failed hosts disagree');
  return { runId, path: journal.path, hosts, tasks, lines: lines + 1, failedHosts };
}
