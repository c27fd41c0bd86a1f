/**
 * Turns task and block maps into typed Tasks/Blocks: finds the one module key, parses its arguments (map,
 * free-form text or legacy key=value string, plus `args:`), checks them against the module's spec, and
 * reads every task keyword. Problems are collected as positioned issues; nothing throws.
 */
import type { Block, LoopControl, LoopSpec, Task, TaskItem, TaskKeywords } from './model.js';
import { checkModuleArgs, splitKeyValueArgs, type ModuleRegistry, type ModuleSpec } from './modules.js';
import {
  BLOCK_KEYS,
  LOOP_CONTROL_KEYS,
  TASK_KEYS,
  UNSUPPORTED_MODULES,
  UNSUPPORTED_TASK_KEYS,
  type FieldReader,
} from './schema.js';
import { closest, closestFew, didYouMean } from './suggest.js';
import { checkAsync } from './async-keys.js';
import { isTemplated } from './template.js';
import { LOOKUP_NAMES } from './expr/lookups.js';
import { isMap, isScalar, isSeq, mapEntries, seqItems, type MapEntry, type SourcePos, type YamlNode } from './yaml-source.js';

export interface NotifyRef {
  name: string;
  pos: SourcePos;
}

export interface TaskContext {
  reader: FieldReader;
  registry: ModuleRegistry;
  /** Every notify seen, so the play can check each names a handler. */
  notifies: NotifyRef[];
}

export function parseTaskList(node: YamlNode | null, section: string, ctx: TaskContext, inHandlers = false): TaskItem[] {
  const { reader } = ctx;
  if (node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) {
    reader.issue(node, `'${section}' must be a list of tasks`);
    return [];
  }
  const out: TaskItem[] = [];
  for (const item of seqItems(reader.src, node)) {
    const parsed = parseTaskItem(item, ctx, inHandlers);
    if (parsed) out.push(parsed);
  }
  return out;
}

function parseTaskItem(node: YamlNode, ctx: TaskContext, inHandlers: boolean): TaskItem | undefined {
  const { reader } = ctx;
  if (!isMap(node)) {
    reader.issue(node, 'a task must be a map (e.g. "- name: …" followed by a module such as "command: …")');
    return undefined;
  }
  const entries = mapEntries(reader.src, node);
  if (entries.some((e) => e.key === 'block')) {
    if (inHandlers) {
      reader.issue(node, 'blocks are not supported in handlers; write each handler as a task');
      return undefined;
    }
    return parseBlock(node, entries, ctx);
  }
  for (const e of entries) {
    if (e.key === 'rescue' || e.key === 'always') reader.issue(e.keyNode, `'${e.key}' is only valid next to 'block'`);
  }
  return parseTask(node, entries, ctx, inHandlers);
}

export function readCommon(entries: MapEntry[], pos: SourcePos, ctx: TaskContext): TaskKeywords {
  const r = ctx.reader;
  const kw: TaskKeywords = { pos, when: [], tags: [], vars: {} };
  for (const { key, value } of entries) {
    switch (key) {
      case 'name':
        kw.name = r.string(value, key);
        break;
      case 'when':
        kw.when = r.conditions(value, key);
        break;
      case 'tags':
        kw.tags = r.stringList(value, key, true);
        break;
      case 'vars':
        kw.vars = r.vars(value, key);
        break;
      case 'environment': {
        const env = r.dict(value, key, true);
        if (env !== undefined) kw.environment = env;
        break;
      }
      case 'become_user':
        kw.becomeUser = r.string(value, key);
        break;
      case 'become_method':
        kw.becomeMethod = r.string(value, key);
        break;
      case 'remote_user':
        kw.remoteUser = r.string(value, key);
        break;
      case 'delegate_to':
        kw.delegateTo = r.string(value, key);
        break;
      case 'connection':
        kw.connection = r.string(value, key);
        break;
      case 'become':
        kw.become = r.bool(value, key);
        break;
      case 'run_once':
        kw.runOnce = r.bool(value, key);
        break;
      case 'ignore_errors':
        kw.ignoreErrors = r.bool(value, key);
        break;
      case 'ignore_unreachable':
        kw.ignoreUnreachable = r.bool(value, key);
        break;
      case 'check_mode':
        kw.checkMode = r.bool(value, key);
        break;
      case 'diff':
        kw.diff = r.bool(value, key);
        break;
      case 'no_log':
        kw.noLog = r.bool(value, key);
        break;
      case 'throttle':
        kw.throttle = r.int(value, key);
        break;
      case 'timeout':
        kw.timeout = r.int(value, key);
        break;
    }
  }
  for (const k of Object.keys(kw) as (keyof TaskKeywords)[]) if (kw[k] === undefined) delete kw[k];
  return kw;
}

