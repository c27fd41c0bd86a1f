/**
 * no_log registered values across `drydock resume`, through the real CLI on the loopback sshd fleet: a run
 * registers a token read on each host with no_log, then fails at a gate; the resumed run does not read the
 * token again, yet a later task's `when:` sees it. The token is never in clear in the state folder (journals,
 * kept values), the JSON log or the report.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('no_log registered values survive drydock resume (loopback fleet)', function () {
  this.timeout(180_000);
  let fleet: Fleet | undefined;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-nolog-resume-'));
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.62.1' });
  });
  after(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the resumed run sees the value; it is never written in clear', async () => {
    const state = join(dir, 'state');
    const marks = join(dir, 'marks');
    mkdirSync(marks);
    const token = 'tok-5ecr3t-0b5cure';
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    const gate = join(dir, 'gate');
    writeFileSync(gate, '');
    const playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: read the token
      command: sh -c 'echo x >> ${marks}/read-{{ inventory_hostname }}; cat ${tokenFile}'
      register: api_token
      no_log: true
    - name: gate
      command: sh -c '[ ! -e ${gate} ]'
    - name: use the token
      command: sh -c 'echo used >> ${marks}/use-{{ inventory_hostname }}'
      when: api_token.stdout is match('tok-')
`,
    );
    const hosts = fleet!.hosts.map((h) => h.name);
    const lines = (name: string): number => readFileSync(join(marks, name), 'utf8').split('\n').filter(Boolean).length;
    const log = join(dir, 'run.log');
    const report = join(dir, 'report.json');

    const first = await runDrydock(['play', playbook, '-i', fleet!.inventoryFile, '--log-file', log, '--report', report], { stateDir: state });
    expect(first.code, first.stdout + first.stderr).to.equal(2);
    const runId = /run id: ([0-9a-f-]{36})/.exec(first.stdout)?.[1];
    expect(runId, first.stdout).to.be.a('string');
    const clear = (): string[] => [...filesUnder(state), log, report].filter((f) => readFileSync(f).includes(token));
    expect(clear()).to.deep.equal([]);
    // The kept value is there (encrypted): the secrets file beside the journal and its key.
    expect(readdirSync(join(state, 'runs'))).to.include(`${runId}.secrets`);
    expect(readdirSync(join(state, 'keys'))).to.deep.equal([`${runId}.key`]);

    rmSync(gate);
    const resumed = await runDrydock(['resume', runId!], { stateDir: state });
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0);
    for (const h of hosts) {
      expect(lines(`read-${h}`), h).to.equal(1); // not read again
      expect(lines(`use-${h}`), h).to.equal(1); // yet `when:` saw it
    }
    expect(clear()).to.deep.equal([]);
    // The chain succeeded: nothing kept any more.
    expect(readdirSync(join(state, 'runs')).filter((f) => f.endsWith('.secrets'))).to.deep.equal([]);
    expect(readdirSync(join(state, 'keys'))).to.deep.equal([]);
  });
});
