/**
 * Stable task ids: a task's position in the playbook — play index, section, then the path of indexes through
 * blocks (`block`/`rescue`/`always`) — e.g. `1.tasks/4/block/0`, `0.handlers/2`, `1.gather`. The same
 * playbook gives the same ids on every run, so a run journal's results can be matched to the tasks of a
 * later run (drydock resume). The fingerprint digests every id with its task's name and module: when it
 * differs, the ids no longer point at the same tasks and a resume must refuse.
 */
import { createHash } from 'node:crypto';
import type { Playbook, Task } from '../playbook/model.js';
import { walkTasks } from '../playbook/walk.js';

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

/** Every task of the playbook (handlers included) by id, in playbook order. */
export function tasksById(playbook: Playbook): Map<string, Task> {
  const out = new Map<string, Task>();
  playbook.plays.forEach((play, p) => {
    for (const [section, key] of SECTIONS) walkTasks(play[key], (task, at) => out.set(at.path, task), sectionPath(p, section));
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
