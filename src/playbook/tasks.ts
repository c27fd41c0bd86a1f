/**
 * Turns task and block maps into typed Tasks/Blocks: finds the one module key and reads every task keyword.
 * The module's arguments are read in module-args.ts, the loop and loop_control in loop-spec.ts.
 * Problems are collected as positioned issues; nothing throws.
 */
import type { Block, Task, TaskItem, TaskKeywords } from './model.js';
import type { ModuleRegistry } from './modules.js';
import { BLOCK_KEYS, TASK_KEYS, UNSUPPORTED_MODULES, UNSUPPORTED_TASK_KEYS, type FieldReader } from './schema.js';
import { closest, closestFew, didYouMean } from './suggest.js';
import { checkAsync } from './async-keys.js';
import { LOOKUP_NAMES } from './expr/lookups.js';
import { readModuleArgs, type ModuleUse } from './module-args.js';
import { readLoop, readLoopControl } from './loop-spec.js';
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
