/**
 * Roles, as Ansible lays them out: <role>/tasks/main.yml (or tasks_from), handlers/, defaults/ (lowest
 * precedence), vars/ (above the play's vars), meta/main.yml dependencies (run first, once per role and
 * parameters unless allow_duplicates), found in roles/ beside the playbook, then ANSIBLE_ROLES_PATH, then the
 * playbook's own directory. A role becomes one block carrying its RoleScope: the engine layers the role's
 * variables and sets role_name / role_path for the tasks inside it.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Block, RoleScope, Task, TaskItem, TaskKeywords } from './model.js';
import { ContentBase, type Origin } from './content.js';
import { COMMON_TASK_KEYS, type FieldReader } from './schema.js';
import { readCommon } from './tasks.js';
import { isTemplated } from './template.js';
import { walkTasks } from './walk.js';
import { isMap, isScalar, isSeq, mapEntries, seqItems, type YamlNode } from './yaml-source.js';

/** How a role is used: by `roles:`, a meta dependency, import_role or include_role. */
export interface RoleUse {
  name: string;
  /** Where the name was written (issues go there). */
  at: { reader: FieldReader; node: YamlNode | null };
  keywords: TaskKeywords;
  params: Record<string, unknown>;
  from: { tasks?: string; vars?: string; defaults?: string; handlers?: string };
  /** roles: and dependencies run once per role and parameters unless its meta says allow_duplicates. */
  dedupe: boolean;
  /** roles: and import_role: the role's defaults and vars are seen by the whole play. */
  playWide: boolean;
  /** The role using this one (dependencies), and the chain of roles for cycle detection. */
  parent?: RoleScope;
  chain: readonly string[];
}

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export abstract class RoleLoader extends ContentBase {
  /** The play's roles (roles:, import_role and their dependencies), in load order. */
  readonly roles: RoleScope[] = [];
  /** Handlers of every role loaded, in load order (they come before the play's own, as in Ansible). */
  readonly handlers: Task[] = [];
  private readonly ran = new Set<string>();
  /** Handler files already loaded: a role used twice has its handlers once (each runs once when notified). */
  private readonly handlerFiles = new Set<string>();

  /** Replaces imports by their tasks and loads includes' files (includes.ts). */
  abstract expand(items: TaskItem[], origin: Origin): Promise<TaskItem[]>;

  /** The `roles:` section of a play: each entry a block, in order. */
  async rolesSection(node: YamlNode | null, reader: FieldReader): Promise<TaskItem[]> {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) {
      reader.issue(node, "'roles' must be a list of role names or maps with 'role:'");
      return [];
    }
    const out: TaskItem[] = [];
    for (const item of seqItems(reader.src, node)) {
      const use = this.roleEntry(item, reader, []);
      const block = use && (await this.loadRole({ ...use, dedupe: true, playWide: true }));
      if (block) out.push(block);
    }
    return out;
  }

  /** A `roles:` or `dependencies:` entry: a name, or a map with role:/name:, keywords and parameters. */
  roleEntry(node: YamlNode, reader: FieldReader, chain: readonly string[], parent?: RoleScope): RoleUse | undefined {
    const base = { at: { reader, node }, from: {}, dedupe: true, playWide: true, chain, ...(parent ? { parent } : {}) };
    if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') {
      return { ...base, name: node.value.trim(), keywords: { pos: reader.pos(node), when: [], tags: [], vars: {} }, params: {} };
    }
    if (!isMap(node)) {
      reader.issue(node, 'a role entry must be a role name or a map with role: <name>');
      return undefined;
    }
    const entries = mapEntries(reader.src, node);
    const nameEntry = entries.find((e) => e.key === 'role') ?? entries.find((e) => e.key === 'name');
    const name = nameEntry && reader.string(nameEntry.value, nameEntry.key);
    if (!name) {
      if (!nameEntry) reader.issue(node, "a role entry needs 'role: <name>'");
      return undefined;
    }
    if (isTemplated(name)) {
      reader.issue(nameEntry.value, `role name "${name}" cannot be templated: roles are loaded before the run; name the role`);
      return undefined;
    }
    const keywords = readCommon(entries, reader.pos(node), { reader, registry: this.host.registry, notifies: this.notifies });
    if (nameEntry.key === 'role') delete keywords.name;
    const params: Record<string, unknown> = {};
    for (const e of entries) {
      if (e === nameEntry || (COMMON_TASK_KEYS as readonly string[]).includes(e.key)) continue;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.key)) reader.issue(e.keyNode, `'${e.key}' is not a valid role parameter name (letters, digits, _)`);
      else params[e.key] = reader.src.toJS(e.value);
    }
    // A role entry's vars: stay block vars (below set_fact); only its other keys are parameters (above it).
    return { ...base, name, keywords, params };
  }

  private async findRole(use: RoleUse): Promise<string | undefined> {
    const { name } = use;
    const dirs = name.includes('/') || isAbsolute(name)
      ? [resolve(this.host.playbookDir, name)]
      : [join(this.host.playbookDir, 'roles'), ...this.host.rolesPath, this.host.playbookDir].map((d) => join(d, name));
    // A directory is a role when it has one of the files drydock would read from it.
    const { tasks = 'main', vars = 'main', defaults = 'main', handlers = 'main' } = use.from;
    const wanted = [['tasks', tasks], ['meta', 'main'], ['handlers', handlers], ['defaults', defaults], ['vars', vars]] as const;
    for (const dir of dirs) {
      for (const [sub, base] of wanted) if ((await this.roleFile(dir, sub, base)) !== undefined) return dir;
    }
    const { reader, node } = use.at;
    if (/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(name)) {
      reader.issue(node, `role '${name}' is a collection role (namespace.collection.role); collections are not supported: copy the role into roles/ beside the playbook`);
    } else {
      const looked = dirs.map((d) => this.host.display(d)).join(', ');
      reader.issue(node, `role '${name}' not found (looked in ${looked}; set ANSIBLE_ROLES_PATH for other places)`);
    }
    return undefined;
  }

  /** The first of <dir>/<sub>/<base>{,.yml,.yaml,.json} that exists, else undefined. */
  private async roleFile(dir: string, sub: string, base: string): Promise<string | undefined> {
    for (const ext of EXTENSIONS) {
      const file = join(dir, sub, `${base}${ext}`);
      if ((await this.host.read(file)) !== 'missing') return file;
    }
    return undefined;
  }

  /** Loads a role (its dependencies first) into one block; undefined when it already ran or could not load. */
  async loadRole(use: RoleUse): Promise<Block | undefined> {
    const dir = await this.findRole(use);
    if (!dir) return undefined;
    const name = dir.slice(dir.lastIndexOf('/') + 1);
    if (use.chain.includes(dir)) {
      use.at.reader.issue(use.at.node, `role dependency cycle: ${[...use.chain, dir].map((d) => d.slice(d.lastIndexOf('/') + 1)).join(' -> ')}`);
      return undefined;
    }
    const meta = await this.readMeta(dir);
    const key = JSON.stringify([dir, use.params, use.from]);
    if (use.dedupe && !meta.allowDuplicates && this.ran.has(key)) return undefined;
    this.ran.add(key);
    const scope: RoleScope = { name, path: dir, defaults: {}, vars: {}, params: use.params, ...(use.parent ? { dependency: true } : {}) };
    for (const [field, sub, from] of [['defaults', 'defaults', use.from.defaults], ['vars', 'vars', use.from.vars]] as const) {
      const file = await this.roleFile(dir, sub, from ?? 'main');
      if (from !== undefined && !file) use.at.reader.issue(use.at.node, `role '${name}' has no ${sub}/${from}`);
      const data = file ? await this.varsFile(file) : undefined;
      if (data && data !== 'missing') scope[field] = data;
    }
    if (use.playWide) this.roles.push(scope);
    const block: TaskItem[] = [];
    for (const dep of meta.dependencies) {
      const depUse = this.roleEntry(dep.node, dep.reader, [...use.chain, dir], scope);
      const depBlock = depUse && (await this.loadRole({ ...depUse, playWide: use.playWide }));
      if (depBlock) block.push(depBlock);
    }
    const tasksFile = await this.roleFile(dir, 'tasks', use.from.tasks ?? 'main');
    if (use.from.tasks !== undefined && !tasksFile) use.at.reader.issue(use.at.node, `role '${name}' has no tasks/${use.from.tasks}`);
    const chain = [...use.chain, dir];
    if (tasksFile) {
      const loaded = await this.yaml(tasksFile);
      if (loaded && loaded !== 'missing') block.push(...(await this.expand(this.parseTasks(loaded), { file: tasksFile, role: scope, chain })));
    }
    await this.loadHandlers(dir, scope, use, chain);
    return { kind: 'block', ...use.keywords, role: scope, block, rescue: [], always: [] };
  }

  private async loadHandlers(dir: string, scope: RoleScope, use: RoleUse, chain: string[]): Promise<void> {
    const file = await this.roleFile(dir, 'handlers', use.from.handlers ?? 'main');
    if (use.from.handlers !== undefined && !file) use.at.reader.issue(use.at.node, `role '${scope.name}' has no handlers/${use.from.handlers}`);
    if (!file || this.handlerFiles.has(file)) return;
    this.handlerFiles.add(file);
    const loaded = await this.yaml(file);
    if (!loaded || loaded === 'missing') return;
    const items = this.parseTasks(loaded, true);
    const searchPath = this.searchPath({ file, role: scope, chain });
    walkTasks(items, (task) => {
      if (task.module.startsWith('import_') || task.module.startsWith('include_')) {
        this.host.issues.push({ ...task.pos, message: `${task.module} in a role's handlers is not supported; write each handler as a task` });
        return;
      }
      // As Ansible, a role's handler answers to "<role> : <name>" as well as to its name.
      if (task.name !== undefined) task.listen = [...task.listen, `${scope.name} : ${task.name}`];
      this.handlers.push({ ...task, role: scope, searchPath });
    });
  }

  private async readMeta(dir: string): Promise<{ allowDuplicates: boolean; dependencies: { reader: FieldReader; node: YamlNode }[] }> {
    const none = { allowDuplicates: false, dependencies: [] };
    const file = await this.roleFile(dir, 'meta', 'main');
    const loaded = file ? await this.yaml(file) : undefined;
    if (!loaded || loaded === 'missing' || loaded.root === null) return none;
    const { reader, root } = loaded;
    if (!isMap(root)) {
      reader.issue(root, "a role's meta/main.yml must be a map (dependencies:, allow_duplicates:, galaxy_info:)");
      return none;
    }
    const out: { allowDuplicates: boolean; dependencies: { reader: FieldReader; node: YamlNode }[] } = { allowDuplicates: false, dependencies: [] };
    for (const e of mapEntries(reader.src, root)) {
      if (e.key === 'allow_duplicates') out.allowDuplicates = reader.bool(e.value, e.key) === true;
      else if (e.key === 'dependencies') {
        if (e.value === null || (isScalar(e.value) && e.value.value === null)) continue;
        if (!isSeq(e.value)) reader.issue(e.value, "'dependencies' must be a list of roles");
        else for (const node of seqItems(reader.src, e.value)) out.dependencies.push({ reader, node });
      }
    }
    return out;
  }
}
