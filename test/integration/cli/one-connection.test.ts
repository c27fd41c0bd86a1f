/**
 * One SSH connection per host per run, counted where it cannot be faked: the fleet's sshd logins. A command's
 * read-only pass and its run share one run session (src/cli/session.ts), so each host is logged into once.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { sshdLogins, startFleet, type Fleet } from '../../helpers/fleet.js';

describe('one SSH connection per host per run (sshd logins on the loopback fleet)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.53.1' });
    dir = mkdtempSync(join(tmpdir(), 'drydock-one-connection-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  /** Runs drydock and returns its result with the number of logins it made. */
  async function logins(args: string[]): Promise<{ code: number | null; stderr: string; logins: number }> {
    const before = sshdLogins(fleet);
    const res = await runDrydock(args, { env: { DRYDOCK_STATE_DIR: join(dir, 'state'), KUBECONFIG: '' } });
    // sshd writes the log line as it accepts; give a slow machine a moment to flush it.
    await new Promise((done) => setTimeout(done, 200));
    return { code: res.code, stderr: res.stderr, logins: sshdLogins(fleet) - before };
  }

  it('play: two plays with facts, a serial batch each, on three hosts: three logins', async () => {
    const playbook = join(dir, 'two-plays.yaml');
    writeFileSync(
      playbook,
      `- hosts: all
  serial: 1
  tasks:
    - command: "true"
- hosts: all
  tasks:
    - shell: echo second
`,
    );
    const res = await logins(['play', playbook, '-i', fleet.inventoryFile]);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.logins).to.equal(fleet.hosts.length);
  });
});
