/**
 * Reads one play: its keywords (hosts, serial, max_fail_percentage, order, strategy, become, …), its task
 * sections and handlers, and checks that every notify names a handler or listen topic of the play.
 */
import { HOST_ORDERS, serialItemProblem, type SerialItem } from './batches.js';
import type { Play, Strategy, Task, VarsFile } from './model.js';
import type { ModuleRegistry } from './modules.js';
import type { PlayContent } from './includes.js';
import { PLAY_KEYS, TASK_KEYS, UNSUPPORTED_PLAY_KEYS, type FieldReader } from './schema.js';
import { didYouMean } from './suggest.js';
import { parseTaskList, type NotifyRef, type TaskContext } from './tasks.js';
import { ConfigError } from '../errors.js';
import type { Vars } from '../inventory/types.js';
import { renderBoolKeyword } from './keywords.js';
import { isTemplated, renderString } from './template.js';
import { isSeq, seqItems, type MapEntry, type YamlNode } from './yaml-source.js';

export interface PlayDeps {
  registry: ModuleRegistry;
  /** Reads the play's vars_files entry (relative to the play's file). */
  readVarsFiles(value: YamlNode | null): Promise<VarsFile[]>;
  /** The play's file, and the loader of its roles and task files (sharing the play's notify list). */
  file: string;
  content(notifies: NotifyRef[]): PlayContent;
}

const STRATEGIES: readonly Strategy[] = ['linear', 'free'];

export async function parsePlay(node: YamlNode, entries: MapEntry[], reader: FieldReader, deps: PlayDeps): Promise<Play> {
  const ctx: TaskContext = { reader, registry: deps.registry, notifies: [] };
  const pos = reader.pos(node);
  const play: Play = {
    name: '',
    pos,
    hosts: '',
    serial: [],
    anyErrorsFatal: false,
    order: 'inventory',
    strategy: 'linear',
    gatherFacts: true,
    forceHandlers: false,
    tags: [],
    vars: {},
    varsFiles: [],
    preTasks: [],
    tasks: [],
    postTasks: [],
    handlers: [],
    when: [],
    importedVia: [],
  };
  let hostsSeen = false;
  let rolesNode: YamlNode | null | undefined;
  for (const e of entries) {
    const { key, keyNode, value } = e;
    if (!(PLAY_KEYS as readonly string[]).includes(key)) {
      if (Object.hasOwn(UNSUPPORTED_PLAY_KEYS, key)) reader.issue(keyNode, UNSUPPORTED_PLAY_KEYS[key]!);
      else if (TASK_KEYS.includes(key) || deps.registry.has(key)) {
        reader.issue(keyNode, `'${key}' is a task keyword or module, not a play key; put it in a task under 'tasks:'`);
      } else reader.issue(keyNode, `unknown play key '${key}'${didYouMean(key, PLAY_KEYS)}`);
      continue;
    }
    if (!['pre_tasks', 'tasks', 'post_tasks', 'handlers', 'vars_files', 'roles'].includes(key)) reader.checkTemplates(value);
    switch (key) {
      case 'name':
        play.name = reader.string(value, key) ?? '';
        break;
      case 'hosts':
        hostsSeen = true;
        play.hosts = readHosts(value, reader);
        break;
      case 'serial':
        play.serial = readSerial(value, reader);
        break;
      case 'max_fail_percentage': {
        const pct = readPercentage(value, reader);
        if (typeof pct === 'string') {
          play.maxFailPercentageTemplate = pct;
          // Until the template renders at batch planning, the strictest threshold: any failure stops.
          play.maxFailPercentage = 0;
        } else if (pct !== undefined) play.maxFailPercentage = pct;
        break;
      }
      case 'any_errors_fatal': {
        const v = reader.bool(value, key);
        if (typeof v === 'string') {
          play.anyErrorsFatalTemplate = v;
          // As ansible-core 2.14: a templated any_errors_fatal is a non-empty string there, so it is on.
          play.anyErrorsFatal = true;
        } else play.anyErrorsFatal = v ?? false;
        break;
      }
      case 'force_handlers':
        play.forceHandlers = plainBool(value, key, reader) ?? false;
        break;
      case 'order':
        play.order = readChoice(value, key, HOST_ORDERS, reader) ?? 'inventory';
        break;
      case 'strategy':
        play.strategy = readChoice(value, key, STRATEGIES, reader) ?? 'linear';
        break;
      case 'gather_facts':
        play.gatherFacts = reader.bool(value, key) ?? true;
        break;
      case 'become':
        play.become = reader.bool(value, key);
        break;
      case 'run_once':
        play.runOnce = reader.bool(value, key);
        break;
      case 'ignore_unreachable':
        play.ignoreUnreachable = reader.bool(value, key);
        break;
      case 'become_user':
        play.becomeUser = reader.string(value, key);
        break;
      case 'become_method':
        play.becomeMethod = reader.string(value, key);
        break;
      case 'remote_user':
        play.remoteUser = reader.string(value, key);
        break;
      case 'connection':
        play.connection = reader.string(value, key);
        break;
      case 'tags':
        play.tags = reader.stringList(value, key, true);
        break;
      case 'environment': {
        const env = reader.dict(value, key, true);
        if (env !== undefined) play.environment = env;
        break;
      }
      case 'vars':
        play.vars = reader.vars(value, key);
        break;
      case 'vars_files':
        play.varsFiles = await deps.readVarsFiles(value);
        break;
      case 'pre_tasks':
        play.preTasks = parseTaskList(value, key, ctx);
        break;
      case 'tasks':
        play.tasks = parseTaskList(value, key, ctx);
        break;
      case 'post_tasks':
        play.postTasks = parseTaskList(value, key, ctx);
        break;
      case 'handlers':
        play.handlers = parseTaskList(value, key, ctx, true) as Task[];
        break;
      case 'roles':
        rolesNode = value;
        break;
    }
  }
  await loadPlayContent(play, rolesNode, reader, deps, ctx);
  for (const k of ['become', 'becomeUser', 'becomeMethod', 'remoteUser', 'connection', 'runOnce', 'ignoreUnreachable'] as const) {
    if (play[k] === undefined) delete play[k];
  }
  if (!hostsSeen) reader.issue(node, "play has no 'hosts'; say which hosts it runs on (e.g. hosts: workers)");
  if (!play.name) play.name = play.hosts;
  checkNotifies(play, ctx, reader);
  return play;
}

