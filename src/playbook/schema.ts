/**
 * Which keys plays, tasks and blocks accept, and typed readers for keyword values that record a positioned
 * issue (file:line:col) instead of throwing, so one load reports every problem at once.
 */
import type { ConfigIssue } from '../errors.js';
import type { Condition, Templated } from './model.js';
import { expressionSyntaxError, isTemplated, templateSyntaxError } from './template.js';
import { isMap, isScalar, isSeq, mapEntries, seqItems, type SourcePos, type YamlNode, type YamlSource } from './yaml-source.js';
import { PyFloat } from '../util/pyfloat.js';

export const PLAY_KEYS = [
  'name', 'hosts', 'serial', 'max_fail_percentage', 'any_errors_fatal', 'order', 'become', 'become_user',
  'become_method', 'remote_user', 'vars', 'vars_files', 'pre_tasks', 'tasks', 'post_tasks', 'handlers',
  'gather_facts', 'run_once', 'tags', 'environment', 'ignore_unreachable', 'force_handlers', 'strategy', 'roles', 'connection',
] as const;

export const IMPORT_PLAYBOOK_KEYS = ['import_playbook', 'ansible.builtin.import_playbook', 'name', 'vars', 'when', 'tags'] as const;

/** Keywords both tasks and blocks take. */
export const COMMON_TASK_KEYS = [
  'name', 'when', 'tags', 'vars', 'environment', 'become', 'become_user', 'become_method', 'remote_user',
  'delegate_to', 'run_once', 'ignore_errors', 'ignore_unreachable', 'check_mode', 'diff', 'no_log', 'throttle',
  'timeout', 'connection',
] as const;

export const TASK_ONLY_KEYS = [
  'args', 'register', 'until', 'retries', 'delay', 'failed_when', 'changed_when', 'loop', 'loop_control',
  'with_items', 'with_list', 'with_dict', 'notify', 'listen', 'async', 'poll',
] as const;

export const TASK_KEYS: readonly string[] = [...COMMON_TASK_KEYS, ...TASK_ONLY_KEYS];
export const BLOCK_KEYS: readonly string[] = [...COMMON_TASK_KEYS, 'block', 'rescue', 'always'];
export const LOOP_CONTROL_KEYS = ['loop_var', 'label', 'index_var', 'pause', 'extended', 'extended_allitems'] as const;

/** Ansible keys drydock knows but does not implement: say so plainly instead of "unknown key". */
export const UNSUPPORTED_PLAY_KEYS: Readonly<Record<string, string>> = {
  vars_prompt: 'vars_prompt is not supported; pass values with -e',
  collections: 'collections are not supported; drydock only has its built-in modules',
  module_defaults: 'module_defaults is not supported; set the arguments on each task',
  port: 'port is not supported on plays; set ansible_port in the inventory',
  gather_subset: 'gather_subset is not supported',
  gather_timeout: 'gather_timeout is not supported',
  fact_path: 'fact_path is not supported',
  debugger: 'the debugger is not supported',
  check_mode: 'check_mode on a play is not supported; use --check or set it per task',
  diff: 'diff on a play is not supported; use --diff or set it per task',
  no_log: 'no_log on a play is not supported; set it per task',
  throttle: 'throttle on a play is not supported; set it per task or block',
};

export const UNSUPPORTED_TASK_KEYS: Readonly<Record<string, string>> = {
  local_action: "local_action is not supported; use delegate_to: localhost",
  action: 'action: is not supported; write the module name as the key (e.g. "command: ls")',
  delegate_facts: 'delegate_facts is not supported',
  any_errors_fatal: 'any_errors_fatal is supported on plays only',
  debugger: 'the debugger is not supported',
  module_defaults: 'module_defaults is not supported',
  collections: 'collections are not supported',
};

export const UNSUPPORTED_MODULES: Readonly<Record<string, string>> = {
  include: 'include is deprecated in Ansible 2.14 and removed in 2.16; use include_tasks or import_tasks',
  import_playbook: 'import_playbook must be a top-level item of the playbook, not a task',
};

const BOOL_STRINGS: Readonly<Record<string, boolean>> = { yes: true, on: true, true: true, no: false, off: false, false: false };

