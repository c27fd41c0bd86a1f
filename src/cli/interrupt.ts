/**
 * Ctrl-C for commands that fan out to hosts: the first SIGINT stops anything new from starting (running
 * work finishes and the recap is still printed), the second ends the commands still running.
 */
import { setMaxListeners } from 'node:events';

export interface InterruptWording {
  /** Said on the first Ctrl-C. */
  stopping: string;
  /** Said on the second Ctrl-C. */
  ending: string;
}

export interface RunSignals {
  /** Aborted on the first Ctrl-C: start nothing new. */
  stop: AbortSignal;
  /** Aborted on the second Ctrl-C: end what is running. */
  abort: AbortSignal;
}

export interface InterruptWatch extends RunSignals {
  /** Stops listening for SIGINT; call when the run is over. */
  dispose(): void;
}

type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

export function watchInterrupts(warn: (message: string) => void, wording: InterruptWording, source: SignalSource = process): InterruptWatch {
  const stop = new AbortController();
  const abort = new AbortController();
  // Every running host listens on both signals (its command, its handshake); hundreds at once are expected.
  setMaxListeners(0, stop.signal, abort.signal);
  const onInterrupt = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      warn(wording.stopping);
    } else if (!abort.signal.aborted) {
      abort.abort();
      warn(wording.ending);
    }
  };
  source.on('SIGINT', onInterrupt);
  return { stop: stop.signal, abort: abort.signal, dispose: () => source.off('SIGINT', onInterrupt) };
}
