/**
 * `ansible_connection: local` in task vars, play vars or the inventory runs the task on the controller, as in
 * Ansible (docs: "connection: local" / ansible_connection=local; test/fixtures/ansible/facts/magic-inventory.ini
 * ran with ansible-playbook 2.14.18 on hosts that exist nowhere but in the inventory). The hosts here have no
 * address, so a task that tried ssh would end unreachable (exit 4) and leave no file.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { playCommand } from '../../../src/cli/commands/play.js';
import { ConfigError } from '../../../src/errors.js';
import type { PlayOptions } from '../../../src/cli/play-run.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';

function options(extra: Partial<PlayOptions>): PlayOptions {
  return {
    inventory: ['nowhere-a.invalid,nowhere-b.invalid,'], forks: 5, extraVars: {}, become: false, json: true, check: false, diff: false,
    tags: [], skipTags: [], listHosts: false, listTasks: false, syntaxCheck: false, yes: true, retryFiles: false, countUnreachableInMaxFail: true,
    ...extra,
  };
}

const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };

describe('engine/ansible_connection: local', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'drydock-conn-local-'));

  it('task vars: the task runs on the controller, the others of the play still need the host', async () => {
    const book = join(dir, 'task.yml');
    writeFileSync(book, `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/task-{{ inventory_hostname }}\n      vars: { ansible_connection: local }\n`);
    expect(await playCommand(book, options({}), quiet, offlinePlanPorts())).to.equal(0);
    expect(existsSync(join(dir, 'task-nowhere-a.invalid')) && existsSync(join(dir, 'task-nowhere-b.invalid'))).to.equal(true);
  });

  it('play vars and -e: every task (and fact gathering) runs on the controller', async () => {
    const book = join(dir, 'play.yml');
    writeFileSync(book, `- hosts: all\n  vars: { ansible_connection: local }\n  tasks:\n    - command: touch ${dir}/play-{{ inventory_hostname }}-{{ ansible_kernel }}\n`);
    expect(await playCommand(book, options({}), quiet, offlinePlanPorts())).to.equal(0);
    const kernel = (await import('node:os')).release();
    expect(existsSync(join(dir, `play-nowhere-a.invalid-${kernel}`))).to.equal(true);
    const extra = join(dir, 'extra.yml');
    writeFileSync(extra, `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/extra-{{ inventory_hostname }}\n`);
    expect(await playCommand(extra, options({ extraVars: { ansible_connection: 'local' } }), quiet, offlinePlanPorts())).to.equal(0);
    expect(existsSync(join(dir, 'extra-nowhere-b.invalid'))).to.equal(true);
  });

  it('inventory ansible_connection=local: accepted by the plan, run on the controller', async () => {
    const inv = join(dir, 'hosts.ini');
    writeFileSync(inv, '[web]\nlocal-one ansible_connection=local\n');
    const book = join(dir, 'inv.yml');
    writeFileSync(book, `- hosts: web\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/inv-{{ inventory_hostname }}\n`);
    expect(await playCommand(book, options({ inventory: [inv] }), quiet, offlinePlanPorts())).to.equal(0);
    expect(existsSync(join(dir, 'inv-local-one'))).to.equal(true);
  });

  it('a connection plugin drydock does not have fails the task, naming it', async () => {
    const book = join(dir, 'docker.yml');
    writeFileSync(book, `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/never\n      vars: { ansible_connection: docker }\n`);
    const out = { stdout: '' };
    const code = await playCommand(book, options({}), { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: () => true } }, offlinePlanPorts());
    expect(code).to.equal(2);
    expect(out.stdout).to.contain('ansible_connection=docker is not supported');
    expect(existsSync(join(dir, 'never'))).to.equal(false);
  });

  it('the connection keyword on a play or a task: local runs on the controller; another plugin is refused at load', async () => {
    const book = join(dir, 'keyword.yml');
    writeFileSync(
      book,
      `- hosts: all\n  connection: local\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/kw-play-{{ inventory_hostname }}\n` +
        `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/kw-task-{{ inventory_hostname }}\n      connection: local\n`,
    );
    expect(await playCommand(book, options({}), quiet, offlinePlanPorts())).to.equal(0);
    expect(existsSync(join(dir, 'kw-play-nowhere-a.invalid')) && existsSync(join(dir, 'kw-task-nowhere-b.invalid'))).to.equal(true);
    const bad = join(dir, 'kw-bad.yml');
    writeFileSync(bad, `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: touch ${dir}/never2\n      connection: docker\n`);
    const err = await playCommand(bad, options({}), quiet, offlinePlanPorts()).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => `${i.line}:${i.col}: ${i.message}`)).to.deep.equal([
      "4:7: connection 'docker' is not supported; drydock connects over ssh, or runs the task on the controller with local",
    ]);
    expect(existsSync(join(dir, 'never2'))).to.equal(false);
  });
});
