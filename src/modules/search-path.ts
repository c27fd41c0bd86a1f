/**
 * Where a task's relative `src` is found on the controller, as Ansible looks for it: for each folder of the
 * task's search path (a role's folder first, then the folder of the task's file, then the playbook's), first
 * `<folder>/<kind>/<src>` (kind: templates, files, or vars for include_vars), then `<folder>/<src>`; a folder named `tasks` also stands
 * for its parent (a role's tasks/ file finds the role's templates/). The same rule serves template, copy and
 * the template/file lookups.
 */
import { dirname, basename, isAbsolute, join } from 'node:path';
import type { ModuleContext } from './types.js';

/** The candidate paths, in the order they are tried. Pure. */
export function sourceCandidates(src: string, searchPath: readonly string[], kind: 'templates' | 'files' | 'vars', playbookDir?: string): string[] {
  if (isAbsolute(src)) return [src];
  const dirs: string[] = [];
  const add = (dir: string): void => {
    if (!dirs.includes(dir)) dirs.push(dir);
  };
  for (const dir of searchPath) {
    if (basename(dir) === 'tasks' || basename(dir) === 'handlers') add(dirname(dir));
    add(dir);
  }
  if (playbookDir) add(playbookDir);
  const out: string[] = [];
  for (const dir of dirs) out.push(join(dir, kind, src), join(dir, src));
  if (dirs.length === 0) out.push(join(kind, src), src);
  return [...new Set(out)];
}

/** The first candidate that exists on the controller, or undefined (with the candidates tried, for the message). */
export async function findControllerSource(ctx: ModuleContext, src: string, kind: 'templates' | 'files' | 'vars'): Promise<{ path?: string; tried: string[] }> {
  const playbookDir = typeof ctx.vars.playbook_dir === 'string' ? ctx.vars.playbook_dir : undefined;
  const tried = sourceCandidates(src, ctx.searchPath ?? [], kind, playbookDir);
  for (const candidate of tried) if (await ctx.controller.exists(candidate)) return { path: candidate, tried };
  return { tried };
}
