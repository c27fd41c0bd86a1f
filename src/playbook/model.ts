/**
 * The typed, validated playbook. Everything here was checked by the loader; each play, task and block
 * keeps where it was written so the engine can say "playbooks/upgrade.yml:42:7" in any message.
 *
 * Keyword values the user may template are typed `Templated<T>`: either the value itself or a string
 * holding `{{ … }}`, rendered by the engine per host (e.g. `become: "{{ needs_root }}"`).
 */
import type { HostOrder, SerialItem } from './batches.js';
import type { Condition } from './template.js';
import type { SourcePos } from './yaml-source.js';

export type { SourcePos, Condition, HostOrder, SerialItem };

/** A value, or a `{{ … }}` template string that renders to one. */
export type Templated<T> = T | string;

/**
 * Keywords a task takes from the innermost enclosing block that sets them, else from the play
 * (engine/effective.ts).
 */
export interface InheritedKeywords {
  become?: Templated<boolean>;
  becomeUser?: string;
  delegateTo?: string;
  runOnce?: Templated<boolean>;
  ignoreErrors?: Templated<boolean>;
  ignoreUnreachable?: Templated<boolean>;
  checkMode?: Templated<boolean>;
  diff?: Templated<boolean>;
  noLog?: Templated<boolean>;
  /** Most hosts running this at once; 0 means no limit beyond forks/serial. */
  throttle?: Templated<number>;
  /** Seconds; the task fails when it runs longer. 0 means no limit. */
  timeout?: Templated<number>;
  /** `connection:` (`local` runs on the controller); an `ansible_connection` variable wins over it. */
  connection?: string;
}

/** Keywords shared by tasks and blocks (a block's keywords apply to every task inside it). */
export interface TaskKeywords extends InheritedKeywords {
  name?: string;
  pos: SourcePos;
  /** All must hold (a `when:` list means AND). Empty means always. */
  when: Condition[];
  tags: string[];
  vars: Record<string, unknown>;
  environment?: Templated<Record<string, unknown>>;
  becomeMethod?: string;
  remoteUser?: string;
  /** Set on the block a role expands to, and on a role's handlers (see roles.ts). */
  role?: RoleScope;
}

/** A role as loaded: what its tasks see (defaults lowest, vars above the play's, params above set_fact). */
export interface RoleScope {
  name: string;
  /** Absolute path of the role's directory (`role_path`). */
  path: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Parameters given where the role is used (`- role: x` with its keys other than keywords). */
  params: Record<string, unknown>;
  /** Brought in by another role's meta dependencies (ansible_dependent_role_names). */
  dependency?: boolean;
}

/**
 * A dynamic include (include_tasks / include_role): its file is loaded at load time (a literal name), but
 * `when` and the loop are decided once per host when the include is reached, as Ansible does.
 */
export interface IncludeSpec {
  /** The tasks to run (a role's tasks arrive wrapped in its role block); empty for a templated file name. */
  body: TaskItem[];
  /**
   * include_tasks with a templated file name: the name as written, and how to load a file once it is
   * rendered for a host (relative to the including file, checked like any task file; rejects with a ConfigError).
   */
  dynamic?: { written: string; load(name: string): Promise<TaskItem[]> };
  /** `apply:` keywords, given to every included task. */
  apply?: Omit<TaskKeywords, 'pos'>;
}

/** `with_<lookup>` (with_fileglob, with_sequence, …) is `loop: "{{ query('<lookup>', …) }}"` (expr/lookups.ts). */
export type LoopStyle = 'loop' | 'with_items' | 'with_list' | 'with_dict' | `with_${string}`;

export interface LoopSpec {
  /** `with_items` flattens one level; `with_dict` iterates {key, value} items; `loop`/`with_list` take the list as is. */
  style: LoopStyle;
  /** A list, or a template string rendering to one. */
  items: unknown;
  pos: SourcePos;
  /** `with_items: name` as written: the one string, as Ansible 2.14 (the run warns when `name` is a variable). */
  bareName?: string;
}

