/**
 * Magic variables compared with what ansible-playbook 2.14.18 printed for the same inventory, play and flags
 * (test/fixtures/ansible/facts/magic.json: --check --diff --tags t1,t2 --skip-tags t3, serial: 1).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { playCommand } from '../../../src/cli/commands/play.js';
import type { PlayOptions } from '../../../src/cli/play-run.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';

const FIXTURE = 'test/fixtures/ansible/facts';
const KEYS = [
  'ansible_version',
  'ansible_check_mode',
  'ansible_diff_mode',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_batch',
  'ansible_run_tags',
  'ansible_skip_tags',
  'inventory_hostname_short',
  'group_names',
  'groups',
  'ansible_play_name',
  'ansible_forks',
  'ansible_config_file',
];

describe('engine/magic variables (recorded ansible-playbook run)', () => {
  it('gives every host the magic variables Ansible gave it', async () => {
    const recorded = JSON.parse(readFileSync(`${FIXTURE}/magic.json`, 'utf8')) as Record<string, Record<string, unknown>>;
    const dir = mkdtempSync(join(tmpdir(), 'drydock-magic-'));
    const book = join(dir, 'magic.yml');
    const msg = [...KEYS.map((k) => `${k}: "{{ ${k} }}"`), 'hostvars_keys: "{{ hostvars.keys() | list }}"', 'playbook_dir: "{{ playbook_dir }}"', 'inventory_file: "{{ inventory_file }}"', 'inventory_dir: "{{ inventory_dir }}"', 'ansible_inventory_sources: "{{ ansible_inventory_sources }}"'];
    writeFileSync(book, `- hosts: web\n  gather_facts: false\n  serial: 1\n  tasks:\n    - name: magic\n      debug:\n        msg:\n${msg.map((l) => `          ${l}`).join('\n')}\n      tags: [t1]\n`);
    const inventory = resolve(FIXTURE, 'magic-inventory.ini');
    const out = { stdout: '' };
    const options: PlayOptions = {
      inventory: [inventory], forks: 5, extraVars: {}, become: false, json: true, check: true, diff: true, tags: ['t1', 't2'], skipTags: ['t3'],
      listHosts: false, listTasks: false, syntaxCheck: false, yes: true, retryFiles: false, countUnreachableInMaxFail: true,
    };
    const code = await playCommand(book, options, { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: () => true } }, offlinePlanPorts());
    expect(code).to.equal(0);
    const report = JSON.parse(out.stdout) as { plays: { tasks: { results: { host: string; msg: string }[] }[] }[] };
    const seen = new Map<string, Record<string, unknown>>();
    for (const play of report.plays) for (const task of play.tasks) for (const r of task.results) seen.set(r.host, JSON.parse(r.msg) as Record<string, unknown>);
    expect([...seen.keys()]).to.deep.equal(['w1.example.com', '10.1.2.3']);
    for (const [host, ours] of seen) {
      const theirs = recorded[host]!;
      for (const key of KEYS) {
        // ansible_run_tags is a Python set turned into a list: its order is not Ansible's to keep.
        if (key === 'ansible_run_tags') expect([...(ours[key] as string[])].sort(), `${host} ${key}`).to.deep.equal([...(theirs[key] as string[])].sort());
        else expect(ours[key], `${host} ${key}`).to.deep.equal(theirs[key]);
      }
      expect(ours['hostvars_keys']).to.deep.equal(theirs['hostvars_keys']);
      // Ansible's record compares these with its working directory (the fixture folder): *_is_here = true.
      expect(theirs['playbook_dir_is_here'] && theirs['inventory_file_is_here'] && theirs['inventory_dir_is_here']).to.equal(true);
      expect(ours['playbook_dir']).to.equal(dir);
      expect(ours['inventory_file']).to.equal(inventory);
      expect(ours['inventory_dir']).to.equal(dirname(inventory));
      expect(ours['ansible_inventory_sources']).to.deep.equal([inventory]);
    }
  });
});
