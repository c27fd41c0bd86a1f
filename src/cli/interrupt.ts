/**
 * Stop signals for commands that fan out to hosts. Ctrl-C (SIGINT), SIGTERM (systemd, kill, a CI runner
 * cancelling) and SIGHUP (the terminal or the ssh session to the controller went away) are one thing: the
 * first stops anything new from starting (running work finishes, the journal is closed, the recap printed),
 * the second of any of them ends the commands still running. After SIGTERM or SIGHUP nobody may be there to
 * send a second one (the sender kills outright after its own timeout, the terminal is gone), so the running
 * commands are also ended after a grace period (DRYDOCK_STOP_GRACE seconds, default 30).
 */
import { setMaxListeners } from 'node:events';
import { EXIT } from '../util/exit-codes.js';

export interface InterruptWording {
  /** Said on the first signal (after the signal's name). */
  stopping: string;
  /** Said on the second signal or when the grace period is over. */
  ending: string;
}

export interface RunSignals {
  /** Aborted on the first signal: start nothing new. */
  stop: AbortSignal;
  /** Aborted on the second signal (or the grace period's end after SIGTERM/SIGHUP): end what is running. */
  abort: AbortSignal;
}

export interface InterruptWatch extends RunSignals {
  /** The first stop signal received, if any. */
  received(): StopSignal | undefined;
  /** The exit code for an interrupted outcome: 128 + the signal's number (130 for Ctrl-C). */
  exitCode(code: number): number;
  /** Stops listening; call when the run is over. */
  dispose(): void;
}

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED, SIGHUP: EXIT.HANGUP };
const SIGNAL_SAID: Record<StopSignal, string> = { SIGINT: 'interrupted', SIGTERM: 'SIGTERM received', SIGHUP: 'SIGHUP received (terminal gone)' };
export const DEFAULT_STOP_GRACE_MS = 30_000;

type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

export interface WatchOptions {
  source?: SignalSource;
  /** How long running commands may go on after SIGTERM or SIGHUP before they are ended. */
  graceMs?: number;
}

/** DRYDOCK_STOP_GRACE (seconds), else the default. */
export function stopGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env['DRYDOCK_STOP_GRACE']);
  return env['DRYDOCK_STOP_GRACE'] !== undefined && Number.isFinite(value) && value >= 0 ? value * 1000 : DEFAULT_STOP_GRACE_MS;
}

export function watchInterrupts(warn: (message: string) => void, wording: InterruptWording, options: WatchOptions = {}): InterruptWatch {
  const source = options.source ?? process;
  const graceMs = options.graceMs ?? stopGraceMs();
  const stop = new AbortController();
  const abort = new AbortController();
  // Every running host listens on both signals (its command, its handshake); hundreds at once are expected.
  setMaxListeners(0, stop.signal, abort.signal);
  let first: StopSignal | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const end = (why: string): void => {
    if (abort.signal.aborted) return;
    clearTimeout(deadline);
    abort.abort();
    warn(`${why}: ${wording.ending}`);
  };
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = (): void => {
      if (!stop.signal.aborted) {
        first = name;
        stop.abort();
        warn(`${SIGNAL_SAID[name]}: ${wording.stopping}`);
        if (name !== 'SIGINT') {
          deadline = setTimeout(() => end(`still running ${graceMs / 1000}s after ${name}`), graceMs);
          deadline.unref();
        }
      } else end(`${name} again`);
    };
    source.on(name, handler);
    return [name, handler] as const;
  });
  return {
    stop: stop.signal,
    abort: abort.signal,
    received: () => first,
    exitCode: (code) => (code === EXIT.INTERRUPTED && first !== undefined ? SIGNAL_EXIT[first] : code),
    dispose: () => {
      clearTimeout(deadline);
      for (const [name, handler] of handlers) source.off(name, handler);
    },
  };
}
