import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook as loadWith, type LoadOptions } from '../../../src/playbook/load.js';
import type { Block, Playbook, Task } from '../../../src/playbook/model.js';
import { LOOKUP_NAMES } from '../../../src/playbook/expr/lookups.js';

/** The loader with the catalogue's registry, as the commands use it. */
const loadPlaybook = (path: string, options: Partial<LoadOptions> = {}): Promise<Playbook> => loadWith(path, { moduleRegistry: moduleRegistry(), ...options });

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/playbook');

/** Loads a playbook from an in-memory file tree rooted at /pb. */
function loadInline(files: Record<string, string>, main = 'main.yml', options: Partial<LoadOptions> = {}): Promise<Playbook> {
  return loadPlaybook(`/pb/${main}`, {
    displayRoot: '/pb',
    readText: async (path) => {
      const key = path.replace(/^\/pb\//, '');
      if (Object.hasOwn(files, key)) return files[key]!;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    ...options,
  });
}

async function issuesOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  expect.fail('expected a ConfigError');
}

describe('playbook/load valid playbook', () => {
  let pb: Playbook;
  before(async () => {
    pb = await loadPlaybook(join(fixtures, 'valid/site.yml'), { displayRoot: fixtures });
  });

  it('reads play keywords with YAML 1.1 booleans and defaults', () => {
    const play = pb.plays[0]!;
    expect(play).to.include({ name: 'Upgrade workers', hosts: 'workers', order: 'sorted', become: true, gatherFacts: false, maxFailPercentage: 25 });
    expect(play).to.include({ strategy: 'linear', anyErrorsFatal: false, forceHandlers: false });
    expect(play.serial).to.deep.equal([1, '20%', '50%']);
    expect(play.pos).to.deep.equal({ file: 'valid/site.yml', line: 2, col: 3 });
  });

  it('loads vars_files relative to the playbook, in YAML 1.1 (yes → true, 0755 → 493)', () => {
    const vf = pb.plays[0]!.varsFiles[0]!;
    expect(vf.written).to.equal('vars/common.yml');
    expect(vf.path).to.equal(join(fixtures, 'valid/vars/common.yml'));
    expect(vf.vars).to.deep.equal({ cluster_name: 'lab', enabled: true, mode: 493 });
    expect(pb.files).to.include(vf.path);
  });

  it('normalises ansible.builtin.* module names and keeps the written name', () => {
    const drain = pb.plays[0]!.preTasks[0] as Task;
    expect(drain).to.include({ module: 'command', moduleWritten: 'ansible.builtin.command', name: 'Drain' });
    expect(drain.freeForm).to.equal('kubectl drain {{ inventory_hostname }} --ignore-daemonsets');
    expect(drain.delegateTo).to.equal("{{ groups['control_plane'][0] }}");
    expect(drain.changedWhen).to.deep.equal([false]);
    expect(drain.pos).to.deep.equal({ file: 'valid/site.yml', line: 15, col: 7 });
  });

  it('types module arguments per the spec (map, legacy key=value, free form with chdir/creates)', () => {
    const [install, legacy, freeForm] = pb.plays[0]!.tasks as Task[];
    expect(install!.args).to.deep.equal({ name: '{{ packages }}', state: 'latest', update_cache: true, allow_change_held_packages: true });
    expect(install!.notify).to.deep.equal(['restart kubelet']);
    expect(legacy!.args).to.deep.equal({ name: ['curl'], state: 'present', update_cache: true });
    expect(freeForm!.freeForm).to.equal('./configure --prefix=/usr && make');
    expect(freeForm!.args).to.deep.equal({ chdir: '/opt/src', creates: '/usr/bin/tool' });
  });

  it('reads block/rescue/always with their own keywords and positions', () => {
    const block = pb.plays[0]!.tasks[3] as Block;
    expect(block.kind).to.equal('block');
    expect(block.when).to.deep.equal(["kube_minor is version('1.28', '>=')", "inventory_hostname in groups['workers']"]);
    expect((block.block[0] as Task)).to.include({ register: 'result', freeForm: '/bin/false' });
    expect((block.block[0] as Task).failedWhen).to.deep.equal(['result.rc != 1']);
    expect((block.rescue[0] as Task).module).to.equal('debug');
    expect((block.always[0] as Task)).to.include({ module: 'meta', freeForm: 'flush_handlers' });
    expect(block.always[0]!.pos).to.deep.equal({ file: 'valid/site.yml', line: 40, col: 11 });
  });

  it('reads loops, loop_control, until/retries/delay and tags', () => {
    const [, , , , looped, wait] = pb.plays[0]!.tasks as Task[];
    expect(looped!.loop).to.deep.include({ style: 'loop', items: '{{ packages }}' });
    expect(looped!.loopControl).to.deep.equal({ loopVar: 'item', label: '{{ item }}' });
    expect(wait).to.deep.include({ until: [true], retries: 5, delay: 2, tags: ['network', 'wait'] });
    expect(wait!.args).to.deep.equal({ port: 6443, timeout: 60 });
  });

  it('reads handlers with listen topics', () => {
    const handler = pb.plays[0]!.handlers[0]!;
    expect(handler).to.include({ name: 'restart kubelet', module: 'systemd' });
    expect(handler.listen).to.deep.equal(['kubelet restarted']);
    expect(handler.args).to.deep.equal({ name: 'kubelet', state: 'restarted', daemon_reload: true });
  });
});

describe('playbook/load errors', () => {
  it('reports every problem at once with file:line:col', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'errors/many.yml'), { displayRoot: fixtures }));
    expect(issues).to.deep.equal([
      `errors/many.yml:3:11: serial value 'abc' is neither a host count (5) nor a percentage ("30%")`,
      "errors/many.yml:4:3: unknown play key 'ordr' (did you mean 'order'?)",
      "errors/many.yml:8:7: unknown task key 'whne' (did you mean 'when'?)",
      "errors/many.yml:10:7: unknown module 'aptt' (did you mean 'apt'?)",
      "errors/many.yml:14:7: a task runs exactly one module, but this one has 'command' and 'shell'; split it into separate tasks",
      "errors/many.yml:15:7: task has no module; add one such as 'command: …' (README.md lists drydock's modules)",
      `errors/many.yml:20:9: argument 'update_cache' of module 'apt' must be a boolean (yes/no/true/false), not string "maybe"`,
      `errors/many.yml:21:9: argument 'state' of module 'apt' must be one of absent, latest, present, not "installed"`,
      "errors/many.yml:23:7: module 'copy' requires argument 'dest'",
      "errors/many.yml:26:7: module 'service' needs one of 'state', 'enabled'",
      "errors/many.yml:28:9: module 'service' has no argument 'stat' (did you mean 'state'?); supported: name, state, enabled",
      "errors/many.yml:29:15: notify 'restart kubelt' matches no handler name or listen topic in this play (did you mean 'restart kubelet'?)",
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'errors/syntax.yml'), { displayRoot: fixtures }));
    expect(issues).to.have.length(1);
    expect(issues[0]).to.match(/^errors\/syntax\.yml:7:1: YAML syntax error: Flow sequence/);
  });

  it('reports template and condition syntax errors at load time', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'errors/templates.yml'), { displayRoot: fixtures }));
    expect(issues).to.deep.equal([
      `errors/templates.yml:5:13: 'when' expression "x ==": syntax error: expected a value, found end of expression at column 5`,
      'errors/templates.yml:8:14: template "{{ foo | }}": syntax error: expected a filter or test name, found end of expression at column 10',
    ]);
  });

  it('reports duplicate keys and unsupported tags such as !vault', async () => {
    const yaml = ['- hosts: all', '  hosts: web', '  vars:', '    secret: !vault |', '      $ANSIBLE_VAULT;1.1;AES256', ''].join('\n');
    const issues = await issuesOf(loadInline({ 'main.yml': yaml }));
    expect(issues[0]).to.match(/^main\.yml:2:3: YAML syntax error: Map keys must be unique/);
    expect(issues[1]).to.match(/^main\.yml:4:13: unsupported YAML tag: .*!vault.*\(Ansible Vault and !unsafe are not supported\)/);
  });

  it('reports each template error once, inside blocks and args: too', async () => {
    const yaml = ['- hosts: all', '  tasks:', '    - block:', '        - command: echo', '          args:', '            chdir: "{{ a | }}"', '      when: "{{ b }}"', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      'main.yml:6:20: template "{{ a | }}": syntax error: expected a filter or test name, found end of expression at column 8',
    ]);
  });

  it('reports a missing vars file at its entry', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'errors/vars-missing.yml'), { displayRoot: fixtures }));
    expect(issues).to.deep.equal(['errors/vars-missing.yml:3:7: vars file not found: vars/nope.yml (looked for errors/vars/nope.yml)']);
  });

  it('reports a missing playbook', async () => {
    const issues = await issuesOf(loadInline({}, 'nope.yml'));
    expect(issues[0]).to.equal('playbook not found: nope.yml (/pb/nope.yml)');
  });

  it('reports a directory given as the playbook without a stack trace', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'valid'), { displayRoot: fixtures }));
    expect(issues).to.deep.equal(['valid: cannot read this file (it is a directory)']);
  });

  it('reports an empty playbook and a playbook that is not a list', async () => {
    expect(await issuesOf(loadInline({ 'main.yml': '# nothing\n' }))).to.deep.equal(['main.yml:1:1: the playbook is empty; expected a list of plays']);
    expect(await issuesOf(loadInline({ 'main.yml': 'hosts: all\n' }))).to.deep.equal(['main.yml:1:1: a playbook must be a list of plays ("- hosts: …")']);
  });

  it('requires hosts and explains unsupported and misplaced play keys', async () => {
    const issues = await issuesOf(loadInline({ 'main.yml': '- name: x\n  roles: [common]\n  command: ls\n  tasks: []\n' }));
    expect(issues).to.deep.equal([
      "main.yml:1:3: play has no 'hosts'; say which hosts it runs on (e.g. hosts: workers)",
      "main.yml:2:11: role 'common' not found (looked in roles/common, common; set ANSIBLE_ROLES_PATH for other places)",
      "main.yml:3:3: 'command' is a task keyword or module, not a play key; put it in a task under 'tasks:'",
    ]);
  });

  it('validates order, strategy, max_fail_percentage and boolean keywords', async () => {
    const yaml = ['- hosts: all', '  order: sorteed', '  strategy: host_pinned', '  max_fail_percentage: 120', '  any_errors_fatal: maybe', '  serial: [1, true]', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      "main.yml:2:10: 'order' must be one of inventory, reverse_inventory, sorted, reverse_sorted, shuffle (did you mean 'sorted'?)",
      "main.yml:3:13: 'strategy' must be one of linear, free",
      "main.yml:4:24: 'max_fail_percentage' must be a number from 0 to 100",
      "main.yml:5:21: 'any_errors_fatal' must be a boolean (yes/no/true/false) or a {{ template }}",
      'main.yml:6:15: serial value must be a number, a "N%" string or a list of them, not boolean',
    ]);
  });

  it('reports notify without any handlers, and checks each item of a notify list', async () => {
    const yaml = ['- hosts: all', '  tasks:', '    - command: ls', '      notify:', '        - first', '        - second', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      "main.yml:5:11: notify 'first' matches no handler name or listen topic in this play; this play defines no handlers",
      "main.yml:6:11: notify 'second' matches no handler name or listen topic in this play; this play defines no handlers",
    ]);
  });

  it('rejects block misuse, two loops, listen outside handlers, bad loop_control and meta typos', async () => {
    const yaml = [
      '- hosts: all',
      '  tasks:',
      '    - block:',
      '        - command: ls',
      '      command: ls',
      '    - rescue: []',
      '      command: ls',
      '    - command: ls',
      '      loop: [1]',
      '      with_items: [2]',
      '      listen: x',
      '      loop_control: { loop_vr: y }',
      '    - meta: flush_handler',
      '    - command: ls',
      '      with_nosuch: "*.conf"',
      '',
    ].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      "main.yml:5:7: a block cannot run a module itself; move 'command' into a task inside the block",
      "main.yml:6:7: 'rescue' is only valid next to 'block'",
      "main.yml:10:7: a task takes one loop, but this one has 'loop' and 'with_items'",
      "main.yml:11:7: 'listen' is only valid on handlers",
      "main.yml:12:23: unknown loop_control key 'loop_vr' (did you mean 'loop_var'?)",
      "main.yml:13:7: 'meta: flush_handler' is not supported; use one of flush_handlers, noop, clear_host_errors, end_batch, end_host, end_play (did you mean 'flush_handlers'?)",
      `main.yml:15:7: 'with_nosuch' is not supported; use loop: (with_<lookup> works for ${LOOKUP_NAMES.join(', ')})`,
    ]);
  });

  it('explains unsupported task keys and modules', async () => {
    const yaml = ['- hosts: all', '  tasks:', '    - local_action: command ls', '    - include_tasks: other.yml', '    - command: ls', '      delegate_facts: true', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      'main.yml:3:7: local_action is not supported; use delegate_to: localhost',
      "main.yml:4:7: include_tasks: file not found: other.yml (looked for other.yml)",
      'main.yml:6:7: delegate_facts is not supported',
    ]);
  });

  it('rejects free-form text for modules that take none, and non-map arguments', async () => {
    const yaml = ['- hosts: all', '  tasks:', '    - apt: curl', '    - service: [kubelet]', '    - set_fact: {}', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      "main.yml:3:12: module 'apt' takes no free-form text ('curl'); write its arguments as a map (key: value)",
      "main.yml:4:16: arguments of module 'service' must be a map (key: value) or a string",
      "main.yml:5:7: module 'set_fact' needs at least one key: value pair",
    ]);
  });

  it('rejects invalid keyword values on tasks', async () => {
    const yaml = [
      '- hosts: all',
      '  tasks:',
      '    - command: ls',
      '      register: "my result"',
      '      retries: -1',
      '      become: sometimes',
      '      vars: [a]',
      '      when: [x ==]',
      '    - debug: msg=x',
      '      loop: abc',
      '',
    ].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml }))).to.deep.equal([
      "main.yml:4:17: 'register' needs a variable name (letters, digits, _), not 'my result'",
      "main.yml:5:16: 'retries' must be a whole number (0 or more) or a {{ template }}",
      "main.yml:6:15: 'become' must be a boolean (yes/no/true/false) or a {{ template }}",
      "main.yml:7:13: 'vars' must be a map of names to values",
      `main.yml:8:14: 'when' expression "x ==": syntax error: expected a value, found end of expression at column 5`,
      "main.yml:10:13: 'loop' must be a list or a {{ template }} that renders to one",
    ]);
  });
});

