/**
 * One SSH connection per host per run, counted where it cannot be faked: the fleet's sshd logins. A command's
 * read-only pass and its run share one run session (src/cli/session.ts), so each host is logged into once.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runDrydock } from '../../helpers/cli.js';
import { sshdLogins, startFleet, type Fleet } from '../../helpers/fleet.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';

describe('one SSH connection per host per run (sshd logins on the loopback fleet)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  let server: ApiServer;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.53.1' });
    server = await startApiServer({ seed: join(REPO_ROOT, 'test/fixtures/apiserver/drain-reschedule.yaml') });
    dir = mkdtempSync(join(tmpdir(), 'drydock-one-connection-'));
  });
  after(async () => {
    await server?.stop();
    await fleet?.stop();
  });

  /** Runs drydock and returns its result with the number of logins it made. */
  async function logins(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; logins: number }> {
    const before = sshdLogins(fleet);
    const res = await runDrydock(args, { env: { DRYDOCK_STATE_DIR: join(dir, 'state'), KUBECONFIG: '' } });
    // sshd writes the log line as it accepts; give a slow machine a moment to flush it.
    await new Promise((done) => setTimeout(done, 200));
    return { code: res.code, stdout: res.stdout, stderr: res.stderr, logins: sshdLogins(fleet) - before };
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

  it('certs renew: the reads before, the run and the read after share one login per control plane', async () => {
    // These hosts have no kubeadm certificates: the run's first task fails on each (exit 2) and nothing is
    // renewed or backed up; what is counted is that the three phases did not each log in again.
    const groups = join(dir, 'control-planes.yaml');
    writeFileSync(groups, `all:\n  children:\n    control_plane:\n      hosts:\n${fleet.hosts.map((h) => `        ${h.name}: {}\n`).join('')}`);
    const res = await logins(['certs', 'renew', '-i', fleet.inventoryFile, '-i', groups, '--yes', '--kubeconfig', server.kubeconfigPath]);
    expect(res.code, res.stdout + res.stderr).to.equal(2);
    expect(res.stdout).to.include('certificates after the run');
    expect(res.logins).to.equal(fleet.hosts.length);
  });
});
