/**
 * gather_facts against a real loopback sshd host of this machine: the facts a playbook reads (through the
 * classic names and ansible_facts[...]) are compared with what the machine's own files and programs say,
 * the sources Ansible's setup module reads (test/fixtures/ansible/facts holds its recorded output).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

describe('gather_facts on a loopback fleet host', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    fleet = await startFleet({ hosts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-facts-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('reads the values the machine itself gives, under both names', async () => {
    const out = join(dir, 'facts.json');
    const book = join(dir, 'facts.yml');
    const names = [
      'distribution', 'distribution_version', 'distribution_major_version', 'distribution_release', 'os_family', 'kernel', 'architecture',
      'machine', 'nodename', 'hostname', 'memtotal_mb', 'processor_vcpus', 'processor_nproc', 'default_ipv4', 'all_ipv4_addresses', 'env', 'user_id',
    ];
    const entries = names.map((n) => `'${n}': ansible_${n}, 'facts_${n}': ansible_facts['${n}']`).join(', ');
    writeFileSync(book, `- hosts: all\n  tasks:\n    - copy:\n        dest: ${out}\n        content: |\n          {{ { ${entries} } | to_json }}\n`);
    const res = await runDrydock(['play', book, '-i', fleet.inventoryFile], { stateDir: join(dir, 'state') });
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    const got = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    for (const n of names) expect(got[`facts_${n}`], n).to.deep.equal(got[n]);

    const osRelease = Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]),
    );
    const debianVersion = readFileSync('/etc/debian_version', 'utf8').trim();
    expect(got['distribution']).to.equal('Debian');
    expect(got['distribution_version']).to.equal(debianVersion);
    expect(got['distribution_major_version']).to.equal(debianVersion.split('.')[0]);
    expect(got['distribution_release']).to.equal(osRelease['VERSION_CODENAME']);
    expect(got['os_family']).to.equal('Debian');
    expect(got['kernel']).to.equal(release());
    const machine = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    expect(got['architecture']).to.equal(machine);
    expect(got['machine']).to.equal(machine);
    const node = execFileSync('uname', ['-n'], { encoding: 'utf8' }).trim();
    expect(got['nodename']).to.equal(node);
    expect(got['hostname']).to.equal(node.split('.')[0]);
    const memTotalKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(got['memtotal_mb']).to.equal(Math.floor(memTotalKb / 1024));
    expect(got['processor_vcpus']).to.equal(cpus().length);
    const route = execFileSync('ip', ['-4', 'route', 'get', '8.8.8.8'], { encoding: 'utf8' }).split(/\s+/);
    const ipv4 = got['default_ipv4'] as Record<string, unknown>;
    expect(ipv4['address']).to.equal(route[route.indexOf('src') + 1]);
    expect(ipv4['interface']).to.equal(route[route.indexOf('dev') + 1]);
    expect(typeof ipv4['netmask']).to.equal('string');
    expect(got['all_ipv4_addresses']).to.include(ipv4['address']);
    expect((got['env'] as Record<string, string>)['PATH']).to.be.a('string');
    expect(got['user_id']).to.equal(fleet.user);
  });
});