describe('playbook/load features', () => {
  it('accepts yes/no/on/off and quoted "yes" as booleans, and templates where allowed', async () => {
    const yaml = ['- hosts: all', '  gather_facts: off', '  become: "{{ need_root }}"', '  tasks:', '    - command: ls', '      ignore_errors: on', '      no_log: "yes"', ''].join('\n');
    const pb = await loadInline({ 'main.yml': yaml });
    expect(pb.plays[0]).to.include({ gatherFacts: false, become: '{{ need_root }}' });
    expect(pb.plays[0]!.tasks[0]).to.include({ ignoreErrors: true, noLog: true });
  });

  it('reads serial as a count, a percentage, a template or nothing', async () => {
    const yaml = ['- hosts: a', '  serial: 2', '- hosts: b', '  serial: "30%"', '- hosts: c', '  serial: "{{ batch }}"', '- hosts: d', '  serial:', ''].join('\n');
    const pb = await loadInline({ 'main.yml': yaml });
    expect(pb.plays.map((p) => p.serial)).to.deep.equal([[2], ['30%'], ['{{ batch }}'], []]);
  });

  it('takes a hosts list, defaults the play name to the pattern, and allows an empty play', async () => {
    const pb = await loadInline({ 'main.yml': '- hosts: [web, db]\n' });
    expect(pb.plays[0]).to.include({ hosts: 'web,db', name: 'web,db' });
    expect(pb.plays[0]!.tasks).to.deep.equal([]);
  });

  it('resolves argument aliases and reports duplicates', async () => {
    const ok = await loadInline({ 'main.yml': '- hosts: all\n  tasks:\n    - apt: { pkg: [a, b], update-cache: yes }\n' });
    expect(ok.plays[0]!.tasks[0]).to.deep.include({ args: { name: ['a', 'b'], update_cache: true } });
    const issues = await issuesOf(loadInline({ 'main.yml': '- hosts: all\n  tasks:\n    - apt: { name: a, pkg: b }\n' }));
    expect(issues).to.deep.equal(["main.yml:3:23: 'pkg' and 'name' are the same argument of module 'apt'; give it once"]);
  });

  it('merges args: with the module arguments (free-form command plus args: chdir)', async () => {
    const pb = await loadInline({ 'main.yml': '- hosts: all\n  tasks:\n    - command: make install\n      args:\n        chdir: /src\n' });
    expect(pb.plays[0]!.tasks[0]).to.deep.include({ freeForm: 'make install', args: { chdir: '/src' } });
  });

  it('keeps multi-line shell scripts verbatim', async () => {
    const yaml = '- hosts: all\n  tasks:\n    - shell: |\n        set -e\n        echo  "a  b"\n';
    const pb = await loadInline({ 'main.yml': yaml });
    expect((pb.plays[0]!.tasks[0] as Task).freeForm).to.equal('set -e\necho  "a  b"\n');
  });

  it('expands << merge keys in tasks', async () => {
    const yaml = ['- hosts: all', '  vars:', '    defaults: &d { become: yes, tags: [x] }', '  tasks:', '    - <<: *d', '      command: ls', ''].join('\n');
    const pb = await loadInline({ 'main.yml': yaml });
    expect(pb.plays[0]!.tasks[0]).to.deep.include({ become: true, tags: ['x'] });
  });

  it('reads with_items/with_dict loops and templated vars_files for run-time resolution', async () => {
    const yaml = ['- hosts: all', '  vars_files:', '    - "vars/{{ env }}.yml"', '    - [missing.yml, present.yml]', '  tasks:', '    - debug: var=item', '      with_dict: { a: 1 }', ''].join('\n');
    const pb = await loadInline({ 'main.yml': yaml, 'present.yml': 'x: 1\n' });
    const play = pb.plays[0]!;
    expect(play.varsFiles.map((v) => [v.written, v.path, v.vars])).to.deep.equal([
      ['vars/{{ env }}.yml', undefined, undefined],
      ['present.yml', '/pb/present.yml', { x: 1 }],
    ]);
    expect((play.tasks[0] as Task).loop).to.deep.include({ style: 'with_dict', items: { a: 1 } });
  });

  it('validates tasks against modules added to the registry', async () => {
    const registry = moduleRegistry().register({ name: 'kube_drain', args: { node: { type: 'str', required: true }, timeout: { type: 'int', default: 300 } } });
    const pb = await loadInline({ 'main.yml': '- hosts: all\n  tasks:\n    - drydock.kube_drain: {}\n    - kube_drain: { node: w1, timeout: "60" }\n' }, 'main.yml', { moduleRegistry: registry }).catch((e: ConfigError) => e);
    expect(pb).to.be.instanceOf(ConfigError);
    expect((pb as ConfigError).issues.map((i) => i.message)[0]).to.match(/unknown module 'drydock.kube_drain' \(did you mean 'kube_drain'\? only the ansible.builtin. and ansible.legacy. prefixes/);
    const ok = await loadInline({ 'main.yml': '- hosts: all\n  tasks:\n    - kube_drain: { node: w1, timeout: "60" }\n' }, 'main.yml', { moduleRegistry: registry });
    expect(ok.plays[0]!.tasks[0]).to.deep.include({ module: 'kube_drain', args: { node: 'w1', timeout: 60 } });
  });
});

describe('playbook/load import_playbook', () => {
  it('expands imports in order, relative to the importing file, carrying vars, when and the import chain', async () => {
    const pb = await loadPlaybook(join(fixtures, 'imports/main.yml'), { displayRoot: fixtures });
    expect(pb.plays.map((p) => p.name)).to.deep.equal(['First', 'Second', 'Local play', 'Second']);
    const [first, nestedSecond, local, second] = pb.plays;
    expect(first!.vars).to.deep.equal({ from_import: 1, own: 2 });
    expect(first!.when).to.deep.equal(['run_first | default(true)']);
    expect(first!.importedVia).to.deep.equal([{ file: 'imports/main.yml', line: 1, col: 3 }]);
    expect(first!.pos.file).to.equal('imports/sub/first.yml');
    expect(nestedSecond!.importedVia).to.deep.equal([
      { file: 'imports/main.yml', line: 1, col: 3 },
      { file: 'imports/sub/first.yml', line: 7, col: 3 },
    ]);
    expect(nestedSecond!.vars).to.deep.equal({ from_import: 1 });
    expect(local!.importedVia).to.deep.equal([]);
    expect(second!.importedVia).to.deep.equal([{ file: 'imports/main.yml', line: 9, col: 3 }]);
  });

  it('refuses an import cycle, naming the chain', async () => {
    const issues = await issuesOf(loadPlaybook(join(fixtures, 'cycle/a.yml'), { displayRoot: fixtures }));
    expect(issues).to.deep.equal(['cycle/b.yml:5:20: import_playbook cycle: cycle/a.yml -> cycle/b.yml -> cycle/a.yml']);
  });

  it('refuses a playbook importing itself, templated paths, missing files and stray keys', async () => {
    const yaml = ['- import_playbook: main.yml', '- import_playbook: "{{ x }}.yml"', '- import_playbook: gone.yml', '- import_playbook: other.yml', '  hosts: all', ''].join('\n');
    expect(await issuesOf(loadInline({ 'main.yml': yaml, 'other.yml': '- hosts: all\n' }))).to.deep.equal([
      'main.yml:1:20: import_playbook cycle: main.yml -> main.yml',
      "main.yml:2:20: 'import_playbook' paths cannot be templated; they are resolved before the run",
      'main.yml:3:20: playbook not found: gone.yml',
      "main.yml:5:3: 'hosts' is not valid next to import_playbook",
    ]);
  });

  it('reports problems inside imported files at their own position', async () => {
    const issues = await issuesOf(loadInline({ 'main.yml': '- import_playbook: sub/x.yml\n', 'sub/x.yml': '- hosts: all\n  tasks:\n    - nope: 1\n' }));
    expect(issues[0]).to.match(/^sub\/x\.yml:3:7: unknown module 'nope'/);
  });
});
