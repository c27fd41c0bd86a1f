/**
 * Records what ansible-playbook does with each case of the Ansible compatibility suite
 * (test/fixtures/ansible-compat/<case>/ansible.json), against a loopback fleet of three hosts named as the
 * suite's (node01..node03). npm test never runs Ansible; it compares drydock with these recordings.
 *
 *   node --import tsx scripts/record-ansible-compat.ts [CASE ...]
 *
 * Needs ansible-core 2.14 with the ansible.posix collection (its JSON callback): ANSIBLE_BIN_DIR, default
 * /var/cache/drydock/ansible-2.14/bin (`python3 -m venv DIR && DIR/bin/pip install 'ansible>=7,<8'`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet } from '../test/helpers/fleet.js';
import { cleanCase, inventoryArgs, listCases, type Recorded } from '../test/integration/compat/cases.js';
import { fromAnsibleJson } from '../test/integration/compat/outcome.js';

const bin = process.env['ANSIBLE_BIN_DIR'] ?? '/var/cache/drydock/ansible-2.14/bin';
const wanted = new Set(process.argv.slice(2));
const version = spawnSync(join(bin, 'ansible-playbook'), ['--version'], { encoding: 'utf8' });
if (version.status !== 0) throw new Error(`ansible-playbook not found in ${bin}: ${version.error?.message ?? version.stderr}`);
const ansible = version.stdout.split('\n')[0]!.trim();

const fleet = await startFleet({ hosts: 3, firstAddress: '127.0.78.1' });
const work = mkdtempSync(join(tmpdir(), 'record-ansible-'));
try {
  for (const c of listCases().filter((x) => !x.refused && (wanted.size === 0 || wanted.has(x.name)))) {
    cleanCase(c);
    const args = [...inventoryArgs(c, fleet, work), ...c.args, c.playbook];
    const res = spawnSync(join(bin, 'ansible-playbook'), args, {
      cwd: c.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json',
        ANSIBLE_RETRY_FILES_ENABLED: 'false',
        ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
        ANSIBLE_NOCOLOR: '1',
      },
    });
    cleanCase(c);
    let doc: unknown;
    try {
      doc = JSON.parse(res.stdout);
    } catch {
      throw new Error(`${c.name}: ansible-playbook exited ${res.status} without JSON:\n${res.stdout}\n${res.stderr}`);
    }
    const recorded: Recorded = {
      ansible,
      command: ['ansible-playbook', '-i', '<the fleet as the case names its hosts>', ...(c.inventory ? ['-i', c.inventory.slice(c.dir.length + 1)] : []), ...c.args, 'site.yml'],
      run: fromAnsibleJson(doc, res.status ?? -1),
    };
    writeFileSync(join(c.dir, 'ansible.json'), `${JSON.stringify(recorded, null, 1)}\n`);
    console.log(`${c.name}: exit ${res.status}, ${recorded.run.tasks.length} task runs recorded`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  await fleet.stop();
}