/** Roles (before the play's tasks, as Ansible runs them), imports expanded, includes loaded, role handlers first. */
async function loadPlayContent(play: Play, rolesNode: YamlNode | null | undefined, reader: FieldReader, deps: PlayDeps, ctx: TaskContext): Promise<void> {
  const content = deps.content(ctx.notifies);
  const origin = { file: deps.file, chain: [] };
  const roleBlocks = rolesNode === undefined ? [] : await content.rolesSection(rolesNode, reader);
  play.preTasks = await content.expand(play.preTasks, origin);
  play.tasks = [...roleBlocks, ...(await content.expand(play.tasks, origin))];
  play.postTasks = await content.expand(play.postTasks, origin);
  for (const h of play.handlers) {
    if (h.module.startsWith('import_') || h.module.startsWith('include_')) reader.issues.push({ ...h.pos, message: `${h.module} in handlers is not supported; write each handler as a task` });
  }
  play.handlers = [...content.handlers, ...play.handlers];
  if (content.roles.length) play.roles = content.roles;
}

function readHosts(value: YamlNode | null, reader: FieldReader): string {
  const hosts = isSeq(value) ? reader.stringList(value, 'hosts', false).join(',') : (reader.string(value, 'hosts') ?? '');
  if (hosts.trim() === '') reader.issue(value, "'hosts' is empty; give a host pattern such as 'all' or a group name");
  return hosts.trim();
}

function readSerial(value: YamlNode | null, reader: FieldReader): SerialItem[] {
  const items = isSeq(value) ? seqItems(reader.src, value) : [value];
  const out: SerialItem[] = [];
  if (isSeq(value) && items.length === 0) return out;
  for (const item of items) {
    const v = reader.scalar(item);
    if (typeof v === 'string' && isTemplated(v)) {
      out.push(v);
      continue;
    }
    if (v === null && !isSeq(value)) continue; // `serial:` with no value: one batch, as when absent
    const problem = serialItemProblem(v);
    if (problem) reader.issue(item, problem);
    else out.push(v as SerialItem);
  }
  return out;
}

