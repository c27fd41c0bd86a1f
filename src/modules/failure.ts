/**
 * A task failure a module reports (bad state on the host, a version the repository lacks): it becomes a
 * `failed` result with the message, not an exception. Transport errors (unreachable, timeouts) are not
 * caught here; they propagate to the engine, which has its own handling for them.
 */
import type { ModuleResult, TaskModule } from './types.js';

export class ModuleFailure extends Error {
  constructor(
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModuleFailure';
  }
}

export function failed(msg: string, extra: Record<string, unknown> = {}): ModuleResult {
  return { changed: false, ...extra, failed: true, msg };
}

/** Turns ModuleFailure (and argument problems detected at run time) into a failed result. */
export function guarded(module: TaskModule): TaskModule {
  return {
    ...module,
    async run(ctx) {
      try {
        return await module.run(ctx);
      } catch (err) {
        if (err instanceof ModuleFailure) return failed(err.message, err.extra);
        throw err;
      }
    },
  };
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The last lines of some output, for failure messages. */
export function tail(text: string, lines = 20): string {
  return splitLines(text.trimEnd()).slice(-lines).join('\n');
}