function parseBlock(node: YamlNode, entries: MapEntry[], ctx: TaskContext): Block {
  const r = ctx.reader;
  const block: Block = { kind: 'block', ...readCommon(entries, r.pos(node), ctx), block: [], rescue: [], always: [] };
  for (const e of entries) {
    if (e.key === 'block' || e.key === 'rescue' || e.key === 'always') {
      block[e.key] = parseTaskList(e.value, e.key, ctx);
    } else if (e.key === 'when') {
      continue;
    } else if (!BLOCK_KEYS.includes(e.key)) {
      const why = ctx.registry.has(e.key)
        ? `a block cannot run a module itself; move '${e.key}' into a task inside the block`
        : `unknown block key '${e.key}'${didYouMean(e.key, BLOCK_KEYS)}`;
      r.issue(e.keyNode, why);
    } else r.checkTemplates(e.value);
  }
  return block;
}

interface ModuleUse {
  entry: MapEntry;
  spec: ModuleSpec;
}

function parseTask(node: YamlNode, entries: MapEntry[], ctx: TaskContext, inHandlers: boolean): Task | undefined {
  const r = ctx.reader;
  const modules: ModuleUse[] = [];
  const unknown: MapEntry[] = [];
  let argsEntry: MapEntry | undefined;
  const loops: MapEntry[] = [];

  for (const e of entries) {
    if (e.key === 'args') argsEntry = e;
    else if (e.key === 'loop' || e.key.startsWith('with_')) {
      if (TASK_KEYS.includes(e.key) || LOOKUP_NAMES.includes(e.key.slice(5))) loops.push(e);
      else r.issue(e.keyNode, `'${e.key}' is not supported; use loop: (with_<lookup> works for ${LOOKUP_NAMES.join(', ')})`);
    } else if (TASK_KEYS.includes(e.key) || e.key === 'rescue' || e.key === 'always') continue;
    else if (ctx.registry.has(e.key)) modules.push({ entry: e, spec: ctx.registry.get(e.key)! });
    else if (Object.hasOwn(UNSUPPORTED_TASK_KEYS, e.key)) r.issue(e.keyNode, UNSUPPORTED_TASK_KEYS[e.key]!);
    else if (Object.hasOwn(UNSUPPORTED_MODULES, bareName(e.key))) r.issue(e.keyNode, `module '${e.key}' is not supported: ${UNSUPPORTED_MODULES[bareName(e.key)]}`);
    else unknown.push(e);
  }

  for (const e of unknown) r.issue(e.keyNode, unknownKeyMessage(e.key, modules.length > 0, ctx.registry));
  if (modules.length > 1) {
    const names = modules.map((m) => `'${m.entry.key}'`).join(' and ');
    r.issue(modules[1]!.entry.keyNode, `a task runs exactly one module, but this one has ${names}; split it into separate tasks`);
  }
  if (loops.length > 1) r.issue(loops[1]!.keyNode, `a task takes one loop, but this one has ${loops.map((l) => `'${l.key}'`).join(' and ')}`);
  if (modules.length === 0) {
    if (unknown.length === 0 && !entries.some((e) => Object.hasOwn(UNSUPPORTED_TASK_KEYS, e.key) || Object.hasOwn(UNSUPPORTED_MODULES, bareName(e.key)))) {
      r.issue(node, "task has no module; add one such as 'command: …' (README.md lists drydock's modules)");
    }
    return undefined;
  }

  const use = modules[0]!;
  const task: Task = {
    kind: 'task',
    ...readCommon(entries, r.pos(node), ctx),
    module: use.spec.name,
    moduleWritten: use.entry.key,
    args: {},
    notify: [],
    listen: [],
  };
  readModuleArgs(task, use, argsEntry, ctx);

  for (const e of entries) {
    const { key, value } = e;
    const checkedElsewhere = key === use.entry.key || key === 'args' || key === 'when' || key.endsWith('_when') || key === 'until';
    if (!checkedElsewhere) r.checkTemplates(value);
    switch (key) {
      case 'register':
        task.register = r.string(value, key);
        if (task.register !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(task.register)) {
          r.issue(value, `'register' needs a variable name (letters, digits, _), not '${task.register}'`);
        }
        break;
      case 'until':
        task.until = r.conditions(value, key);
        break;
      case 'failed_when':
        task.failedWhen = r.conditions(value, key);
        break;
      case 'changed_when':
        task.changedWhen = r.conditions(value, key);
        break;
      case 'retries':
        task.retries = r.int(value, key);
        break;
      case 'delay':
        task.delay = r.int(value, key);
        break;
      case 'notify':
        task.notify = r.stringList(value, key, false);
        for (const [i, name] of task.notify.entries()) {
          const itemNode = isSeq(value) ? seqItems(r.src, value)[i] : value;
          ctx.notifies.push({ name, pos: r.pos(itemNode ?? value) });
        }
        break;
      case 'listen':
        if (!inHandlers) r.issue(e.keyNode, "'listen' is only valid on handlers");
        task.listen = r.stringList(value, key, false);
        break;
      case 'loop_control':
        task.loopControl = readLoopControl(value, ctx);
        break;
      case 'async':
        task.async = r.int(value, key);
        break;
      case 'poll':
        task.poll = r.int(value, key);
        break;
    }
  }
  checkAsync(task, entries, r);
  if (loops[0]) task.loop = readLoop(loops[0], ctx);
  if (task.loopControl && !task.loop) r.issue(entries.find((e) => e.key === 'loop_control')!.keyNode, "'loop_control' needs a 'loop'");
  return task;
}

