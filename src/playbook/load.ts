/**
 * Loads a playbook file into a typed, validated Playbook: plays with their keywords, tasks, handlers,
 * vars_files (read now) and import_playbook (expanded, relative to the importing file, cycles refused).
 * Every problem in every file is collected and thrown once as a ConfigError with file:line:col issues,
 * so an admin fixes the whole playbook in one pass before any host is touched.
 */
import { dirname, relative, resolve } from 'node:path';
import { InputTooLargeError, readTextCapped } from '../util/read-capped.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Condition, Play, Playbook, VarsFile } from './model.js';
import type { ModuleRegistry } from './modules.js';
import type { ContentHost } from './content.js';
import { PlayContent } from './includes.js';
import { parsePlay } from './plays.js';
import type { NotifyRef } from './tasks.js';
import { FieldReader, IMPORT_PLAYBOOK_KEYS } from './schema.js';
import { didYouMean } from './suggest.js';
import { isTemplated } from './template.js';
import { isMap, isScalar, isSeq, mapEntries, parseYamlSource, seqItems, type MapEntry, type SourcePos, type YamlNode } from './yaml-source.js';

export interface LoadOptions {
  /** Module specs to validate tasks against: `moduleRegistry()` from the module catalogue (modules/catalogue.ts). */
  moduleRegistry: ModuleRegistry;
  /** Reads a file as UTF-8 (injected in tests); must reject with code ENOENT for a missing file. */
  readText?: (path: string) => Promise<string>;
  /** Directory that file names in messages are shown relative to (default: the current directory). */
  displayRoot?: string;
  /** Role directories searched after roles/ beside the playbook (default: ANSIBLE_ROLES_PATH, ':'-separated). */
  rolesPath?: readonly string[];
}

class PlaybookLoader {
  readonly issues: ConfigIssue[] = [];
  readonly files: string[] = [];
  private readonly registry: ModuleRegistry;
  private readonly readText: (path: string) => Promise<string>;
  private readonly rolesPath: readonly string[];

  constructor(
    private readonly rootDir: string,
    options: LoadOptions,
  ) {
    this.registry = options.moduleRegistry;
    this.readText = options.readText ?? ((p) => readTextCapped(p));
    this.rolesPath = (options.rolesPath ?? (process.env['ANSIBLE_ROLES_PATH'] ?? '').split(':').filter(Boolean)).map((d) => resolve(rootDir, d));
  }

  display(file: string): string {
    const rel = relative(this.rootDir, file);
    return rel.startsWith('..') ? file : rel;
  }

  private contentHost(file: string): ContentHost {
    return {
      issues: this.issues,
      registry: this.registry,
      read: (f) => this.read(f),
      display: (f) => this.display(f),
      playbookDir: dirname(file),
      rolesPath: this.rolesPath,
    };
  }

  /** Reads a file: its text, 'missing', or 'unreadable' (already reported, e.g. a directory or no permission). */
  private async read(file: string): Promise<string | 'missing' | 'unreadable'> {
    try {
      const text = await this.readText(file);
      if (!this.files.includes(file)) this.files.push(file);
      return text;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
      if (typeof code !== 'string') throw e;
      const why = e instanceof InputTooLargeError ? e.message : code === 'EISDIR' ? 'it is a directory' : code;
      this.issues.push({ file: this.display(file), message: `cannot read this file (${why})` });
      return 'unreadable';
    }
  }

  /** Loads one playbook file; `chain` holds the files importing it (for cycle detection). */
  async loadFile(file: string, chain: string[], from?: { reader: FieldReader; node: YamlNode }): Promise<Play[]> {
    const text = await this.read(file);
    if (text === 'unreadable') return [];
    if (text === 'missing') {
      const message = `playbook not found: ${this.display(file)}`;
      if (from) from.reader.issue(from.node, message);
      else this.issues.push({ message: `${message} (${file})` });
      return [];
    }
    const parsed = parseYamlSource(text, this.display(file));
    if (!parsed.ok) {
      this.issues.push(...parsed.issues);
      return [];
    }
    const src = parsed.source;
    const reader = new FieldReader(src, this.issues);
    const root = src.deref(src.doc.contents as YamlNode | null);
    if (root === null || (isScalar(root) && root.value === null)) {
      this.issues.push({ file: src.file, line: 1, col: 1, message: 'the playbook is empty; expected a list of plays' });
      return [];
    }
    if (!isSeq(root)) {
      reader.issue(root, 'a playbook must be a list of plays ("- hosts: …")');
      return [];
    }
    const plays: Play[] = [];
    for (const item of seqItems(src, root)) {
      if (!isMap(item)) {
        reader.issue(item, 'each item of a playbook must be a play (a map with hosts:) or an import_playbook');
        continue;
      }
      const entries = mapEntries(src, item);
      const importEntry = entries.find((e) => e.key === 'import_playbook' || e.key === 'ansible.builtin.import_playbook');
      if (importEntry) plays.push(...(await this.importPlaybook(file, entries, importEntry, chain, reader)));
      else {
        const deps = {
          registry: this.registry,
          readVarsFiles: (value: YamlNode | null) => this.readVarsFiles(value, file, reader),
          file,
          content: (notifies: NotifyRef[]) => new PlayContent(this.contentHost(file), notifies),
        };
        plays.push(await parsePlay(item, entries, reader, deps));
      }
    }
    return plays;
  }

