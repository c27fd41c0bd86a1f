/**
 * Issue 15 item 9 (part): --log-file and --report hold task output and registered values, so drydock creates
 * them readable by their owner only (0600), whatever the umask lets other files be. Checked by reading back
 * the files' mode after a real run on a loopback sshd.
 */
import { expect } from 'chai';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

describe('--log-file and --report are created 0600', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let knownHostsArgs: string[];
  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.34.1' });
    knownHostsArgs = ['-e', JSON.stringify({ ansible_ssh_common_args: `-o UserKnownHostsFile=${fleet.knownHostsFile}` })];
  });
  after(async () => {
    await fleet?.stop();
  });

  const modeOf = (file: string): number => statSync(file).mode & 0o777;

  it('drydock run --log-file', async () => {
    const log = join(fleet.dir, 'run.log');
    const res = await runDrydock(['run', 'all', '-i', fleet.inventoryFile, ...knownHostsArgs, '--log-file', log, '--', 'echo', 'secret'], { stateDir: fleet.dir });
    expect(res.code, res.stderr).to.equal(0);
    expect(modeOf(log).toString(8)).to.equal('600');
  });

  it('drydock play --report and --log-file', async () => {
    const playbook = join(fleet.dir, 'echo.yaml');
    writeFileSync(playbook, '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo secret\n      register: out\n');
    const report = join(fleet.dir, 'report.json');
    const log = join(fleet.dir, 'play.log');
    const res = await runDrydock(['play', playbook, '-i', fleet.inventoryFile, ...knownHostsArgs, '--report', report, '--log-file', log], { stateDir: fleet.dir });
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    expect(modeOf(report).toString(8)).to.equal('600');
    expect(modeOf(log).toString(8)).to.equal('600');
  });
});
