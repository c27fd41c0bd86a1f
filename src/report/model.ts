/**
 * The run report's data: a chain of journals (oldest first, each line with its time) folded into one
 * JSON-ready value the HTML page draws from. Pure: no disk, no clock. Times are milliseconds from `t0`
 * (the first run's start), so the page needs no date parsing per bar.
 */
import type { HostResult, RunEvent } from '../events/events.js';
import type { JournalEnd, JournalHeader, JournalLine } from '../journal/journal.js';
import { outcomeOf } from '../journal/runs.js';
import { nodeVersionTable, type NodeVersionsEvent } from './node-versions.js';
import { markOf, outputTail } from './output.js';
import { REPORT_FORMAT, type ReportBatch, type ReportData, type ReportDrain } from './types.js';

export * from './types.js';

/** The longest pause between two runs of a chain the timeline shows as it was. */
export const MAX_GAP_MS = 60_000;

type Started = { task: number; at: number; hosts: Set<string> };

/** Folds the chain (oldest first; each a journal's lines) into the report's data. */
export function buildReportModel(chain: readonly (readonly JournalLine[])[]): ReportData {
  const headers = chain.map((lines) => lines.find((l): l is JournalHeader => l.kind === 'header'));
  const firstStart = headers.map((h) => (h ? Date.parse(h.started) : NaN)).find((t) => Number.isFinite(t)) ?? 0;
  const data: ReportData = {
    format: REPORT_FORMAT,
    runId: headers[headers.length - 1]?.runId ?? '',
    t0: new Date(firstStart).toISOString(),
    span: 0,
    runs: [],
    plans: [],
    hosts: [],
    tasks: [],
    results: [],
    batches: [],
    drains: [],
    outages: [],
    failed: [],
    nodes: null,
    nodesError: null,
    nodeVersions: null,
    recap: null,
    outputs: [],
    warnings: [],
  };
  const hostIndex = new Map<string, number>();
  const taskIndex = new Map<string, number>();
  const host = (name: string): number => {
    let i = hostIndex.get(name);
    if (i === undefined) hostIndex.set(name, (i = data.hosts.push(name) - 1));
    return i;
  };
  // The time left out of the timeline before the current run (see ReportRun.gapCut).
  let cut = 0;
  // Versions before the chain (its first read) and after it (its last run's read: an earlier run's would be stale).
  let versionsBefore: NodeVersionsEvent | undefined;
  let versionsAfter: NodeVersionsEvent | undefined;
  const rel = (iso: string | undefined, fallback: number): number => {
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(t) ? t - firstStart - cut : fallback;
  };

  chain.forEach((lines, runNo) => {
    const header = headers[runNo];
    const end = lines.find((l): l is JournalEnd => l.kind === 'end');
    // A run resumed the next night would leave the timeline a long empty stretch: keep at most MAX_GAP_MS of it.
    const gap = runNo > 0 ? rel(header?.started, data.span) - data.span : 0;
    const gapCut = Math.max(0, gap - MAX_GAP_MS);
    cut += gapCut;
    const started = rel(header?.started, data.span);
    let last = started;
    let play = '';
    const open = new Map<string, Started>();
    const batches = new Map<string, ReportBatch>();
    const drains = new Map<string, ReportDrain>();
    const task = (name: string, taskId: string | undefined, handler: boolean, module: string | undefined): number => {
      const id = taskId ?? `${play}\u0000${name}`;
      let i = taskIndex.get(id);
      if (i === undefined) {
        taskIndex.set(id, (i = data.tasks.length));
        data.tasks.push({ id, name, play, handler, module: module ?? null, mark: markOf(module, name) });
      }
      return i;
    };
    const drainOf = (hostName: string, node: string, at: number): ReportDrain => {
      const key = `${hostName}\u0000${node}`;
      let d = drains.get(key);
      if (!d) {
        drains.set(key, (d = { host: host(hostName), node, start: at, end: at, ok: null, blockedMs: 0, blockers: [] }));
        data.drains.push(d);
      }
      return d;
    };
    const addResult = (result: HostResult, taskNo: number, at: number, startedAt: number | undefined): void => {
      const ms = typeof result.ms === 'number' && result.ms >= 0 ? result.ms : startedAt !== undefined ? at - startedAt : 0;
      const tail = outputTail(result);
      data.results.push({
        host: host(result.host),
        task: taskNo,
        run: runNo,
        status: result.status,
        start: Math.max(startedAt ?? at - ms, at - ms),
        ms,
        out: tail ? data.outputs.push(tail) - 1 : null,
      });
      if (result.status === 'failed' || result.status === 'unreachable') {
        data.failed.push({ host: result.host, task: result.task, status: result.status, msg: result.msg ?? '', run: header?.runId ?? '' });
      }
    };

    for (const line of lines) {
      if (line.kind !== 'event') continue;
      const at = rel(line.at, last);
      last = Math.max(last, at);
      const event: RunEvent = line.event;
      switch (event.type) {
        case 'run.plan':
          data.plans.push(event.text);
          break;
        case 'play.start':
          play = event.name;
          for (const h of event.hosts) host(h);
          break;
        case 'batch.start':
          batches.set(`${event.playIndex ?? event.play}\u0000${event.index}`, (() => {
            const b: ReportBatch = { run: runNo, play: event.play, index: event.index, hosts: event.hosts.map(host), start: at, end: at };
            data.batches.push(b);
            return b;
          })());
          break;
        case 'batch.end': {
          const b = batches.get(`${event.playIndex}\u0000${event.index}`) ?? batches.get(`${event.play}\u0000${event.index}`);
          if (b) b.end = at;
          break;
        }
        case 'task.start':
        case 'handler.start': {
          const t = task(event.name, event.taskId, event.type === 'handler.start', event.module);
          open.set(event.taskId ?? data.tasks[t]!.id, { task: t, at, hosts: new Set(event.hosts) });
          for (const h of event.hosts) host(h);
          break;
        }
        case 'task.result': {
          if (event.item !== undefined) break;
          const key = event.taskId ?? `${play}\u0000${event.result.task}`;
          const started = open.get(key);
          // A replay repeats a result an earlier run of the chain recorded (and drew): not running, not a new bar.
          if (event.replayedFrom !== undefined) {
            for (const h of [event.result.host, ...(event.runOnceHosts ?? [])]) started?.hosts.delete(h);
            break;
          }
          const t = started?.task ?? task(event.result.task, event.taskId, false, undefined);
          for (const h of [event.result.host, ...(event.runOnceHosts ?? [])]) {
            started?.hosts.delete(h);
            addResult({ ...event.result, host: h }, t, at, started?.at);
          }
          break;
        }
        case 'host.result':
          addResult(event.result, task(event.result.task, undefined, false, 'command'), at, undefined);
          break;
        case 'drain.blocked': {
          const d = drainOf(event.host, event.node, at);
          d.blockers.push({ pod: event.pod, pdbs: event.pdbs, message: event.message, at });
          break;
        }
        case 'drain.end': {
          const d = drainOf(event.host, event.node, at - event.ms);
          d.start = Math.min(d.start, at - event.ms);
          d.end = at;
          d.ok = event.ok;
          d.blockedMs = event.blockedMs;
          drains.delete(`${event.host}\u0000${event.node}`);
          break;
        }
        case 'api.outage':
          if (event.state === 'down') data.outages.push({ start: at, end: null, message: event.message });
          else {
            const o = [...data.outages].reverse().find((x) => x.end === null);
            if (o) o.end = at;
            else data.outages.push({ start: at - event.downMs, end: at, message: 'the API did not answer' });
          }
          break;
        case 'warning':
          data.warnings.push({ at, host: event.host ?? null, message: event.message });
          break;
        case 'recap':
          data.recap = event.stats;
          break;
        case 'nodes.versions':
          if (event.phase === 'before') versionsBefore ??= event;
          else if (runNo === chain.length - 1) versionsAfter = event;
          break;
        case 'nodes.state':
          data.nodes = event.rows ?? null;
          data.nodesError = event.error ?? null;
          break;
        default:
          break;
      }
    }
    const ended = end ? rel(end.ended, last) : last;
    // Started and never reported: the journal ends with the task running on those hosts.
    for (const s of open.values()) {
      for (const h of s.hosts) {
        data.results.push({ host: host(h), task: s.task, run: runNo, status: 'running', start: s.at, ms: Math.max(0, ended - s.at), out: null });
        data.failed.push({ host: h, task: data.tasks[s.task]!.name, status: 'running', msg: 'no result recorded: the run ended while this task ran', run: header?.runId ?? '' });
      }
    }
    const runResults = data.results.filter((r) => r.run === runNo);
    for (const b of batches.values()) {
      if (b.end !== b.start) continue;
      const members = new Set(b.hosts);
      b.end = maxOf(runResults.filter((r) => members.has(r.host)).map((r) => r.start + r.ms), b.start);
    }
    // A drain without its end (the run died, or an older drydock): it lasted at least until the journal ends.
    for (const d of drains.values()) d.end = Math.max(d.end, ended);
    data.runs.push({
      runId: header?.runId ?? '',
      command: header?.command ?? '',
      user: header?.user ?? null,
      host: header?.host ?? '',
      started,
      ended: end ? ended : null,
      cutBefore: cut,
      gapBefore: Math.max(0, gap),
      exitCode: end?.exitCode ?? null,
      outcome: end ? outcomeOf(end) : 'interrupted',
      error: end?.error ?? end?.journalError ?? null,
      resumes: header?.resumes ?? null,
    });
    data.span = maxOf(runResults.map((r) => r.start + r.ms), Math.max(data.span, ended));
  });
  data.nodeVersions = nodeVersionTable(versionsBefore, versionsAfter);
  return data;
}

/** The largest of many numbers (no spread: a run has tens of thousands of results). */
function maxOf(values: readonly number[], floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}
