/**
 * What an admin needs after a failed run, printed under the PLAY RECAP: each failed or unreachable host
 * with the play, batch and task where it stopped, the message and the tail of its output; the hosts of
 * a stopped batch that were cut short; the hosts whose batch never started. Read only from the run's
 * events, so the JSON log holds the same facts (task.result, batch.start, play.stop). no_log results
 * arrive censored and stay so: only their censored message is shown.
 *
 * Also the NODES section: each node's state at the end of the run, from the `nodes.state` event the run emits
 * after reading the API (engine/node-states.ts); this file reads events only.
 */
import type { HostResult, NodeStateRow, RunEvent } from './events.js';
import { ANSI, banner, paint } from './recap.js';

export type { NodeStateRow } from './events.js';

/** Lines of stdout and of stderr kept for each failed host. */
export const OUTPUT_TAIL_LINES = 10;
/** Lines of a failure message shown (a drain stuck on many pods names each one). */
const MESSAGE_LINES = 25;

export interface HostFailure {
  host: string;
  status: 'failed' | 'unreachable';
  play: string;
  /** 1-based batch number within the play. */
  batch: number;
  task: string;
  item?: string;
  msg: string;
  /** The last lines of the task's stdout and stderr, as "stdout: …" / "stderr: …". */
  outputTail: string[];
}

export interface CutShortHost {
  host: string;
  play: string;
  batch: number;
  /** The last task that reported a result for this host, and how it ended. */
  lastTask?: string;
  lastStatus?: string;
}

function tail(text: string | undefined, label: string, lines: number): string[] {
  if (!text) return [];
  const all = text.replace(/\n+$/, '').split('\n');
  if (all.length === 1 && all[0] === '') return [];
  return all.slice(-lines).map((l) => `${label}: ${l}`);
}

/** A one-line-per-fact reading of a failed result. */
export function describeFailure(result: HostResult): { msg: string; outputTail: string[] } {
  const msg = result.msg ?? (result.rc !== undefined && result.rc !== null ? `exit status ${result.rc}` : 'failed');
  if (result.data?.['censored'] !== undefined) return { msg, outputTail: [] };
  return { msg, outputTail: [...tail(result.stdout, 'stdout', OUTPUT_TAIL_LINES), ...tail(result.stderr, 'stderr', OUTPUT_TAIL_LINES)] };
}

interface PlaySeen {
  name: string;
  hosts: string[];
  started: Set<string>;
  stop?: { reason: string; message: string };
}

export class FailureTracker {
  private readonly plays: PlaySeen[] = [];
  private batch = { play: '', index: 0, hosts: [] as string[] };
  private readonly failures = new Map<string, HostFailure>();
  private readonly lastResult = new Map<string, { task: string; status: string }>();
  private readonly cutShort: CutShortHost[] = [];
  private batchEnded = false;

  observe(event: RunEvent): void {
    switch (event.type) {
      case 'play.start':
        this.plays.push({ name: event.name, hosts: [...event.hosts], started: new Set() });
        return;
      case 'batch.start': {
        this.batchEnded = false;
        this.batch = { play: event.play, index: event.index + 1, hosts: [...event.hosts] };
        for (const h of event.hosts) this.lastResult.delete(h);
        const play = this.plays.at(-1);
        if (play) for (const h of event.hosts) play.started.add(h);
        return;
      }
      case 'task.result':
        return this.observeResult(event);
      case 'batch.end':
        // Hosts of the batch that neither failed nor finished the play: the run stopped under them.
        this.batchEnded = true;
        return this.noteCutShort(event.play, (h) => !event.finished.includes(h));
      case 'play.stop': {
        const play = this.plays.at(-1);
        if (play) play.stop = { reason: event.reason, message: event.message };
        if (!this.batchEnded) this.noteCutShort(event.play, () => true);
        return;
      }
      default:
        return;
    }
  }

  private noteCutShort(play: string, unfinished: (host: string) => boolean): void {
    for (const host of this.batch.hosts) {
      if (this.failures.get(host)?.play === play || !unfinished(host)) continue;
      const last = this.lastResult.get(host);
      this.cutShort.push({ host, play, batch: this.batch.index, ...(last ? { lastTask: last.task, lastStatus: last.status } : {}) });
    }
  }

  private observeResult(event: Extract<RunEvent, { type: 'task.result' }>): void {
    const { result, item } = event;
    if (result.status !== 'failed' && result.status !== 'unreachable') {
      if (item === undefined) this.lastResult.set(result.host, { task: result.task, status: result.status });
      return;
    }
    this.lastResult.set(result.host, { task: result.task, status: result.status });
    const earlier = this.failures.get(result.host);
    // A loop's summary ("One or more items failed") after an item's own failure: the item says more.
    if (item === undefined && earlier?.item !== undefined && earlier.task === result.task && earlier.play === this.batch.play) return;
    this.failures.set(result.host, {
      host: result.host,
      status: result.status,
      play: this.batch.play,
      batch: this.batch.index,
      task: result.task,
      ...(item !== undefined ? { item } : {}),
      ...describeFailure(result),
    });
  }

  hostFailures(): HostFailure[] {
    return [...this.failures.values()].sort((a, b) => a.host.localeCompare(b.host));
  }

