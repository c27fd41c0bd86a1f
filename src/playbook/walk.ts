/**
 * The one walk through a list of task items: every task and block in playbook order, a block before its
 * `block`, `rescue` and `always` sections. Each item comes with its path (`<path>/<index>`, sections as
 * `/block`, `/rescue`, `/always`, an include's tasks under `/include/block` — the engine's task ids) and the
 * tags it inherits with its own.
 */
import type { RoleScope, Task, TaskItem } from './model.js';

export interface ItemPlace {
  path: string;
  /** Tags of the enclosing blocks, then the item's own. */
  tags: string[];
  /** The innermost role the item is in (its own, for a role's block or handler). */
  role?: RoleScope;
}

export function walkItems(items: readonly TaskItem[], visit: (item: TaskItem, at: ItemPlace) => void, path = '', tags: readonly string[] = [], role?: RoleScope): void {
  items.forEach((item, index) => {
    const inRole = item.role ?? role;
    const at: ItemPlace = { path: `${path}/${index}`, tags: [...tags, ...item.tags], ...(inRole ? { role: inRole } : {}) };
    visit(item, at);
    if (item.kind === 'block') {
      walkItems(item.block, visit, `${at.path}/block`, at.tags, inRole);
      walkItems(item.rescue, visit, `${at.path}/rescue`, at.tags, inRole);
      walkItems(item.always, visit, `${at.path}/always`, at.tags, inRole);
    } else if (item.include) {
      // An include's tasks run in a block at `<include id>/include` (engine/includes.ts); they do not take
      // the include's own tags, as in Ansible.
      walkItems(item.include.body, visit, `${at.path}/include/block`, tags, inRole);
    }
  });
}

/** Every task (not block) of the items, in playbook order. */
export function walkTasks(items: readonly TaskItem[], visit: (task: Task, at: ItemPlace) => void, path = ''): void {
  walkItems(items, (item, at) => item.kind === 'task' && visit(item, at), path);
}

/** Whether any task of the items runs one of these modules. */
export function usesAnyModule(items: readonly TaskItem[], modules: ReadonlySet<string>): boolean {
  let found = false;
  walkTasks(items, (task) => {
    found ||= modules.has(task.module);
  });
  return found;
}