  private async importPlaybook(file: string, entries: MapEntry[], entry: MapEntry, chain: string[], reader: FieldReader): Promise<Play[]> {
    const target = isScalar(entry.value) ? entry.value.value : undefined;
    if (typeof target !== 'string' || target.trim() === '') {
      reader.issue(entry.value ?? entry.keyNode, "'import_playbook' needs the path of a playbook file");
      return [];
    }
    if (isTemplated(target)) {
      reader.issue(entry.value, "'import_playbook' paths cannot be templated; they are resolved before the run");
      return [];
    }
    let vars: Record<string, unknown> = {};
    let when: Condition[] = [];
    let tags: string[] = [];
    for (const e of entries) {
      if (e === entry || e.key === 'name') continue;
      if (e.key === 'vars') vars = reader.vars(e.value, 'vars');
      else if (e.key === 'when') when = reader.conditions(e.value, 'when');
      else if (e.key === 'tags') tags = reader.stringList(e.value, 'tags', true);
      else reader.issue(e.keyNode, `'${e.key}' is not valid next to import_playbook${didYouMean(e.key, IMPORT_PLAYBOOK_KEYS)}`);
    }
    const resolved = resolve(dirname(file), target);
    const stack = [...chain, file];
    if (stack.includes(resolved)) {
      const cycle = [...stack.slice(stack.indexOf(resolved)), resolved].map((f) => this.display(f)).join(' -> ');
      reader.issue(entry.value, `import_playbook cycle: ${cycle}`);
      return [];
    }
    const plays = await this.loadFile(resolved, stack, { reader, node: entry.value! });
    const via = reader.pos(entry.keyNode);
    return plays.map((play) => ({
      ...play,
      vars: { ...vars, ...play.vars },
      when: [...when, ...play.when],
      tags: [...tags, ...play.tags],
      importedVia: [via, ...play.importedVia],
    }));
  }

  private async readVarsFiles(value: YamlNode | null, file: string, reader: FieldReader): Promise<VarsFile[]> {
    if (!isSeq(value)) {
      reader.issue(value, "'vars_files' must be a list of file paths");
      return [];
    }
    const out: VarsFile[] = [];
    for (const item of seqItems(reader.src, value)) {
      // A nested list means "the first of these that exists", as in Ansible.
      const candidates = isSeq(item) ? seqItems(reader.src, item) : [item];
      const written = candidates.map((c) => reader.scalar(c));
      if (!written.length || written.some((w) => typeof w !== 'string' || w === '')) {
        reader.issue(item, "each 'vars_files' entry must be a file path (or a list of alternatives)");
        continue;
      }
      const pos = reader.pos(item);
      const names = written as string[];
      if (names.some(isTemplated)) {
        out.push({ written: names.join(' | '), pos });
        continue;
      }
      const loaded = await this.loadVarsFile(names, file, pos, reader, item);
      if (loaded) out.push(loaded);
    }
    return out;
  }

  private async loadVarsFile(names: string[], file: string, pos: SourcePos, reader: FieldReader, node: YamlNode): Promise<VarsFile | undefined> {
    for (const name of names) {
      const path = resolve(dirname(file), name);
      const text = await this.read(path);
      if (text === 'unreadable') return undefined;
      if (text === 'missing') continue;
      const parsed = parseYamlSource(text, this.display(path));
      if (!parsed.ok) {
        this.issues.push(...parsed.issues);
        return undefined;
      }
      const root = parsed.source.doc.contents as YamlNode | null;
      if (root === null || (isScalar(root) && root.value === null)) return { written: name, pos, path, vars: {} };
      if (!isMap(root)) {
        this.issues.push({ ...parsed.source.pos(root), message: 'a vars file must be a map of variable names to values' });
        return undefined;
      }
      return { written: name, pos, path, vars: parsed.source.toJS(root) as Record<string, unknown> };
    }
    const tried = names.map((n) => this.display(resolve(dirname(file), n))).join(', ');
    reader.issue(node, `vars file not found: ${names.join(' or ')} (looked for ${tried})`);
    return undefined;
  }

}

/**
 * Loads and validates a playbook. Throws ConfigError listing every problem (YAML syntax, unknown keys,
 * unknown modules, bad arguments, bad serial, missing handlers and vars files, import cycles).
 */
export async function loadPlaybook(path: string, options: LoadOptions): Promise<Playbook> {
  const file = resolve(path);
  const loader = new PlaybookLoader(resolve(options.displayRoot ?? process.cwd()), options);
  const plays = await loader.loadFile(file, []);
  if (loader.issues.length) {
    const order = (i: ConfigIssue) => [i.file ?? '', i.line ?? 0, i.col ?? 0] as const;
    const sorted = [...loader.issues].sort((a, b) => {
      const [fa, la, ca] = order(a);
      const [fb, lb, cb] = order(b);
      return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
    });
    throw new ConfigError(sorted);
  }
  return { file, plays, files: loader.files };
}
