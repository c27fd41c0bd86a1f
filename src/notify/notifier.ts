/**
 * `--notify`: listens to the run's event bus and hands a payload to the sender at the run's start, at each
 * failure (a host failed or unreachable, a play stopped) and, when the command's code is known, at the end.
 * The engine knows nothing of it. Posting never throws and never changes the run's outcome.
 */
import { userInfo, hostname } from 'node:os';
import type { EventBus, RecapStats } from '../events/events.js';
import { endPayload, failureOf, failurePayload, payloadBody, startPayload, type NotifyFailure, type NotifyPayload, type NotifyRun } from './payload.js';
import { liveSenderPorts } from './http.js';
import { DRAIN_BOUND_MS, NotifySender } from './sender.js';

export interface NotifierOptions {
  run: NotifyRun;
  /** Secret values given to the run (-e password=…, the become password): masked wherever they appear. */
  secrets: readonly string[];
  now?: () => number;
  drainBoundMs?: number;
}

export interface Notifier {
  /** Posts the end (the command's final exit code), waits for the queues at most the bound, stops listening. */
  finish(end: { exitCode: number; error?: string }): Promise<void>;
}

export function startNotifier(bus: EventBus, sender: NotifySender, options: NotifierOptions): Notifier {
  const now = options.now ?? Date.now;
  const { run } = options;
  let seq = 0;
  let stats: RecapStats | undefined;
  const failedHosts = new Map<string, NotifyFailure>();
  const stoppedPlays: NotifyFailure[] = [];
  const post = (build: (seq: number, at: string) => NotifyPayload): void => {
    seq++;
    sender.send(payloadBody(build(seq, new Date(now()).toISOString()), options.secrets));
  };
  const unsubscribe = bus.on((event) => {
    if (event.type === 'run.start') {
      post((n, at) => startPayload({ ...run, hosts: event.hosts.length > 0 ? event.hosts : run.hosts }, n, at));
      return;
    }
    if (event.type === 'recap') {
      stats = event.stats;
      return;
    }
    const failure = failureOf(event);
    if (!failure) return;
    if (failure.host === undefined) stoppedPlays.push(failure);
    else if (!failedHosts.has(failure.host)) failedHosts.set(failure.host, failure);
    post((n, at) => failurePayload(run, n, at, failure));
  });
  let finished = false;
  return {
    async finish(end) {
      if (finished) return;
      finished = true;
      unsubscribe();
      post((n, at) =>
        endPayload(run, n, at, {
          exitCode: end.exitCode,
          ...(stats ? { stats } : {}),
          failedHosts: [...failedHosts.values(), ...stoppedPlays],
          ...(end.error !== undefined ? { error: end.error } : {}),
        }),
      );
      await sender.drain(options.drainBoundMs ?? DRAIN_BOUND_MS);
    },
  };
}

/** user@machine, for the payloads' `by`. */
export function whoRuns(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}

export interface RunNotifyRequest {
  urls: readonly URL[];
  runId: string;
  /** Already redacted (the journal's redactCommandLine). */
  command: string;
  hosts: string[];
  secrets: readonly string[];
  warn(message: string): void;
}

/** The notifier of a run on the live network, or undefined when no --notify was given. */
export function notifyRun(bus: EventBus, request: RunNotifyRequest): Notifier | undefined {
  if (request.urls.length === 0) return undefined;
  const sender = new NotifySender(request.urls, liveSenderPorts(request.warn));
  return startNotifier(bus, sender, {
    run: { runId: request.runId, command: request.command, by: whoRuns(), hosts: request.hosts },
    secrets: request.secrets,
  });
}
