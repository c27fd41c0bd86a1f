import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook, type LoadOptions } from '../../../src/playbook/load.js';
import type { Block, Playbook, Task, TaskItem } from '../../../src/playbook/model.js';
import { playbookFingerprint, tasksById } from '../../../src/engine/task-ids.js';

/** Loads /pb/site.yml from an in-memory tree (paths relative to /pb). */
function load(files: Record<string, string>, options: Partial<LoadOptions> = {}): Promise<Playbook> {
  return loadPlaybook('/pb/site.yml', {
    moduleRegistry: moduleRegistry(),
    displayRoot: '/pb',
    rolesPath: [],
    readText: async (path) => {
      const key = path.replace(/^\/pb\//, '');
      if (Object.hasOwn(files, key)) return files[key]!;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    ...options,
  });
}

async function issues(files: Record<string, string>, options: Partial<LoadOptions> = {}): Promise<string[]> {
  try {
    await load(files, options);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  return expect.fail('expected a ConfigError');
}

const names = (items: TaskItem[]): string[] => items.flatMap((i) => (i.kind === 'block' ? [`[${i.role?.name ?? 'block'}`, ...names(i.block), ']'] : [i.name ?? i.module]));

const play = (body: string): string => `- hosts: all\n  gather_facts: false\n${body}`;

describe('playbook/roles: loading', () => {
  it('expands roles: into role blocks before the tasks, dependencies first, with defaults, vars, params and handlers', async () => {
    const pb = await load({
      'site.yml': play('  roles:\n    - role: web\n      port: 8080\n      tags: [w]\n      when: x is defined\n  tasks:\n    - name: own\n      debug: msg=hi\n      notify: "web : restart"\n'),
      'roles/web/meta/main.yml': 'dependencies:\n  - role: base\n',
      'roles/web/defaults/main.yml': 'port: 80\n',
      'roles/web/vars/main.yaml': 'greeting: hello\n',
      'roles/web/tasks/main.yml': '- name: web task\n  debug: msg=web\n  notify: restart\n',
      'roles/web/handlers/main.yml': '- name: restart\n  debug: msg=restart\n',
      'roles/base/tasks/main': '- name: base task\n  debug: msg=base\n',
    });
    const p = pb.plays[0]!;
    expect(names(p.tasks)).to.deep.equal(['[web', '[base', 'base task', ']', 'web task', ']', 'own']);
    const web = p.tasks[0] as Block;
    expect(web.role).to.deep.include({ name: 'web', path: '/pb/roles/web', defaults: { port: 80 }, vars: { greeting: 'hello' }, params: { port: 8080 } });
    expect(web.tags).to.deep.equal(['w']);
    expect(web.when).to.deep.equal(['x is defined']);
    expect(p.roles?.map((r) => r.name)).to.deep.equal(['web', 'base']);
    expect(p.handlers.map((h) => [h.name, h.listen, h.role?.name])).to.deep.equal([['restart', ['web : restart'], 'web']]);
    expect((web.block[1] as Task).searchPath).to.deep.equal(['/pb/roles/web', '/pb/roles/web/tasks', '/pb']);
  });

  it('runs a role once per parameters unless its meta allows duplicates', async () => {
    const base = { 'roles/a/tasks/main.yml': '- debug: msg=a\n', 'roles/b/tasks/main.yml': '- debug: msg=b\n', 'roles/b/meta/main.yml': 'allow_duplicates: true\n' };
    const pb = await load({ ...base, 'site.yml': play('  roles: [a, a, {role: a, x: 1}, b, b]\n') });
    expect(names(pb.plays[0]!.tasks)).to.deep.equal(['[a', 'debug', ']', '[a', 'debug', ']', '[b', 'debug', ']', '[b', 'debug', ']']);
  });

  it('finds roles in ANSIBLE_ROLES_PATH (rolesPath) after roles/ beside the playbook', async () => {
    const pb = await load({ 'site.yml': play('  roles: [shared]\n'), 'elsewhere/shared/tasks/main.yml': '- debug: msg=s\n' }, { rolesPath: ['/pb/elsewhere'] });
    expect((pb.plays[0]!.tasks[0] as Block).role?.path).to.equal('/pb/elsewhere/shared');
  });

  it('import_tasks becomes a block with its keywords; include_tasks keeps its task with the loaded tasks; import_role is static', async () => {
    const pb = await load({
      'site.yml': play('  tasks:\n    - import_tasks: t/a.yml\n      when: go\n    - include_tasks:\n        file: t/a.yml\n      loop: [1, 2]\n    - import_role:\n        name: r\n        tasks_from: other\n'),
      't/a.yml': '- name: in a\n  debug: msg=a\n- import_tasks: b.yml\n',
      't/b.yml': '- name: in b\n  debug: msg=b\n',
      'roles/r/tasks/other.yml': '- name: other\n  debug: msg=o\n',
    });
    const [imp, inc, role] = pb.plays[0]!.tasks as [Block, Task, Block];
    expect(imp.kind).to.equal('block');
    expect(imp.when).to.deep.equal(['go']);
    expect(names(imp.block)).to.deep.equal(['in a', '[block', 'in b', ']']);
    expect(inc.module).to.equal('include_tasks');
    expect(names(inc.include!.body)).to.deep.equal(['in a', '[block', 'in b', ']']);
    expect(names([role])).to.deep.equal(['[r', 'other', ']']);
  });

  it('gives role and import tasks ids that are the same on every load', async () => {
    const files = { 'site.yml': play('  roles: [r]\n  tasks:\n    - import_tasks: t.yml\n'), 'roles/r/tasks/main.yml': '- name: r1\n  debug: msg=1\n', 't.yml': '- name: t1\n  debug: msg=1\n' };
    const [one, two] = [await load(files), await load(files)];
    expect([...tasksById(one).entries()].map(([id, t]) => `${id} ${t.name}`)).to.deep.equal(['0.tasks/0/block/0 r1', '0.tasks/1/block/0 t1']);
    expect(playbookFingerprint(one)).to.equal(playbookFingerprint(two));
  });
});

describe('playbook/roles: refusals at load time, at file:line:col', () => {
  it('reports problems inside a role at the role file\'s own position', async () => {
    expect(await issues({ 'site.yml': play('  roles: [web]\n'), 'roles/web/tasks/main.yml': '- name: x\n  aptt: name=y\n' })).to.deep.equal([
      "roles/web/tasks/main.yml:2:3: unknown module 'aptt' (did you mean 'apt'?)",
    ]);
  });

  it('names a missing role and where it looked, and refuses collection roles clearly', async () => {
    expect(await issues({ 'site.yml': play('  roles:\n    - nope\n    - community.general.thing\n    - role: "{{ r }}"\n') })).to.deep.equal([
      "site.yml:4:7: role 'nope' not found (looked in roles/nope, nope; set ANSIBLE_ROLES_PATH for other places)",
      "site.yml:5:7: role 'community.general.thing' is a collection role (namespace.collection.role); collections are not supported: copy the role into roles/ beside the playbook",
      'site.yml:6:13: role name "{{ r }}" cannot be templated: roles are loaded before the run; name the role',
    ]);
  });

  it('refuses templated role names, loops on imports, missing files, cycles and missing include_vars files', async () => {
    const got = await issues({
      'site.yml': play('  tasks:\n    - include_role:\n        name: "{{ os }}"\n    - import_tasks: a.yml\n      loop: [1]\n    - import_tasks: missing.yml\n    - import_tasks: loop.yml\n    - include_vars: nothere.yml\n'),
      'a.yml': '- debug: msg=a\n',
      'loop.yml': '- import_tasks: loop.yml\n',
    });
    expect(got).to.deep.equal([
      'loop.yml:1:3: import_tasks cycle: loop.yml includes itself',
      'site.yml:4:7: include_role with a templated role name ("{{ os }}") is not supported: roles are loaded before the run',
      'site.yml:6:7: import_tasks cannot loop (it is static); use include_tasks with the loop',
      'site.yml:8:7: import_tasks: file not found: missing.yml (looked for missing.yml)',
      'site.yml:10:7: include_vars: file not found: nothere.yml (looked for vars/nothere.yml, nothere.yml)',
    ]);
  });

  it('reports a broken vars file of a role and a role dependency cycle', async () => {
    const got = await issues({
      'site.yml': play('  roles: [a]\n'),
      'roles/a/meta/main.yml': 'dependencies: [b]\n',
      'roles/a/defaults/main.yml': '- not a map\n',
      'roles/b/meta/main.yml': 'dependencies: [a]\n',
    });
    expect(got).to.deep.equal(['roles/a/defaults/main.yml:1:1: a vars file must be a map of variable names to values', 'roles/b/meta/main.yml:1:16: role dependency cycle: a -> b -> a']);
  });
});
