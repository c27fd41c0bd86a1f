/**
 * Roles through the real CLI on a loopback sshd fleet with the real modules: a role's files/ (copy src),
 * defaults, parameters, include_vars from the role's vars/, handlers and an ANSIBLE_ROLES_PATH role, judged
 * by the files on the hosts' side and the exit code.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

describe('drydock play: roles on a loopback fleet', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 2 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-roles-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('copies from the role\'s files/, templates from its templates/, uses defaults, parameters and include_vars, and runs the role\'s handler', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    write(join(dir, 'pb'), {
      'site.yml': `- hosts: all\n  gather_facts: false\n  roles:\n    - role: motd\n      motd_port: 99\n    - shared\n`,
      'roles/motd/defaults/main.yml': `motd_dir: ${out}\nmotd_port: 1\n`,
      'roles/motd/files/banner.txt': 'hello from the role\n',
      'roles/motd/templates/conf.j2': 'port={{ motd_port }} role={{ role_name }}\n',
      'roles/motd/vars/extra.yml': 'suffix: "{{ role_name }}-x"\n',
      'roles/motd/tasks/main.yml': [
        '- name: banner',
        '  copy:',
        '    src: banner.txt',
        '    dest: "{{ motd_dir }}/{{ inventory_hostname }}.banner"',
        '  notify: mark',
        '- name: conf',
        '  template:',
        '    src: conf.j2',
        '    dest: "{{ motd_dir }}/{{ inventory_hostname }}.conf"',
        '- include_vars: extra.yml',
        '- name: vars',
        '  shell: echo "{{ suffix }} {{ motd_port }}" > {{ motd_dir }}/{{ inventory_hostname }}.vars',
        '',
      ].join('\n'),
      'roles/motd/handlers/main.yml': '- name: mark\n  shell: touch {{ motd_dir }}/{{ inventory_hostname }}.handled\n',
    });
    write(join(dir, 'elsewhere'), { 'shared/tasks/main.yml': `- shell: touch ${out}/{{ inventory_hostname }}.shared\n` });
    const env = { ANSIBLE_ROLES_PATH: join(dir, 'elsewhere') };
    const first = await runDrydock(['play', join(dir, 'pb/site.yml'), '-i', fleet.inventoryFile, '--yes'], { stateDir: join(dir, 'state'), env });
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    for (const { name } of fleet.hosts) {
      expect(readFileSync(join(out, `${name}.banner`), 'utf8')).to.equal('hello from the role\n');
      expect(readFileSync(join(out, `${name}.vars`), 'utf8')).to.equal('motd-x 99\n');
      expect(readFileSync(join(out, `${name}.conf`), 'utf8')).to.equal('port=99 role=motd\n');
      expect(existsSync(join(out, `${name}.handled`)), name).to.equal(true);
      expect(existsSync(join(out, `${name}.shared`)), name).to.equal(true);
      rmSync(join(out, `${name}.handled`));
    }
    const second = await runDrydock(['play', join(dir, 'pb/site.yml'), '-i', fleet.inventoryFile, '--yes'], { stateDir: join(dir, 'state'), env });
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    // The banner was already there: no change, so no handler.
    for (const { name } of fleet.hosts) expect(existsSync(join(out, `${name}.handled`)), name).to.equal(false);
  });
});
