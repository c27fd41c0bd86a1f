/**
 * Issue 15 item 4, against a real sshd on loopback. (1) Under accept-new, a host that already has a key
 * recorded, but of another algorithm than the one it presents, is refused as a changed host: drydock offers
 * the recorded algorithms first, so a server presenting another one no longer has the recorded key. OpenSSH's
 * own accept-new would add it (it only says "but keys of different type are already known for this host"
 * when asking); the issue asks for the stricter rule. (2) With StrictHostKeyChecking=no a changed key still
 * connects, as OpenSSH does, but with OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED" warning, not silence.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { HostKeyError } from '../../../src/errors.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection } from '../../../src/transport/ssh.js';
import { runDrydock } from '../../helpers/cli.js';
import { fleetSpec, startFleet, type Fleet } from '../../helpers/fleet.js';

const run = promisify(execFile);

describe('host keys: another algorithm under accept-new, a changed key under StrictHostKeyChecking=no', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let rsaLine: string;
  let caseNumber = 0;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.33.1' });
    // A key of another algorithm than the host has: as if the host had been known by its RSA key.
    const keyFile = join(fleet.dir, 'other_rsa');
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', keyFile]);
    rsaLine = (await readFile(`${keyFile}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  });
  after(async () => {
    await fleet?.stop();
  });

  async function knownHosts(lines: string[]): Promise<string> {
    const file = join(fleet.dir, `known_hosts.changed${++caseNumber}`);
    await writeFile(file, lines.map((line) => `${line}\n`).join(''));
    return file;
  }

  it('accept-new refuses an ed25519 key when only an RSA key is recorded, and records nothing', async () => {
    const host = fleet.hosts[0]!;
    const recorded = `[${host.address}]:${host.port} ${rsaLine}\n`;
    const file = await knownHosts([recorded.trim()]);
    const store = await KnownHostsStore.load([file], []);
    let err: unknown;
    try {
      const conn = await openSshConnection(fleetSpec(fleet, host, { hostKeyPolicy: 'accept-new', userKnownHostsFiles: [file] }), { knownHosts: store });
      await conn.close();
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HostKeyError);
    expect(err).to.include({ problem: 'changed' });
    expect(await readFile(file, 'utf8')).to.equal(recorded);
  });

  it('accept-new still records a host that has no key recorded at all', async () => {
    const file = await knownHosts([]);
    const store = await KnownHostsStore.load([file], []);
    const conn = await openSshConnection(fleetSpec(fleet, fleet.hosts[0], { hostKeyPolicy: 'accept-new', userKnownHostsFiles: [file] }), { knownHosts: store });
    await conn.close();
    expect(await readFile(file, 'utf8')).to.match(/ ssh-ed25519 /);
  });

  it('policy off connects to a changed key but reports it loudly', async () => {
    const host = fleet.hosts[0]!;
    const otherEd = join(fleet.dir, 'other_ed');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherEd]);
    const wrong = (await readFile(`${otherEd}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    const file = await knownHosts([`[${host.address}]:${host.port} ${wrong}`]);
    const store = await KnownHostsStore.load([file], []);
    const warnings: string[] = [];
    const conn = await openSshConnection(fleetSpec(fleet, host, { hostKeyPolicy: 'off', userKnownHostsFiles: [file] }), {
      knownHosts: store,
      onWarning: (message) => warnings.push(message),
    });
    await conn.close();
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('an inventory -o StrictHostKeyChecking=no with a changed key: the run goes on and says so', async () => {
    const host = fleet.hosts[0]!;
    const otherEd = join(fleet.dir, 'other_ed2');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherEd]);
    const wrong = (await readFile(`${otherEd}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    const file = await knownHosts([`[${host.address}]:${host.port} ${wrong}`]);
    const inventory = join(fleet.dir, 'changed.ini');
    await writeFile(
      inventory,
      `${host.name} ansible_host=${host.address} ansible_port=${host.port} ansible_user=${fleet.user} ` +
        `ansible_ssh_private_key_file=${fleet.clientKey} ` +
        `ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=${file}'\n`,
    );
    const res = await runDrydock(['run', 'all', '-i', inventory, '--', 'true'], { stateDir: fleet.dir });
    expect(res.code, res.stderr + res.stdout).to.equal(0);
    expect(res.stderr + res.stdout).to.include('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });
});
