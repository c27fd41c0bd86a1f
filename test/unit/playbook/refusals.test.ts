/**
 * Clearer refusals at load time, beside what ansible-core 2.14.18 does (test/fixtures/ansible/refusals).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { closestFew } from '../../../src/playbook/suggest.js';

const DIR = join(import.meta.dirname, '../../fixtures/ansible/refusals');

async function refusal(text: string): Promise<string> {
  try {
    await loadPlaybook('/pb/site.yml', { moduleRegistry: moduleRegistry(), displayRoot: '/pb', readText: async () => text });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  return expect.fail('expected a ConfigError');
}

describe('playbook: clearer refusals', () => {
  it("'include' is refused at its position, naming include_tasks and import_tasks (Ansible 2.14 only deprecates it)", async () => {
    expect(readFileSync(join(DIR, 'include.ansible.txt'), 'utf8')).to.contain('"include" is deprecated, use include_tasks/import_tasks');
    const message = await refusal(readFileSync(join(DIR, 'include.yml'), 'utf8'));
    expect(message).to.match(/site\.yml:4:7: .*include .*use include_tasks or import_tasks/);
    expect(message).not.to.contain('unknown module');
  });

  it('an unknown module is refused at load time, as ansible-playbook --syntax-check does, with a close match', async () => {
    expect(readFileSync(join(DIR, 'unknown-module.ansible.txt'), 'utf8')).to.contain("couldn't resolve module/action 'copyy'");
    const message = await refusal(readFileSync(join(DIR, 'unknown-module.yml'), 'utf8'));
    expect(message).to.match(/site\.yml:5:7: unknown module 'copyy' \(did you mean 'copy'\?\)/);
  });

  it('an unknown module with no close match names the closest few modules, not all of them', async () => {
    const message = await refusal('- hosts: all\n  tasks:\n    - zypper_repository_thing: { name: x }\n');
    const listed = /the closest of drydock's modules: ([^(]*) \(/.exec(message)?.[1]?.split(', ') ?? [];
    expect(listed).to.have.length(3);
    expect(moduleRegistry().moduleNames().length).to.be.greaterThan(10);
    for (const name of listed) expect(moduleRegistry().has(name)).to.equal(true);
    expect(message).to.match(/site\.yml:3:7: /);
  });

  it('closestFew: containing names first, then by edit distance', () => {
    expect(closestFew('file', ['lineinfile', 'apt', 'fail', 'copy'], 2)).to.deep.equal(['lineinfile', 'fail']);
  });

  it('async on a module other than command/shell, with creates/stdin, or poll without async is refused at its position with the reason', async () => {
    expect(await refusal('- hosts: all\n  tasks:\n    - copy: { src: a, dest: b }\n      async: 10\n')).to.match(/site\.yml:4:7: 'async' is supported on command and shell tasks only: module 'copy' runs several steps/);
    expect(await refusal('- hosts: all\n  tasks:\n    - command: ls\n      args: { creates: /x }\n      async: 10\n      poll: 0\n')).to.match(/site\.yml:5:7: 'async' cannot be combined with creates/);
    expect(await refusal('- hosts: all\n  tasks:\n    - command: ls\n      poll: 0\n')).to.match(/site\.yml:4:7: 'poll' needs 'async'/);
  });

  it('async and poll on command and shell load, templated or not', async () => {
    const pb = await loadPlaybook('/pb/site.yml', {
      moduleRegistry: moduleRegistry(),
      displayRoot: '/pb',
      readText: async () => '- hosts: all\n  tasks:\n    - shell: sleep 1\n      async: "{{ t }}"\n      poll: 0\n',
    });
    const task = pb.plays[0]!.tasks[0]! as { async?: unknown; poll?: unknown };
    expect({ async: task.async, poll: task.poll }).to.deep.equal({ async: '{{ t }}', poll: 0 });
  });
});
