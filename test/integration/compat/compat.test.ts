/**
 * The Ansible compatibility suite: playbooks that people wrote for Ansible (test/fixtures/ansible-compat/, each
 * with its source and licence), run unchanged by drydock against a loopback sshd fleet, must do what
 * ansible-playbook 2.14 did with them against the same kind of fleet (recorded beside each case): the same
 * tasks in the same order, the same status on every host, the same values printed by debug, the same recap and
 * exit code.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { cleanCase, inventoryArgs, listCases, readRecorded } from './cases.js';
import { fromDrydockReport } from './outcome.js';

describe('Ansible compatibility: real playbooks, unchanged, against ansible-playbook 2.14', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.79.1' });
    dir = mkdtempSync(join(tmpdir(), 'drydock-compat-'));
  });
  after(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = listCases();
  it('has cases, each with its source and a recording', () => {
    expect(cases.length).to.be.greaterThan(0);
    for (const c of cases) {
      if (!c.refused) expect(readRecorded(c), `${c.name}: ansible.json (scripts/record-ansible-compat.ts)`).to.not.equal(undefined);
      expect(readFileSync(join(c.dir, 'SOURCE.md'), 'utf8'), c.name).to.match(/Licen[cs]e/i);
    }
  });

  for (const c of cases.filter((x) => x.refused)) {
    it(`${c.name}: refused before any host, a deliberate difference (${c.refused!.why})`, async () => {
      const report = join(dir, `${c.name}.json`);
      const res = await runDrydock(['play', ...inventoryArgs(c, fleet, dir), ...c.args, '--report', report, c.playbook], { stateDir: join(dir, 'state') });
      expect(res.code, res.stdout + res.stderr).to.equal(c.refused!.exitCode);
      expect(res.stderr).to.match(new RegExp(c.refused!.message));
      expect(res.stderr).to.not.match(/^\s+at /m);
      expect(res.stdout, 'no task ran').to.not.match(/^TASK /m);
    });
  }

  for (const c of cases.filter((x) => !x.refused)) {
    it(`${c.name}: does what Ansible did`, async () => {
      const recorded = readRecorded(c);
      if (!recorded) throw new Error(`${c.name}: no ansible.json recording`);
      cleanCase(c);
      const report = join(dir, `${c.name}.json`);
      const res = await runDrydock(['play', ...inventoryArgs(c, fleet, dir), ...c.args, '--report', report, c.playbook], {
        stateDir: join(dir, 'state'),
      });
      cleanCase(c);
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        throw new Error(`${c.name}: drydock exited ${res.code} without a report:\n${res.stdout}\n${res.stderr}`);
      }
      const run = fromDrydockReport(doc, res.code ?? -1);
      const context = `${c.name}\n${res.stdout}\n${res.stderr}`;
      expect(run.tasks, context).to.deep.equal(recorded.run.tasks);
      expect(run.recap, context).to.deep.equal(recorded.run.recap);
      expect(run.exitCode, context).to.equal(recorded.run.exitCode);
    });
  }
});
