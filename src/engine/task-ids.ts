/**
 * Stable task ids: a task's position in the playbook — play index, section, then the path of indexes through
 * blocks (`block`/`rescue`/`always`) — e.g. `1.tasks/4/block/0`, `0.handlers/2`, `1.gather`. The same
 * playbook gives the same ids on every run, so a run journal's results can be matched to the tasks of a
 * later run (drydock resume). The fingerprint digests every id with its task's name and module: when it
 * differs, the ids no longer point at the same tasks and a resume must refuse.
 */
import { createHash } from 'node:crypto';
import type { Playbook, Task, TaskItem } from '../playbook/model.js';

export type SectionName = 'pre_tasks' | 'tasks' | 'post_tasks';

export const SECTIONS: ReadonlyArray<readonly [SectionName, 'preTasks' | 'tasks' | 'postTasks']> = [
  ['pre_tasks', 'preTasks'],
  ['tasks', 'tasks'],
  ['post_tasks', 'postTasks'],
];

export function sectionPath(playIndex: number, section: SectionName): string {
  return `${playIndex}.${section}`;
}

export function handlerTaskId(playIndex: number, handlerIndex: number): string {
  return `${playIndex}.handlers/${handlerIndex}`;
}

export function gatherTaskId(playIndex: number): string {
  return `${playIndex}.gather`;
}

/** The play index a task id belongs to. */
export function playIndexOf(taskId: string): number {
  return Number.parseInt(taskId, 10);
}

function walk(items: readonly TaskItem[], path: string, visit: (id: string, task: Task) => void): void {
  items.forEach((item, i) => {
    const id = `${path}/${i}`;
    if (item.kind === 'task') visit(id, item);
    else {
      walk(item.block, `${id}/block`, visit);
      walk(item.rescue, `${id}/rescue`, visit);
      walk(item.always, `${id}/always`, visit);
    }
  });
}

/** Every task of the playbook (handlers included) by id, in playbook order. */
export function tasksById(playbook: Playbook): Map<string, Task> {
  const out = new Map<string, Task>();
  playbook.plays.forEach((play, p) => {
    for (const [section, key] of SECTIONS) walk(play[key], sectionPath(p, section), (id, task) => out.set(id, task));
    play.handlers.forEach((handler, h) => out.set(handlerTaskId(p, h), handler));
  });
  return out;
}

/** sha256 over each play's name and every task id with its name and module (not arguments: fixing one is fine). */
export function playbookFingerprint(playbook: Playbook): string {
  const hash = createHash('sha256');
  playbook.plays.forEach((play, p) => hash.update(`play ${p} ${play.name}\n`));
  for (const [id, task] of tasksById(playbook)) hash.update(`${id} ${task.module} ${task.name ?? ''}\n`);
  return hash.digest('hex').slice(0, 32);
}
