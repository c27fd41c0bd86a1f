/**
 * import_tasks / import_role are replaced at load time by a block of what they bring in (the task's when,
 * tags and vars on the block, so they apply to every task, as Ansible's imports). include_tasks /
 * include_role stay tasks that carry their loaded tasks (`include.body`): the engine decides their `when`
 * and loop once per host when it reaches them. A file named by a template cannot be loaded before the run
 * and is refused at load time.
 */
import { dirname, join, resolve } from 'node:path';
import type { Block, Task, TaskItem, TaskKeywords } from './model.js';
import { type Origin } from './content.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { RoleLoader } from './roles.js';
import { isTemplated } from './template.js';

const APPLY_KEYS = ['tags', 'become', 'become_user', 'ignore_errors', 'no_log', 'vars', 'when'];

export class PlayContent extends RoleLoader {
  async expand(items: TaskItem[], origin: Origin): Promise<TaskItem[]> {
    const out: TaskItem[] = [];
    for (const item of items) {
      if (item.kind === 'block') {
        out.push({ ...item, block: await this.expand(item.block, origin), rescue: await this.expand(item.rescue, origin), always: await this.expand(item.always, origin) });
        continue;
      }
      const task: Task = origin.file === undefined ? item : { ...item, searchPath: item.searchPath ?? this.searchPath(origin) };
      switch (task.module) {
        case 'import_tasks': {
          const body = await this.taskFile(task, origin);
          if (body) out.push(blockOf(task, body));
          break;
        }
        case 'include_tasks': {
          const written = String(task.args['file'] ?? task.freeForm ?? '');
          if (isTemplated(written)) {
            out.push({ ...task, include: { body: [], dynamic: { written, load: (name) => this.loadWhenReached(task, name, origin) } } });
            break;
          }
          const body = await this.taskFile(task, origin);
          if (body) out.push({ ...task, include: { body: this.applied(task, body) } });
          break;
        }
        case 'import_role':
        case 'include_role': {
          const block = await this.roleTask(task, origin);
          if (block && task.module === 'import_role') out.push(block);
          else if (block) out.push({ ...task, include: { body: this.applied(task, [block]) } });
          break;
        }
        case 'include_vars':
          out.push(await this.includeVars(task));
          break;
        default:
          out.push(task);
      }
    }
    return out;
  }

  private issue(task: Task, message: string): undefined {
    this.host.issues.push({ ...task.pos, message });
    return undefined;
  }

  /**
   * An include_tasks file named by a template, once rendered for a host: loaded and checked like a literal
   * one (the whole file, its imports and roles), apart from the play's earlier load; problems reject as a
   * ConfigError at the file's own positions.
   */
  async loadWhenReached(task: Task, name: string, origin: Origin): Promise<TaskItem[]> {
    const issues: ConfigIssue[] = [];
    const content = new PlayContent({ ...this.host, issues }, []);
    const fixed: Task = { ...task, args: { ...task.args, file: name } };
    delete fixed.freeForm;
    const body = await content.taskFile(fixed, origin);
    if (issues.length || !body) throw new ConfigError(issues.length ? issues : [{ ...task.pos, message: `include_tasks: cannot read ${name}` }]);
    return content.applied(task, body);
  }

  /** The expanded tasks of the file an import_tasks / include_tasks names, relative to the including file. */
  private async taskFile(task: Task, origin: Origin): Promise<TaskItem[] | undefined> {
    const written = String(task.args['file'] ?? task.freeForm ?? '');
    if (task.module === 'import_tasks' && task.loop) return this.issue(task, 'import_tasks cannot loop (it is static); use include_tasks with the loop');
    if (isTemplated(written)) {
      return this.issue(task, `import_tasks is static: its file name ("${written}") cannot be templated; use include_tasks for a name decided per host`);
    }
    // As Ansible: relative to the including file, then (in a role) the role's tasks/ directory.
    const candidates = [resolve(dirname(origin.file), written)];
    if (origin.role) candidates.push(resolve(join(origin.role.path, 'tasks'), written));
    for (const file of candidates) {
      if (origin.chain.includes(file) || file === origin.file) return this.issue(task, `${task.module} cycle: ${this.host.display(file)} includes itself`);
      const loaded = await this.yaml(file);
      if (loaded === undefined) return undefined;
      if (loaded === 'missing') continue;
      return this.expand(this.parseTasks(loaded), { ...origin, file, chain: [...origin.chain, origin.file] });
    }
    return this.issue(task, `${task.module}: file not found: ${written} (looked for ${candidates.map((c) => this.host.display(c)).join(', ')})`);
  }

