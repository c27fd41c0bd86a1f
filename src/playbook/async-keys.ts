/**
 * `async:` / `poll:` on a task: allowed on command and shell only (their whole work is one remote command,
 * which the engine can leave running on the host as a job: engine/async-run.ts), and never with what a
 * detached job cannot do. Checked at load time, at the keyword's position.
 */
import type { Task } from './model.js';
import type { FieldReader } from './schema.js';
import type { MapEntry } from './yaml-source.js';

/** Modules whose whole work is one remote command, which can run as a detached job. */
const ASYNC_MODULES = new Set(['command', 'shell']);

export function checkAsync(task: Task, entries: MapEntry[], r: FieldReader): void {
  const at = entries.find((e) => e.key === 'async') ?? entries.find((e) => e.key === 'poll');
  if (!at) return;
  if (task.async === undefined) r.issue(at.keyNode, "'poll' needs 'async' (the seconds the job may run)");
  else if (!ASYNC_MODULES.has(task.module)) {
    r.issue(at.keyNode, `'async' is supported on command and shell tasks only: module '${task.moduleWritten}' runs several steps from the controller, not one job drydock can leave running on the host`);
  } else {
    const bad = ['creates', 'removes', 'stdin'].filter((k) => task.args[k] !== undefined);
    if (bad.length) r.issue(at.keyNode, `'async' cannot be combined with ${bad.join(', ')}: the job runs detached with no stdin, and drydock's creates/removes check is a command of its own, not part of the job`);
  }
}
