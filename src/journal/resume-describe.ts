/** What `drydock resume` tells before it continues a run: per play, the hosts left out and where the others restart. */
import type { ResumeState } from './resume-state.js';

/** Per play: hosts that are done, and hosts that restart (at which task, after what). For the resume summary. */
export function describeResume(state: ResumeState): string[] {
  const lines: string[] = [];
  for (const [index, play] of [...state.plays.entries()].sort((a, b) => a[0] - b[0])) {
    const finished = [...play.hosts.entries()].filter(([, h]) => h.finished).map(([host]) => host);
    const restarting = [...play.hosts.entries()].filter(([, h]) => !h.finished);
    lines.push(`play ${index + 1} "${play.name}":`);
    if (finished.length) lines.push(`  done, left out: ${finished.join(', ')}`);
    for (const [host, h] of restarting) {
      const done = h.results.length;
      const stop = h.stoppedAt;
      const unknown = stop?.reason === 'interrupted' ? ', its end not recorded (it may have run in full)' : '';
      const where = stop
        ? `${stop.reason} at task "${stop.task}" in run ${stop.runId}${stop.msg ? ` (${stop.msg.split('\n')[0]})` : ''}${unknown}; restarts at that task`
        : 'restarts after its last completed task';
      lines.push(`  ${host}: ${done} task(s) done (not run again); ${where}`);
    }
  }
  return lines;
}

export interface UnknownTask {
  play: number;
  host: string;
  taskId: string;
  task: string;
  runId: string;
}

/**
 * Tasks that started on a host but whose end no journal recorded: the controller died (kill -9, power cut)
 * or the journal could not be written. They may have run in full; resuming runs them again, so `drydock
 * resume` names them and asks first.
 */
export function unknownTasks(state: ResumeState): UnknownTask[] {
  const out: UnknownTask[] = [];
  for (const [play, entry] of [...state.plays.entries()].sort((a, b) => a[0] - b[0])) {
    for (const [host, h] of entry.hosts) {
      const stop = h.stoppedAt;
      if (!h.finished && stop?.reason === 'interrupted') out.push({ play, host, taskId: stop.taskId, task: stop.task, runId: stop.runId });
    }
  }
  return out;
}
