/**
 * Tag selection, as Ansible's Taggable.evaluate_tags: `always` runs unless skipped by name, `never` runs
 * only when one of its tags (or `never`) is asked for, `tagged`/`untagged`/`all` are the special selectors.
 * A task's tags include those of its play and enclosing blocks.
 */

export interface TagSelection {
  /** --tags; empty means `all`. */
  only: readonly string[];
  skip: readonly string[];
}

export function shouldRunByTags(taskTags: readonly string[], selection: TagSelection): boolean {
  const tags = new Set(taskTags);
  const only = selection.only.length ? selection.only : ['all'];
  const skip = selection.skip;
  const hasAny = (list: readonly string[]): boolean => list.some((t) => tags.has(t));
  let run = false;
  if (tags.has('always')) run = true;
  else if (only.includes('all') && !tags.has('never')) run = true;
  else if (hasAny(only)) run = true;
  else if (only.includes('tagged') && tags.size > 0 && !tags.has('never')) run = true;
  else if (only.includes('untagged') && tags.size === 0) run = true;
  if (!run || skip.length === 0) return run;
  if (skip.includes('all')) return tags.has('always') && !skip.includes('always');
  if (hasAny(skip)) return false;
  if (skip.includes('tagged') && tags.size > 0) return false;
  if (skip.includes('untagged') && tags.size === 0) return false;
  return true;
}

/** --start-at-task: the task's name equals the text, or matches it as a shell glob (Ansible's fnmatch). */
export function matchesStartAt(taskName: string | undefined, startAt: string): boolean {
  if (taskName === undefined) return false;
  if (taskName === startAt) return true;
  if (!/[*?[]/.test(startAt)) return false;
  const source = startAt.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(taskName);
}
