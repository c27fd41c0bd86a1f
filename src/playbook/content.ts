/**
 * The files a play brings in besides its own: task files (import_tasks / include_tasks) and roles (roles:,
 * import_role, include_role, meta dependencies). Shared by includes.ts and roles.ts: reading a YAML file
 * with positions, and parsing a task file with the play's notify list, so every problem is file:line:col
 * in the file that has it.
 */
import { dirname } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import type { RoleScope, TaskItem } from './model.js';
import type { ModuleRegistry } from './modules.js';
import { FieldReader } from './schema.js';
import { parseTaskList, type NotifyRef, type TaskContext } from './tasks.js';
import { isScalar, parseYamlSource, type YamlNode, type YamlSource } from './yaml-source.js';

export interface ContentHost {
  issues: ConfigIssue[];
  registry: ModuleRegistry;
  /** A file's text, 'missing', or 'unreadable' (already reported). */
  read(file: string): Promise<string | 'missing' | 'unreadable'>;
  display(file: string): string;
  /** Directory of the top playbook (roles/ beside it, the last place a relative src is looked up). */
  playbookDir: string;
  /** Extra role directories (ANSIBLE_ROLES_PATH), searched after roles/ beside the playbook. */
  rolesPath: readonly string[];
}

/** Where a list of tasks was read: its file, and the role it belongs to. */
export interface Origin {
  file: string;
  role?: RoleScope;
  /** Files including this one, for cycle detection. */
  chain: readonly string[];
}

export interface LoadedYaml {
  src: YamlSource;
  root: YamlNode | null;
  reader: FieldReader;
}

export class ContentBase {
  constructor(
    readonly host: ContentHost,
    readonly notifies: NotifyRef[],
  ) {}

  /** A YAML file: its document, 'missing', or undefined (unreadable or broken: already reported). */
  async yaml(file: string): Promise<LoadedYaml | 'missing' | undefined> {
    const text = await this.host.read(file);
    if (text === 'missing') return 'missing';
    if (text === 'unreadable') return undefined;
    const parsed = parseYamlSource(text, this.host.display(file));
    if (!parsed.ok) {
      this.host.issues.push(...parsed.issues);
      return undefined;
    }
    const src = parsed.source;
    const root = src.deref(src.doc.contents as YamlNode | null);
    return { src, root: root === null || (isScalar(root) && root.value === null) ? null : root, reader: new FieldReader(src, this.host.issues) };
  }

  /** A map file (vars, defaults): its data; {} when empty; undefined after an issue. */
  async varsFile(file: string): Promise<Record<string, unknown> | 'missing' | undefined> {
    const loaded = await this.yaml(file);
    if (loaded === 'missing' || loaded === undefined) return loaded;
    if (loaded.root === null) return {};
    const data = loaded.src.toJS(loaded.root);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      loaded.reader.issue(loaded.root, 'a vars file must be a map of variable names to values');
      return undefined;
    }
    return data as Record<string, unknown>;
  }

  /** A task file's items, not yet expanded; `inHandlers` for handlers/main.yml. */
  parseTasks(loaded: LoadedYaml, inHandlers = false): TaskItem[] {
    const ctx: TaskContext = { reader: loaded.reader, registry: this.host.registry, notifies: this.notifies };
    return parseTaskList(loaded.root, inHandlers ? 'handlers' : 'tasks', ctx, inHandlers);
  }

  /** Directories a relative `src` is looked up in: the role's, the task file's, the playbook's (as Ansible). */
  searchPath(origin: Origin): string[] {
    const dirs = [origin.role?.path, dirname(origin.file), this.host.playbookDir].filter((d): d is string => d !== undefined);
    return [...new Set(dirs)];
  }
}