/** Reads keyword values and collects positioned issues. */
export class FieldReader {
  constructor(
    readonly src: YamlSource,
    readonly issues: ConfigIssue[],
  ) {}

  pos(node: YamlNode | null | undefined): SourcePos {
    return this.src.pos(node);
  }

  issue(node: YamlNode | null | undefined, message: string): void {
    this.issues.push({ ...this.src.pos(node), message });
  }

  scalar(node: YamlNode | null): unknown {
    return isScalar(node) ? node.value : undefined;
  }

  string(node: YamlNode | null, key: string): string | undefined {
    const v = this.scalar(node);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) return String(v);
    this.issue(node, `'${key}' must be a string`);
    return undefined;
  }

  bool(node: YamlNode | null, key: string): Templated<boolean> | undefined {
    const v = this.scalar(node);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && isTemplated(v)) return v;
    if (typeof v === 'string' && Object.hasOwn(BOOL_STRINGS, v.toLowerCase())) return BOOL_STRINGS[v.toLowerCase()];
    this.issue(node, `'${key}' must be a boolean (yes/no/true/false) or a {{ template }}`);
    return undefined;
  }

  int(node: YamlNode | null, key: string, min = 0): Templated<number> | undefined {
    const v = this.scalar(node);
    if (typeof v === 'string' && isTemplated(v)) return v;
    const n = typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= min) return n;
    this.issue(node, `'${key}' must be a whole number${min === 0 ? ' (0 or more)' : ` of at least ${min}`} or a {{ template }}`);
    return undefined;
  }

  /** `when:`-style: one expression or a list of them (AND); syntax is checked now, values at run time. */
  conditions(node: YamlNode | null, key: string): Condition[] {
    const items = isSeq(node) ? seqItems(this.src, node) : [node];
    const out: Condition[] = [];
    for (const item of items) {
      const v = this.scalar(item);
      if (typeof v === 'boolean' || typeof v === 'number' || v === null || v instanceof PyFloat) out.push(v);
      else if (typeof v === 'string') {
        const problem = expressionSyntaxError(v);
        if (problem) this.issue(item, `'${key}' expression "${v}": ${problem}`);
        else out.push(v);
      } else this.issue(item, `'${key}' must be an expression or a list of expressions`);
    }
    return out;
  }

  /** A string or list of strings; `splitCommas` for tags ("a,b"). */
  stringList(node: YamlNode | null, key: string, splitCommas: boolean): string[] {
    if (isSeq(node)) {
      return seqItems(this.src, node).flatMap((item) => {
        const s = this.string(item, key);
        return s === undefined ? [] : [s];
      });
    }
    const s = this.string(node, key);
    if (s === undefined) return [];
    return splitCommas ? s.split(',').map((t) => t.trim()).filter(Boolean) : [s];
  }

  /** A map (converted to plain data), or with `allowTemplate` a template string rendering to one. */
  dict(node: YamlNode | null, key: string, allowTemplate = false): Record<string, unknown> | string | undefined {
    if (isMap(node)) return this.src.toJS(node) as Record<string, unknown>;
    const v = this.scalar(node);
    if (allowTemplate && typeof v === 'string' && isTemplated(v)) return v;
    if (v === null && isScalar(node)) return {};
    this.issue(node, `'${key}' must be a map of names to values`);
    return undefined;
  }

  vars(node: YamlNode | null, key: string): Record<string, unknown> {
    const v = this.dict(node, key);
    if (typeof v !== 'object') return {};
    for (const entry of mapEntries(this.src, node!)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.key)) this.issue(entry.keyNode, `'${entry.key}' is not a valid variable name (letters, digits, _)`);
    }
    return v;
  }

  /** Reports `{{ … }}` syntax errors in every string below a node, at the string's own position. */
  checkTemplates(node: YamlNode | null): void {
    if (!node) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string' && isTemplated(node.value)) {
        const problem = templateSyntaxError(node.value);
        if (problem) this.issue(node, `template "${node.value}": ${problem}`);
      }
    } else if (isSeq(node)) for (const item of seqItems(this.src, node)) this.checkTemplates(item);
    else if (isMap(node)) for (const entry of mapEntries(this.src, node)) this.checkTemplates(entry.value);
  }
}
