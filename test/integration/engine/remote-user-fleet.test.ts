/**
 * remote_user and become against real loopback sshd hosts: a play's remote_user is the login user of hosts
 * whose inventory sets no ansible_user (Ansible's precedence), and becoming the user already logged in runs
 * no sudo (no sudo process among the task's ancestors).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runDrydock } from '../../helpers/cli.js';
import { skipUnlessSudo, startFleet, type Fleet } from '../../helpers/fleet.js';

describe('remote_user and become on a loopback fleet', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    fleet = await startFleet({ hosts: 2 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-remote-user-'));
    chmodSync(dir, 0o777); // the sudo user writes its answers here
  });
  after(async () => {
    await fleet?.stop();
  });

  it('logs in as the play\'s remote_user where the inventory names no user, and runs no sudo to become that same user', async function () {
    skipUnlessSudo(this, fleet);
    // The fleet's inventory with node01's ansible_user left out; node02 keeps its own (which wins).
    const lines = readFileSync(fleet.inventoryFile, 'utf8').split('\n');
    const first = lines.findIndex((l) => l.includes('ansible_user:'));
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, lines.filter((_, i) => i !== first).join('\n'));
    const out = join(dir, 'out');
    const book = join(dir, 'site.yml');
    writeFileSync(
      book,
      `- hosts: all\n  gather_facts: false\n  remote_user: ${fleet.sudoUser}\n  tasks:\n` +
        `    - shell: "id -un > ${out}-{{ inventory_hostname }}-login"\n` +
        // The become task also writes the names of its ancestor processes: no sudo among them.
        `    - shell: "id -un > ${out}-{{ inventory_hostname }}-become; p=$$; while [ $p -gt 1 ]; do cat /proc/$p/comm; p=$(cut -d' ' -f4 /proc/$p/stat); done > ${out}-{{ inventory_hostname }}-tree"\n      become: true\n      become_user: "{{ ansible_user | default('${fleet.sudoUser}') }}" # templated, as Ansible does\n`,
    );
    const res = await runDrydock(['play', book, '-i', inventory], { stateDir: join(dir, 'state') });
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    const [node01, node02] = fleet.hosts.map((h) => h.name);
    expect(readFileSync(`${out}-${node01}-login`, 'utf8').trim()).to.equal(fleet.sudoUser);
    expect(readFileSync(`${out}-${node02}-login`, 'utf8').trim()).to.equal(fleet.user);
    expect(readFileSync(`${out}-${node01}-become`, 'utf8').trim()).to.equal(fleet.sudoUser);
    expect(readFileSync(`${out}-${node02}-become`, 'utf8').trim()).to.equal(fleet.user);
    for (const node of [node01, node02]) {
      const tree = readFileSync(`${out}-${node}-tree`, 'utf8').split('\n');
      expect(tree, node).to.include('sshd');
      expect(tree, node).to.not.include('sudo');
    }
  });
});