function bareName(key: string): string {
  return key.replace(/^ansible\.(builtin|legacy)\./, '');
}

function unknownKeyMessage(key: string, hasModule: boolean, registry: ModuleRegistry): string {
  const lastPart = key.slice(key.lastIndexOf('.') + 1);
  if (key.includes('.') && registry.has(lastPart)) {
    return `unknown module '${key}' (did you mean '${lastPart}'? only the ansible.builtin. and ansible.legacy. prefixes are recognised)`;
  }
  const keyword = closest(key, TASK_KEYS);
  const module = closest(key, registry.names());
  if (keyword && (hasModule || !module)) return `unknown task key '${key}' (did you mean '${keyword}'?)`;
  if (!hasModule && module) return `unknown module '${key}' (did you mean '${module}'?)`;
  if (hasModule) return `unknown task key '${key}'`;
  return `unknown module '${key}'; the closest of drydock's modules: ${closestFew(key, registry.moduleNames()).join(', ')} (README.md lists them all)`;
}

function readModuleArgs(task: Task, use: ModuleUse, argsEntry: MapEntry | undefined, ctx: TaskContext): void {
  const r = ctx.reader;
  const { spec } = use;
  const value = use.entry.value;
  let given: Record<string, unknown> = {};
  let freeForm: string | undefined;
  const keyNodes = new Map<string, YamlNode>();

  if (argsEntry) {
    if (isMap(argsEntry.value)) {
      given = { ...(r.src.toJS(argsEntry.value) as Record<string, unknown>) };
      for (const e of mapEntries(r.src, argsEntry.value)) keyNodes.set(e.key, e.keyNode);
      r.checkTemplates(argsEntry.value);
    } else r.issue(argsEntry.value ?? argsEntry.keyNode, "'args' must be a map of module arguments");
  }

  if (isMap(value)) {
    Object.assign(given, r.src.toJS(value) as Record<string, unknown>);
    for (const e of mapEntries(r.src, value)) keyNodes.set(e.key, e.keyNode);
    r.checkTemplates(value);
  } else if (isScalar(value) && value.value !== null) {
    const text = String(value.value);
    r.checkTemplates(value);
    if (spec.freeForm) {
      const split = splitKeyValueArgs(text, (k) => Object.hasOwn(spec.args, k) && k !== 'cmd' && k !== 'argv');
      Object.assign(given, split.pairs);
      if (split.rest !== '') freeForm = split.rest;
    } else {
      const split = splitKeyValueArgs(text, () => true);
      Object.assign(given, split.pairs);
      if (split.rest !== '') {
        r.issue(value, `module '${use.entry.key}' takes no free-form text ('${split.rest}'); write its arguments as a map (key: value)`);
        return;
      }
    }
  } else if (value !== null && !(isScalar(value) && value.value === null)) {
    r.issue(value, `arguments of module '${use.entry.key}' must be a map (key: value) or a string`);
    return;
  }

  const { args, problems } = checkModuleArgs(spec, given, { freeForm });
  for (const p of problems) r.issue((p.arg && keyNodes.get(p.arg)) || use.entry.keyNode, p.message);
  task.args = args;
  if (freeForm !== undefined) task.freeForm = freeForm;
}

