/**
 * What a run was doing when its controller died (kill -9, a crash, a power cut): the hosts whose task (or ad
 * hoc command) had started and never reported. Those commands may have completed on the host, or be running
 * still; `drydock runs` and `drydock resume` name them so the admin can look before going on.
 */
import type { RunEvent } from '../events/events.js';

export interface InFlight {
  host: string;
  task: string;
}

/** The tasks started and not finished, per host, from a journal's events (in order). */
export function inFlightOf(events: readonly RunEvent[]): InFlight[] {
  const open = new Map<string, string>();
  let command = 'the command';
  for (const event of events) {
    switch (event.type) {
      case 'run.start':
        command = event.command;
        break;
      case 'task.start':
      case 'handler.start':
        for (const host of event.hosts) open.set(host, event.name);
        break;
      case 'task.result':
        if (event.item !== undefined) break;
        for (const host of [event.result.host, ...(event.runOnceHosts ?? [])]) open.delete(host);
        break;
      case 'host.connecting':
        open.set(event.host, command);
        break;
      case 'host.result':
        open.delete(event.result.host);
        break;
      case 'batch.end':
      case 'play.start':
        // A host left out of the rest of a batch or play reported already; nothing is running across these.
        open.clear();
        break;
      default:
        break;
    }
  }
  return [...open].map(([host, task]) => ({ host, task }));
}

export function describeInFlight(runId: string, inFlight: readonly InFlight[]): string[] {
  if (inFlight.length === 0) return [];
  return [
    `run ${runId} ended without closing its journal (its controller was killed or crashed); these were running then and may have completed on the host:`,
    ...inFlight.map((f) => `  ${f.host}: ${f.task}`),
  ];
}