const PERCENTAGE_PROBLEM = "'max_fail_percentage' must be a number from 0 to 100";

/** 0..100 from a number or a string such as "25", "12.5" or "25%"; undefined for anything else. */
export function percentageValue(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(v) ? Number.parseFloat(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

/** A percentage, or a `{{ … }}` template kept as written (rendered with play vars and -e at batch planning). */
function readPercentage(value: YamlNode | null, reader: FieldReader): number | string | undefined {
  const v = reader.scalar(value);
  if (typeof v === 'string' && isTemplated(v)) return v;
  const n = percentageValue(v);
  if (n !== undefined) return n;
  reader.issue(value, PERCENTAGE_PROBLEM);
  return undefined;
}

/**
 * The play with a templated max_fail_percentage rendered against `vars` (the play's vars with -e on top,
 * as serial renders). A value that does not render to 0..100 is a ConfigError at the play, so a typo never
 * silently disables the stop rule.
 */
export function withRenderedMaxFailPercentage(play: Play, vars: Vars): Play {
  const template = play.maxFailPercentageTemplate;
  if (template === undefined) return play;
  const rendered = renderString(template, vars, { origin: play.pos });
  const pct = percentageValue(rendered);
  if (pct === undefined) {
    throw new ConfigError({ ...play.pos, message: `${PERCENTAGE_PROBLEM}; "${template}" rendered to ${JSON.stringify(rendered)}` });
  }
  return { ...play, maxFailPercentage: pct };
}

/**
 * The play with its templated keywords rendered against `vars` (play vars with -e on top), as Ansible's
 * PlaybookExecutor post-validates a play before it runs: max_fail_percentage and the name (serial and hosts render
 * in planning, gather_facts and become per host). A templated any_errors_fatal stays on, as in ansible-core 2.14
 * (its strategy reads the keyword unrendered: a non-empty string); `note` says so when the template renders false.
 */
export function withRenderedPlayKeywords(play: Play, vars: Vars): { play: Play; note?: string } {
  const out = withRenderedMaxFailPercentage(play, vars);
  const named = isTemplated(play.name) ? { ...out, name: quietRender(play.name, vars) } : out;
  const template = play.anyErrorsFatalTemplate;
  if (template === undefined) return { play: named };
  let rendered: string;
  try {
    rendered = String(renderBoolKeyword(template, 'any_errors_fatal', vars, { origin: play.pos }));
  } catch (err) {
    rendered = `an error (${(err as Error).message})`;
  }
  if (rendered === 'true') return { play: named };
  return { play: named, note: `play "${named.name}": any_errors_fatal "${template}" renders to ${rendered}, but ansible-core 2.14 does not render a play's any_errors_fatal (any template counts as true), so drydock keeps it on too; write any_errors_fatal: false to turn it off` };
}

function quietRender(template: string, vars: Vars): string {
  try {
    return String(renderString(template, vars, {}));
  } catch {
    return template;
  }
}

function plainBool(value: YamlNode | null, key: string, reader: FieldReader): boolean | undefined {
  const v = reader.bool(value, key);
  if (typeof v === 'string') {
    reader.issue(value, `'${key}' cannot be templated; write yes or no`);
    return undefined;
  }
  return v;
}

function readChoice<T extends string>(value: YamlNode | null, key: string, choices: readonly T[], reader: FieldReader): T | undefined {
  const v = reader.scalar(value);
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  reader.issue(value, `'${key}' must be one of ${choices.join(', ')}${typeof v === 'string' ? didYouMean(v, choices) : ''}`);
  return undefined;
}

function checkNotifies(play: Play, ctx: TaskContext, reader: FieldReader): void {
  const targets = new Set<string>();
  for (const h of play.handlers) {
    if (h.name !== undefined) targets.add(h.name);
    for (const topic of h.listen) targets.add(topic);
  }
  for (const ref of ctx.notifies) {
    if (isTemplated(ref.name) || targets.has(ref.name)) continue;
    const hint = targets.size ? didYouMean(ref.name, targets) || `; handlers here: ${[...targets].map((t) => `'${t}'`).join(', ')}` : '; this play defines no handlers';
    reader.issues.push({ ...ref.pos, message: `notify '${ref.name}' matches no handler name or listen topic in this play${hint}` });
  }
}