  private async roleTask(task: Task, origin: Origin): Promise<Block | undefined> {
    const name = String(task.args['name'] ?? '');
    if (isTemplated(name)) return this.issue(task, `${task.module} with a templated role name ("${name}") is not supported: roles are loaded before the run`);
    if (task.module === 'import_role' && task.loop) return this.issue(task, 'import_role cannot loop (it is static); use include_role with the loop');
    const str = (key: string): string | undefined => (typeof task.args[key] === 'string' ? (task.args[key] as string) : undefined);
    const keywords: TaskKeywords = { ...task };
    for (const k of ['kind', 'module', 'moduleWritten', 'args', 'freeForm', 'notify', 'listen', 'register', 'loop', 'loopControl', 'searchPath', 'include'] as const) delete (keywords as unknown as Record<string, unknown>)[k];
    const isImport = task.module === 'import_role';
    // An include's own when/tags/vars stay on the include task; an import's go on the role's block.
    const use = {
      name,
      at: { reader: undefined as never, node: null },
      keywords: isImport ? keywords : { pos: task.pos, when: [], tags: [], vars: {} },
      params: {},
      from: { tasks: str('tasks_from'), vars: str('vars_from'), defaults: str('defaults_from'), handlers: str('handlers_from') },
      dedupe: false,
      playWide: isImport || task.args['public'] === true,
      chain: origin.chain,
    };
    delete (use.keywords as { name?: string }).name;
    const at = { reader: { issue: (_n: unknown, message: string) => this.issue(task, message) } as never, node: null };
    return this.loadRole({ ...use, at, from: Object.fromEntries(Object.entries(use.from).filter(([, v]) => v !== undefined)) });
  }

  /** include_vars with a literal name: found now (as the module would) and checked, the task given the absolute path. */
  private async includeVars(task: Task): Promise<Task> {
    const written = String(task.args['file'] ?? task.freeForm ?? '');
    if (isTemplated(written)) return task;
    const dirs = task.searchPath ?? [this.host.playbookDir];
    const candidates = written.startsWith('/') ? [written] : dirs.flatMap((d) => [join(d, 'vars', written), join(d, written)]);
    for (const file of candidates) {
      const data = await this.varsFile(file);
      if (data === 'missing') continue;
      const args: Record<string, unknown> = { ...task.args, file };
      const out: Task = { ...task, args };
      delete out.freeForm;
      return out;
    }
    this.issue(task, `include_vars: file not found: ${written} (looked for ${candidates.map((c) => this.host.display(c)).join(', ')})`);
    return task;
  }

  /** `apply:` keywords given to every included task: the body wrapped in a block that carries them. */
  applied(task: Task, body: TaskItem[]): TaskItem[] {
    const apply = task.args['apply'];
    if (apply === undefined) return body;
    const a = apply as Record<string, unknown>;
    for (const key of Object.keys(a)) if (!APPLY_KEYS.includes(key)) this.issue(task, `'apply: ${key}' is not supported (apply takes ${APPLY_KEYS.join(', ')})`);
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : String(v).split(',').map((s) => s.trim()));
    const kw: TaskKeywords = { pos: task.pos, when: list(a['when']), tags: list(a['tags']), vars: (a['vars'] as Record<string, unknown>) ?? {} };
    if (a['become'] !== undefined) kw.become = a['become'] as boolean;
    if (a['become_user'] !== undefined) kw.becomeUser = String(a['become_user']);
    if (a['ignore_errors'] !== undefined) kw.ignoreErrors = a['ignore_errors'] as boolean;
    if (a['no_log'] !== undefined) kw.noLog = a['no_log'] as boolean;
    return [{ kind: 'block', ...kw, block: body, rescue: [], always: [] }];
  }
}

/** An import: a block with the import task's keywords around the tasks it brings in. */
function blockOf(task: Task, body: TaskItem[]): Block {
  const kw: Record<string, unknown> = { ...task };
  for (const k of ['kind', 'module', 'moduleWritten', 'args', 'freeForm', 'notify', 'listen', 'register', 'loop', 'loopControl', 'searchPath', 'include', 'name'] as const) delete kw[k];
  return { ...(kw as unknown as TaskKeywords), kind: 'block', block: body, rescue: [], always: [] };
}