function readLoop(entry: MapEntry, ctx: TaskContext): LoopSpec | undefined {
  const r = ctx.reader;
  const { value } = entry;
  const pos = r.pos(value ?? entry.keyNode);
  const style = entry.key as LoopSpec['style'];
  if (isSeq(value) || (entry.key === 'with_dict' && isMap(value))) return { style, items: r.src.toJS(value), pos };
  if (isScalar(value) && typeof value.value === 'string' && isTemplated(value.value)) return { style, items: value.value, pos };
  // As Ansible 2.14: `with_items: name` is the one string "name" (bare names are no longer templated).
  if (entry.key === 'with_items' && isScalar(value) && value.value !== null) {
    const bare = typeof value.value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.value) ? { bareName: value.value } : {};
    return { style, items: [r.src.toJS(value)], pos, ...bare };
  }
  // with_<lookup> takes its terms as written (with_fileglob: '*.conf', with_sequence: 'start=1 end=3', a dict).
  const lookupLoop = !['loop', 'with_items', 'with_list', 'with_dict'].includes(entry.key);
  if (lookupLoop && (isScalar(value) || isMap(value))) return { style, items: r.src.toJS(value), pos };
  r.issue(value ?? entry.keyNode, `'${entry.key}' must be a list or a {{ template }} that renders to one`);
  return undefined;
}

function readLoopControl(node: YamlNode | null, ctx: TaskContext): LoopControl | undefined {
  const r = ctx.reader;
  if (!isMap(node)) {
    r.issue(node, "'loop_control' must be a map (loop_var, label, index_var, pause, extended)");
    return undefined;
  }
  const control: LoopControl = { loopVar: 'item' };
  for (const { key, keyNode, value } of mapEntries(r.src, node)) {
    if (key === 'loop_var') control.loopVar = r.string(value, key) ?? 'item';
    else if (key === 'label') control.label = r.string(value, key);
    else if (key === 'index_var') control.indexVar = r.string(value, key);
    else if (key === 'pause') control.pause = r.int(value, key);
    else if (key === 'extended') control.extended = r.bool(value, key);
    else if (key === 'extended_allitems') control.extendedAllitems = r.bool(value, key);
    else r.issue(keyNode, `unknown loop_control key '${key}'${didYouMean(key, LOOP_CONTROL_KEYS)}`);
  }
  return control;
}