  /** Per play, the hosts whose batch never started (the play stopped, or the run was interrupted). */
  notStarted(): Array<{ play: string; hosts: string[] }> {
    return this.plays
      .map((p) => ({ play: p.name, hosts: p.hosts.filter((h) => !p.started.has(h)) }))
      .filter((p) => p.hosts.length > 0);
  }

  cutShortHosts(): CutShortHost[] {
    return [...this.cutShort];
  }

  stops(): Array<{ play: string; reason: string; message: string }> {
    return this.plays.filter((p) => p.stop).map((p) => ({ play: p.name, ...p.stop! }));
  }

  /** The section under the recap, or '' for a run where nothing failed and nothing was left unstarted. */
  summary(color = false): string {
    return formatFailureSummary({ failures: this.hostFailures(), cutShort: this.cutShort, notStarted: this.notStarted(), stops: this.stops() }, color);
  }
}

export interface FailureSummaryInput {
  failures: readonly HostFailure[];
  cutShort: readonly CutShortHost[];
  notStarted: ReadonlyArray<{ play: string; hosts: string[] }>;
  stops: ReadonlyArray<{ play: string; reason: string; message: string }>;
}

const indent = (lines: string[], by: string): string[] => lines.map((l) => `${by}${l}`);

export function formatFailureSummary(input: FailureSummaryInput, color = false): string {
  const { failures, cutShort, notStarted, stops } = input;
  if (failures.length === 0 && cutShort.length === 0 && notStarted.length === 0) return '';
  const lines: string[] = [];
  for (const f of failures) {
    const what = f.status === 'unreachable' ? 'UNREACHABLE' : 'FAILED';
    const item = f.item !== undefined ? ` (item=${f.item})` : '';
    lines.push(paint(`${f.host}: ${what} at task "${f.task}"${item}, batch ${f.batch} of play "${f.play}"`, ANSI.red, color));
    const msgLines = f.msg.replace(/\n+$/, '').split('\n');
    const shown = msgLines.length > MESSAGE_LINES ? [...msgLines.slice(0, MESSAGE_LINES), `… (${msgLines.length - MESSAGE_LINES} more lines in the JSON report)`] : msgLines;
    lines.push(...indent(shown, '  '));
    if (f.outputTail.length > 0) {
      lines.push('  output (last lines):');
      lines.push(...indent(f.outputTail, '    '));
    }
  }
  for (const s of stops) lines.push(`play "${s.play}" stopped (${s.reason}): ${s.message}`);
  for (const c of cutShort) {
    const last = c.lastTask ? `its last task: "${c.lastTask}" (${c.lastStatus})` : 'no task had reported for it yet';
    lines.push(`${c.host}: stopped with the play in batch ${c.batch}; ${last}`);
  }
  for (const n of notStarted) lines.push(`hosts not started: ${n.hosts.join(', ')} (play "${n.play}")`);
  return `${paint(banner('FAILED'), ANSI.red, color)}\n${lines.join('\n')}\n\n`;
}

/** Above this many nodes only the ones needing attention are listed, the rest counted per kubelet version. */
const ALL_ROWS_UP_TO = 40;

/** The NODES section: one line per node (`worker1  kubelet v1.29.4  NotReady  cordoned (…); Ready=Unknown (…)`), or '' for none. */
export function formatNodeStates(nodes: readonly NodeStateRow[], color = false): string {
  if (nodes.length === 0) return '';
  const attention = (r: NodeStateRow): boolean => !r.ready || r.cordoned;
  const listed = nodes.length <= ALL_ROWS_UP_TO ? nodes : nodes.filter(attention);
  const width = Math.max(...listed.map((r) => r.name.length), 4);
  const versionWidth = Math.max(...listed.map((r) => r.kubeletVersion.length), 1);
  const lines = listed.map((r) => {
    const sched = r.cordoned ? `cordoned (${r.cordonNote ?? 'cordoned'})` : 'schedulable';
    const why = r.ready ? '' : `; Ready=${r.readyDetail ?? 'absent'}`;
    const line = `  ${r.name.padEnd(width)}  kubelet ${r.kubeletVersion.padEnd(versionWidth)}  ${(r.ready ? 'Ready' : 'NotReady').padEnd(8)}  ${sched}${why}`;
    return attention(r) ? paint(line, r.ready ? ANSI.yellow : ANSI.red, color) : line;
  });
  const rest = nodes.filter((r) => !listed.includes(r));
  if (rest.length > 0) {
    const byVersion = new Map<string, number>();
    for (const r of rest) byVersion.set(r.kubeletVersion, (byVersion.get(r.kubeletVersion) ?? 0) + 1);
    const counts = [...byVersion].sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${n} at kubelet ${v}`);
    lines.push(`  ${listed.length === 0 ? '' : 'and '}${rest.length} more node(s) Ready and schedulable: ${counts.join(', ')}`);
  }
  return `${banner('NODES')}\n${lines.join('\n')}\n\n`;
}

/** The NODES section of a `nodes.state` event: the rows, or a line saying why the API could not be read. */
export function formatNodeStatesEvent(event: Extract<RunEvent, { type: 'nodes.state' }>, color = false): string {
  if (event.error !== undefined) return `${banner('NODES')}\n  could not read the nodes from the API: ${event.error}\n\n`;
  return formatNodeStates(event.rows ?? [], color);
}
