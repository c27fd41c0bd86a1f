/**
 * Issue 15 item 8: crafted YAML ends in a positioned input error (a ConfigError with file, line and column),
 * never a stack trace or minutes of CPU: alias bombs, aliases with no anchor, oversized and unreadable files,
 * on every path that reads a user's YAML (inventory, group_vars, playbook, -e @file) and --limit @file.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExtraVarsFile } from '../../../src/cli/options.js';
import { ConfigError, type ConfigIssue } from '../../../src/errors.js';
import { loadInventory, readLimitFile } from '../../../src/inventory/index.js';
import type { InventoryFs } from '../../../src/inventory/index.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { MAX_INPUT_BYTES } from '../../../src/util/read-capped.js';
import { aliasBomb } from '../../helpers/crafted-yaml.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';

async function issuesOf(work: Promise<unknown> | (() => unknown)): Promise<ConfigIssue[]> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    expect(err, (err as Error).stack).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  return expect.fail('expected a ConfigError');
}

describe('crafted YAML is a positioned input error', function () {
  this.timeout(20_000);
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-crafted-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('an alias bomb', () => {
    it('in an inventory', async () => {
      const path = file('bomb.yaml', `all:\n  vars:\n${aliasBomb('    ')}  hosts:\n    h1:\n`);
      const [issue] = await issuesOf(loadInventory([path]));
      expect(issue).to.include({ file: path }).and.have.property('line').that.is.within(3, 12);
      expect(issue!.message).to.match(/alias/);
    });

    it('in group_vars', async () => {
      const inv = file('gv.ini', '[web]\nh1\n');
      mkdirSync(join(dir, 'group_vars'), { recursive: true });
      const gv = file('group_vars/web.yml', aliasBomb(''));
      const [issue] = await issuesOf(loadInventory([inv]));
      expect(issue).to.include({ file: gv }).and.have.property('line').that.is.a('number');
      rmSync(join(dir, 'group_vars'), { recursive: true, force: true });
    });

    it('in a playbook, even when only its syntax is checked', async () => {
      const path = file('bomb-play.yaml', `- hosts: all\n  vars:\n${aliasBomb('    ')}  tasks:\n    - command: "true"\n`);
      const [issue] = await issuesOf(loadPlaybook(path, { moduleRegistry: moduleRegistry(), displayRoot: dir }));
      expect(issue).to.include({ file: 'bomb-play.yaml' }).and.have.property('line').that.is.within(3, 12);
    });

    it('in -e @file', async () => {
      const path = file('vars-bomb.yaml', aliasBomb(''));
      const [issue] = await issuesOf(() => readExtraVarsFile(path));
      expect(issue).to.include({ file: path }).and.have.property('line').that.is.within(1, 10);
    });
  });

  describe('an alias with no anchor', () => {
    it('in an inventory, at its line and column', async () => {
      const path = file('unres.yaml', 'all:\n  hosts:\n    h1:\n      x: *nope\n');
      expect(await issuesOf(loadInventory([path]))).to.have.deep.members([
        { file: path, line: 4, col: 10, message: 'YAML alias "*nope" refers to no anchor "&nope" defined before it' },
      ]);
    });

    it('in a playbook', async () => {
      const path = file('unres-play.yaml', '- hosts: all\n  vars:\n    x: *nope\n  tasks:\n    - command: "true"\n');
      const [issue] = await issuesOf(loadPlaybook(path, { moduleRegistry: moduleRegistry(), displayRoot: dir }));
      expect(issue).to.include({ file: 'unres-play.yaml', line: 3, col: 8 });
    });

    it('in -e @file', async () => {
      const path = file('unres-vars.yaml', 'a: 1\nb: *nope\n');
      expect(await issuesOf(() => readExtraVarsFile(path))).to.have.length(1).and.nested.property('[0].line', 2);
    });
  });

  describe('a "<<" merge of something that is not a map (found by the fuzz test)', () => {
    it('in an inventory', async () => {
      const path = file('merge.yaml', 'all:\n  vars:\n    <<: 3\n  hosts:\n    h1:\n');
      const [issue] = await issuesOf(loadInventory([path]));
      expect(issue).to.include({ file: path }).and.have.property('line').that.is.a('number');
    });

    it('in a playbook', async () => {
      const path = file('merge-play.yaml', '- hosts: all\n  vars:\n    <<: 3\n  tasks:\n    - command: "true"\n');
      const [issue] = await issuesOf(loadPlaybook(path, { moduleRegistry: moduleRegistry(), displayRoot: dir }));
      expect(issue).to.have.property('line').that.is.a('number');
    });

    it('in -e @file', async () => {
      const path = file('merge-vars.yaml', 'a: 1\n<<: 3\n');
      await issuesOf(() => readExtraVarsFile(path));
    });
  });

  describe('an alias inside the node it names (a structure that contains itself)', () => {
    it('in an inventory, at the alias', async () => {
      const path = file('recursive.yaml', 'all:\n  vars:\n    x: &a [1, *a]\n  hosts:\n    h1:\n');
      const issues = await issuesOf(loadInventory([path]));
      expect(issues).to.have.length(1);
      expect(issues[0]).to.include({ file: path, line: 3, col: 15 });
    });

    it('in a playbook', async () => {
      const path = file('recursive-play.yaml', '- hosts: all\n  vars:\n    x: &a {y: *a}\n  tasks:\n    - debug: var=x\n');
      const [issue] = await issuesOf(loadPlaybook(path, { moduleRegistry: moduleRegistry(), displayRoot: dir }));
      expect(issue).to.include({ line: 3 });
    });
  });

  it('still reads ordinary anchors, aliases and merge keys', async () => {
    const path = file('anchors.yaml', 'all:\n  vars:\n    base: &base {port: 22}\n    more:\n      <<: *base\n      user: root\n  hosts:\n    h1:\n');
    const inv = await loadInventory([path]);
    expect(inv.groups.get('all')!.vars['more']).to.deep.equal({ port: 22, user: 'root' });
  });

  describe(`more than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`, () => {
    it('from /dev/zero as an inventory', async () => {
      const [issue] = await issuesOf(loadInventory(['/dev/zero']));
      expect(issue).to.include({ file: '/dev/zero' });
      expect(issue!.message).to.include('MiB');
    });

    it('from /dev/zero as a playbook, -e @file and --limit @file', async () => {
      const [issue] = await issuesOf(loadPlaybook('/dev/zero', { moduleRegistry: moduleRegistry() }));
      expect(issue!.message).to.include('MiB');
      expect((await issuesOf(() => readExtraVarsFile('/dev/zero')))[0]!.message).to.include('MiB');
      expect((await issuesOf(() => readLimitFile('/dev/zero')))[0]!.message).to.include('MiB');
    });
  });

  it('an inventory source that cannot even be looked at (ELOOP, ENAMETOOLONG) or listed (EACCES)', async () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
    const failing: InventoryFs = {
      readText: async () => 'h1\n',
      kind: async (path) => {
        if (path === '/inv/loop') throw errno('ELOOP');
        if (path === '/inv/long') throw errno('ENAMETOOLONG');
        return path === '/inv/closed' || path === '/inv' ? 'dir' : undefined;
      },
      list: async (dir) => {
        if (dir === '/inv/closed') throw errno('EACCES');
        return [];
      },
    };
    const issues = await issuesOf(loadInventory(['/inv/loop', '/inv/long', '/inv/closed'], { fs: failing }));
    expect(issues.map((i) => i.file)).to.deep.equal(['/inv/loop', '/inv/long', '/inv/closed']);
    expect(issues[2]!.message).to.include('permission denied');
  });

  it('an inventory file that cannot be read', async () => {
    const failing: InventoryFs = {
      readText: async (path) => {
        throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      },
      kind: async () => 'file',
      list: async () => [],
    };
    const issues = await issuesOf(loadInventory(['/etc/drydock/hosts.ini'], { fs: failing }));
    expect(issues).to.have.length(1);
    expect(issues[0]).to.include({ file: '/etc/drydock/hosts.ini' });
    expect(issues[0]!.message).to.include('permission denied');
  });
});
