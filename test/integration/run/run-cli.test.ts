import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock, type CliResult } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args);

describe('drydock run against a loopback fleet', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  let knownHostsArgs: string[];
  let deadInventory: string;

  before(async () => {
    fleet = await startFleet({ hosts: 50 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-run-'));
    knownHostsArgs = ['-e', JSON.stringify({ ansible_ssh_common_args: `-o UserKnownHostsFile=${fleet.knownHostsFile}` })];
    deadInventory = join(dir, 'dead.yaml');
    // 127.0.9.1 is outside the fleet's addresses: nothing listens there, so the connect is refused.
    writeFileSync(
      deadInventory,
      `all:\n  hosts:\n    deadhost:\n      ansible_host: 127.0.9.1\n      ansible_port: ${fleet.port}\n      ansible_user: ${fleet.user}\n      ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}\n`,
    );
  });
  after(async () => {
    await fleet?.stop();
  });

  it('runs on 50 hosts, all changed, exit 0, one JSON object per host on stdout', async () => {
    const res = await drydock(['run', 'all', '-i', fleet.inventoryFile, ...knownHostsArgs, '-f', '20', '--json', '--', 'echo', 'hello', 'from', '$(hostname)']);
    expect(res.code, res.stderr).to.equal(0);
    const records = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { host: string; status: string; rc: number; stdout: string });
    expect(records).to.have.length(50);
    expect(new Set(records.map((r) => r.host)).size).to.equal(50);
    for (const r of records) expect(r).to.include({ status: 'changed', rc: 0 }).and.have.property('stdout').that.match(/^hello from /);
    expect(res.stderr).to.contain('PLAY RECAP');
  });

  it('reports a host with a closed port unreachable (exit 4) while the others succeed', async () => {
    const res = await drydock(['run', 'all', '-i', fleet.inventoryFile, '-i', deadInventory, ...knownHostsArgs, '--limit', 'deadhost,node0*', '--', 'uptime']);
    expect(res.code, res.stderr).to.equal(4);
    expect(res.stdout).to.match(/deadhost \| UNREACHABLE! \(tcp\) => .*ECONNREFUSED|deadhost \| UNREACHABLE! \(tcp\) => .*refused/i);
    expect(res.stdout).to.contain(`\n${'deadhost'.padEnd(26)} : ok=0    changed=0    unreachable=1    failed=0 `);
    expect(res.stdout).to.contain(`\n${'node01'.padEnd(26)} : ok=1    changed=1    unreachable=0    failed=0 `);
    expect(res.stdout.match(/ \| CHANGED \| rc=0 >>/g)).to.have.length(9);
  });

  it('reports a failing command as failed with its stderr tail, exit 2', async () => {
    const res = await drydock(['run', 'node01:node02:node03', '-i', fleet.inventoryFile, ...knownHostsArgs, '--', 'echo', 'out;', 'ls', '/no/such/dir']);
    expect(res.code, res.stderr).to.equal(2);
    expect(res.stdout).to.contain('node01 | FAILED | rc=2 >>\nout\nls: cannot access \'/no/such/dir\': No such file or directory\n');
    expect(res.stdout).to.contain(`\n${'node03'.padEnd(26)} : ok=0    changed=0    unreachable=0    failed=1 `);
  });

  it('fails a command that outlives --timeout without waiting for it', async () => {
    const started = Date.now();
    const res = await drydock(['run', 'node01', '-i', fleet.inventoryFile, ...knownHostsArgs, '--timeout', '1', '--json', '--', 'sleep', '20']);
    expect(res.code, res.stderr).to.equal(2);
    const record = JSON.parse(res.stdout.trim()) as { status: string; timedOut: boolean };
    expect(record).to.include({ status: 'failed', timedOut: true });
    expect(Date.now() - started).to.be.below(15_000);
  });

  it('writes every event to --log-file as JSON lines, with results and without the become password', async function () {
    if (!fleet.sudoUser) this.skip();
    const log = join(dir, 'run.jsonl');
    const secret = JSON.stringify({ ansible_become_password: fleet.sudoPassword });
    const res = await drydock(['run', 'node01,node02,node03,node04', '-i', fleet.inventoryFile, ...knownHostsArgs, '-e', secret, '-u', fleet.sudoUser, '-b', '--log-file', log, '--json', '--', 'id', '-u']);
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    for (const line of res.stdout.trim().split('\n')) expect(JSON.parse(line)).to.include({ status: 'changed', stdout: '0\n' });
    const text = readFileSync(log, 'utf8');
    expect(text).not.to.contain(fleet.sudoPassword);
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as { message: string; event: { type: string } });
    expect(events.filter((e) => e.message === 'host.result')).to.have.length(4);
    expect(events[0]!.event.type).to.equal('run.start');
    expect(events[events.length - 1]!.event.type).to.equal('run.end');
  });

  it('an empty match warns and exits 0 without connecting', async () => {
    const res = await drydock(['run', 'nosuchgroup', '-i', fleet.inventoryFile, '--', 'uptime']);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout + res.stderr).to.contain('No hosts matched, nothing to do');
    expect(res.stdout).not.to.contain('PLAY RECAP');
  });

  it('rejects bad input before contacting any host (exit 1 for inventory, 64 for usage)', async () => {
    const missing = await drydock(['run', 'all', '-i', join(dir, 'missing.yaml'), '--', 'uptime']);
    expect(missing.code).to.equal(1);
    const noInventory = await drydock(['run', 'all', '--', 'uptime']);
    expect(noInventory.code).to.equal(64);
    expect(noInventory.stderr).to.contain('-i FILE');
  });

  it('on Ctrl-C lets running hosts finish, starts no more, prints the recap and exits 130', async () => {
    // Interrupt once both forks' commands are really running on the hosts (not after a fixed delay, which a
    // loaded machine can outlast before drydock has even started).
    const marker = 'sleep 3.0271';
    const running = (): boolean => spawnSync('pgrep', ['-fc', `^${marker}$`], { encoding: 'utf8' }).stdout.trim() === '2';
    const res = await runDrydock(['run', 'node01,node02,node03,node04,node05,node06', '-i', fleet.inventoryFile, ...knownHostsArgs, '-f', '2', '--', marker], { interruptWhen: running });
    expect(res.code, res.stderr).to.equal(130);
    expect(res.stdout).to.contain('PLAY RECAP');
    expect(res.stdout.match(/ \| CHANGED \| rc=0 >>/g)).to.have.length(2);
    expect(res.stdout.match(/ \| SKIPPED => not started/g)).to.have.length(4);
  });
  it('runs 30 hosts at once without a MaxListenersExceededWarning on stderr', async () => {
    const res = await drydock(['run', 'all', '-i', fleet.inventoryFile, ...knownHostsArgs, '-f', '30', '--json', '--', 'sleep', '0.5']);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout.trim().split('\n')).to.have.length(50);
    expect(res.stderr).not.to.contain('MaxListenersExceededWarning');
  });

  it('checks host keys against --known-hosts FILE', async () => {
    const ok = await drydock(['run', 'node01:node02', '-i', fleet.inventoryFile, '--known-hosts', fleet.knownHostsFile, '--json', '--', 'true']);
    expect(ok.code, ok.stderr).to.equal(0);
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const unknown = await drydock(['run', 'node01', '-i', fleet.inventoryFile, '--known-hosts', empty, '--json', '--', 'true']);
    expect(unknown.code, unknown.stderr).to.equal(4);
  });

  it('reads extra vars from -e @file.yaml', async () => {
    const varsFile = join(dir, 'vars.yaml');
    writeFileSync(varsFile, `ansible_ssh_common_args: "-o UserKnownHostsFile=${fleet.knownHostsFile}"\ngreeting: yes\n`);
    const res = await drydock(['run', 'node01', '-i', fleet.inventoryFile, '-e', `@${varsFile}`, '--json', '--', 'true']);
    expect(res.code, res.stderr).to.equal(0);
    const missing = await drydock(['run', 'node01', '-i', fleet.inventoryFile, '-e', `@${join(dir, 'nope.yaml')}`, '--', 'true']);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.contain('nope.yaml');
  });
});
