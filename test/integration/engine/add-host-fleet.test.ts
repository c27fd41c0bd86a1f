/**
 * add_host / group_by through the real CLI on a loopback fleet: a host add_host creates (connection vars
 * given as its host vars) is logged into by a later play, and a later play on a group_by group runs on its
 * members only. Judged by the files the tasks wrote on the hosts.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

describe('add_host and group_by on a loopback fleet', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    fleet = await startFleet({ hosts: 2 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-addhost-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('a later play reaches the host add_host created and the group group_by made', async () => {
    const [one, two] = fleet.hosts;
    const book = join(dir, 'dynamic.yml');
    writeFileSync(
      book,
      `- hosts: all
  gather_facts: false
  tasks:
    - add_host:
        name: newbie
        groups: fresh
        ansible_host: ${two!.address}
        ansible_port: ${two!.port}
        ansible_user: ${fleet.user}
        ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}
        marker: from-add-host
    - group_by:
        key: "first_{{ inventory_hostname == '${one!.name}' }}"
- hosts: fresh
  gather_facts: false
  tasks:
    - shell: "echo {{ inventory_hostname }} {{ marker }} > ${dir}/fresh.txt"
- hosts: first_True
  gather_facts: false
  tasks:
    - shell: "echo {{ inventory_hostname }} >> ${dir}/first.txt"
`,
    );
    const res = await runDrydock(['play', book, '-i', fleet.inventoryFile, '--yes'], { stateDir: join(dir, 'state') });
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    expect(readFileSync(join(dir, 'fresh.txt'), 'utf8')).to.equal('newbie from-add-host\n');
    expect(readFileSync(join(dir, 'first.txt'), 'utf8')).to.equal(`${one!.name}\n`);
  });
});
