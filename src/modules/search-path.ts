/**
 * Ansible's lookup of a relative controller path (copy's and template's `src`, include_vars' file): in each
 * directory of the task's search path (its role, the file it was written in, the playbook's directory), first
 * `<dir>/<subdir>/<name>` (files/, templates/, vars/), then `<dir>/<name>`. An absolute name is taken as is.
 */
import { isAbsolute, join } from 'node:path';
import type { ModuleContext } from './types.js';

/** Where a relative name was looked for, in order (for "not found" messages too). */
export function searchCandidates(searchPath: readonly string[] | undefined, subdir: string, name: string): string[] {
  if (isAbsolute(name) || !searchPath?.length) return [name];
  // Last, the name as given (relative to the current directory), as drydock resolved it before search paths.
  return [...searchPath.flatMap((dir) => [join(dir, subdir, name), join(dir, name)]), name];
}

/** The first candidate that exists on the controller, else undefined. */
export async function findControllerFile(ctx: Pick<ModuleContext, 'controller' | 'searchPath'>, subdir: string, name: string): Promise<string | undefined> {
  for (const candidate of searchCandidates(ctx.searchPath, subdir, name)) if (await ctx.controller.exists(candidate)) return candidate;
  return undefined;
}
