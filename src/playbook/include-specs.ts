/**
 * Argument contracts of the task keywords that bring in other files: import_tasks / include_tasks and
 * import_role / include_role. They are checked like modules, but the loader (roles.ts) and the engine carry
 * them out: imports are replaced by their tasks at load time, includes run their (pre-loaded) tasks when reached.
 */
import type { ModuleSpec } from './modules.js';

const str = { type: 'str' } as const;

export const IMPORT_TASKS_SPEC: ModuleSpec = { name: 'import_tasks', freeForm: true, args: { file: str }, requiredOneOf: [['file', 'free_form']] };
export const INCLUDE_TASKS_SPEC: ModuleSpec = {
  name: 'include_tasks',
  freeForm: true,
  args: { file: str, apply: { type: 'dict' } },
  requiredOneOf: [['file', 'free_form']],
};

const roleArgs = {
  name: { type: 'str', required: true },
  tasks_from: str,
  vars_from: str,
  defaults_from: str,
  handlers_from: str,
  allow_duplicates: { type: 'bool', default: true },
  rolespec_validate: { type: 'bool', default: true },
} as const;

export const IMPORT_ROLE_SPEC: ModuleSpec = { name: 'import_role', args: roleArgs };
export const INCLUDE_ROLE_SPEC: ModuleSpec = { name: 'include_role', args: { ...roleArgs, apply: { type: 'dict' }, public: { type: 'bool', default: false } } };

export const INCLUDE_SPECS: readonly ModuleSpec[] = [IMPORT_TASKS_SPEC, INCLUDE_TASKS_SPEC, IMPORT_ROLE_SPEC, INCLUDE_ROLE_SPEC];
export const INCLUDE_MODULES: ReadonlySet<string> = new Set(INCLUDE_SPECS.map((s) => s.name));
