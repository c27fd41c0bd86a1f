/**
 * with_<lookup> loops against the ansible-playbook 2.14.18 run recorded in test/fixtures/ansible/lookups/with.yml:
 * the playbook goes through drydock's loader, each task's loop is rendered and its debug msg templated per item.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installControllerPort } from '../../../../src/cli/controller-port.js';
import { moduleRegistry } from '../../../../src/modules/catalogue.js';
import { ConfigError } from '../../../../src/errors.js';
import { renderLoopItems } from '../../../../src/playbook/keywords.js';
import { loadPlaybook } from '../../../../src/playbook/load.js';
import type { Task } from '../../../../src/playbook/model.js';
import { renderValue } from '../../../../src/playbook/template.js';
import { useControllerPort } from '../../../../src/playbook/expr/lookups.js';
import { comparable } from '../../../helpers/ansible-replay.js';

const dir = fileURLToPath(new URL('../../../fixtures/ansible/lookups/', import.meta.url));

describe('with_<lookup> loops: parity with ansible-playbook 2.14.18 (recorded)', () => {
  before(() => {
    installControllerPort();
    process.env.DRYDOCK_T = 'hello';
  });
  after(() => {
    delete process.env.DRYDOCK_T;
    useControllerPort(undefined);
  });

  it('with.yml loops over the items Ansible looped over', async () => {
    const playbook = await loadPlaybook(`${dir}with.yml`, { moduleRegistry: moduleRegistry() });
    const play = playbook.plays[0]!;
    const expected = JSON.parse(readFileSync(`${dir}with.expected.json`, 'utf8')) as { items: unknown[] }[];
    const tasks = play.tasks as Task[];
    expect(tasks.length).to.equal(expected.length);
    tasks.forEach((task, i) => {
      const vars = { ...play.vars, playbook_dir: dir.replace(/\/$/, '') };
      const items = renderLoopItems(task.loop!, vars);
      let got = items.map((item, j) => comparable(renderValue(task.args.msg, { ...vars, item }), expected[i]!.items[j]));
      let want = expected[i]!.items;
      // Python's glob returns the directory's order; drydock sorts the matches.
      if (task.loop!.style === 'with_fileglob') [got, want] = [got.map(String).sort(), want.map(String).sort()];
      expect(got, `task ${i} (${task.loop!.style})`).to.deep.equal(want);
    });
  });

  it('refuses with_<name> for a lookup drydock does not have, at load time', async () => {
    const yaml = '- hosts: all\n  tasks:\n    - debug: { msg: x }\n      with_nosuch: [1]\n';
    try {
      await loadPlaybook('/pb/main.yml', { moduleRegistry: moduleRegistry(), displayRoot: '/pb', readText: async () => yaml });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).message).to.match(/^main\.yml:4:7: 'with_nosuch' is not supported; use loop: \(with_<lookup> works for .*fileglob/);
    }
  });
});