export interface LoopControl {
  /** Name of the loop variable (default `item`). */
  loopVar: string;
  /** Template shown instead of the whole item in output. */
  label?: string;
  indexVar?: string;
  /** Seconds to wait between items. */
  pause?: Templated<number>;
  /** `ansible_loop` (index, first, last, previtem, nextitem, ...) in each item's vars. */
  extended?: Templated<boolean>;
  /** With `extended`: whether `ansible_loop.allitems` is set (default true). */
  extendedAllitems?: Templated<boolean>;
}

export interface Task extends TaskKeywords {
  kind: 'task';
  /** Canonical module name (`apt` for `ansible.builtin.apt`). */
  module: string;
  /** The module name as written, for messages. */
  moduleWritten: string;
  /** Arguments with canonical names (aliases resolved), typed as the module spec declares; may hold templates. */
  args: Record<string, unknown>;
  /** Free-form text (`command: ls -la`), for modules that take it. */
  freeForm?: string;
  register?: string;
  until?: Condition[];
  retries?: Templated<number>;
  delay?: Templated<number>;
  failedWhen?: Condition[];
  changedWhen?: Condition[];
  loop?: LoopSpec;
  loopControl?: LoopControl;
  /** Seconds an async job may run (command and shell only); absent: not async. */
  async?: Templated<number>;
  /** Seconds between checks of an async job; 0: fire and forget (async_status checks it). */
  poll?: Templated<number>;
  /** Handler names or `listen` topics to notify when the task changes something. */
  notify: string[];
  /** Handlers only: extra topics this handler answers to. */
  listen: string[];
  /** include_tasks / include_role: what the engine runs in place of a module. */
  include?: IncludeSpec;
  /** Directories a relative `src` (copy, template, include_vars) is looked up in, first match wins (role first). */
  searchPath?: string[];
}

export interface Block extends TaskKeywords {
  kind: 'block';
  block: TaskItem[];
  rescue: TaskItem[];
  always: TaskItem[];
}

export type TaskItem = Task | Block;

export interface VarsFile {
  /** As written in the playbook (may hold a template). */
  written: string;
  pos: SourcePos;
  /** Absolute path of the file that was loaded; absent when the path is templated and resolved at run time. */
  path?: string;
  /** The loaded variables (present when `path` is). */
  vars?: Record<string, unknown>;
}

export type Strategy = 'linear' | 'free';

export interface Play {
  name: string;
  pos: SourcePos;
  /** Host pattern (a list in the playbook is joined with ','). */
  hosts: string;
  /** Batch sizes; empty means one batch with every host. See batches.ts. */
  serial: SerialItem[];
  maxFailPercentage?: number;
  /** A templated max_fail_percentage as written; the engine renders it at batch planning (0 until then). */
  maxFailPercentageTemplate?: string;
  anyErrorsFatal: boolean;
  /** A templated any_errors_fatal as written; on whatever it renders to, as in ansible-core 2.14 (see withRenderedPlayKeywords). */
  anyErrorsFatalTemplate?: string;
  order: HostOrder;
  strategy: Strategy;
  gatherFacts: Templated<boolean>;
  become?: Templated<boolean>;
  becomeUser?: string;
  becomeMethod?: string;
  remoteUser?: string;
  connection?: string;
  runOnce?: Templated<boolean>;
  ignoreUnreachable?: Templated<boolean>;
  forceHandlers: boolean;
  tags: string[];
  environment?: Templated<Record<string, unknown>>;
  vars: Record<string, unknown>;
  /** In playbook order; later files override earlier ones. */
  varsFiles: VarsFile[];
  preTasks: TaskItem[];
  tasks: TaskItem[];
  postTasks: TaskItem[];
  handlers: Task[];
  /** Conditions from `import_playbook … when:` that apply to every task of the play. */
  when: Condition[];
  /** The import_playbook items that brought this play in, outermost first. */
  importedVia: SourcePos[];
  /** Roles of the play (roles:, import_role, their dependencies): their defaults and vars are seen play-wide. */
  roles?: RoleScope[];
}

export interface Playbook {
  /** Absolute path of the top playbook. */
  file: string;
  /** Plays in run order, with import_playbook expanded. */
  plays: Play[];
  /** Every file read (playbooks and vars files), absolute paths. */
  files: string[];
}
