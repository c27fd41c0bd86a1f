/**
 * group_vars/ and host_vars/ beside the playbook, with Ansible's precedence against the inventory's own,
 * compared with a recorded ansible-playbook 2.14.18 run (test/fixtures/ansible/vars-precedence).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { hostVars, loadInventory } from '../../../src/inventory/index.js';
import { memoryFs } from './helpers.js';

const DIR = 'test/fixtures/ansible/vars-precedence';

describe('inventory/playbook group_vars and host_vars (recorded ansible-playbook run)', () => {
  it('gives h1 the value Ansible gave it for every pair of sources', async () => {
    const recorded = JSON.parse(readFileSync(`${DIR}/recorded-h1.json`, 'utf8')) as Record<string, string>;
    const inv = await loadInventory([`${DIR}/inventory/hosts.ini`], { playbookDirs: [`${DIR}/playbook`] });
    const vars = hostVars(inv, 'h1', {}, { magic: false });
    const ours = Object.fromEntries(Object.entries(vars).filter(([k]) => /^(x|only)_/.test(k)));
    expect(ours).to.deep.equal(recorded);
  });

  it('reads nothing beside the playbook unless asked (drydock inventory, drydock run)', async () => {
    const inv = await loadInventory([`${DIR}/inventory/hosts.ini`]);
    expect(hostVars(inv, 'h1')).to.not.have.property('only_pb_gv_all');
  });

  it('refuses playbooks from two directories that both have group_vars/ or host_vars/', async () => {
    const fs = memoryFs({ 'inv.ini': 'h1\n', 'a/group_vars/all.yml': 'x: 1\n', 'b/host_vars/h1.yml': 'x: 2\n', 'c/site.yml': '' });
    const err = await loadInventory(['inv.ini'], { fs, playbookDirs: ['a', 'b', 'c'] }).then(
      () => expect.fail('expected a ConfigError'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.message).join('\n')).to.match(/a and b each have group_vars\/ or host_vars\/.*run these playbooks separately/);
    // One directory with vars and others without is fine.
    const inv = await loadInventory(['inv.ini'], { fs, playbookDirs: ['a', 'c'] });
    expect(hostVars(inv, 'h1')['x']).to.equal(1);
  });
});
