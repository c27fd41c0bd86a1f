/**
 * user, group and modprobe's persistence against a real sshd whose sessions see a copy of /etc (and empty
 * /home and /var/log) in a private mount namespace, so nothing changes on this machine; compared with what
 * ansible-playbook 2.14 did in the same kind of namespace (test/fixtures/ansible/users).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SshConnection } from '../../../src/transport/ssh.js';
import type { Fleet } from '../../helpers/fleet.js';
import { FIXTURES, closeModuleFleet, moduleRunner, openModuleFleet } from './fleet-setup.js';

describe('user, group and modprobe against a real sshd over a private copy of /etc', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let conn: SshConnection;
  let dir: string;

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('these tests need root: the fleet binds a copy of /etc over /etc in a private mount namespace');
    ({ fleet, conn, dir } = await openModuleFleet({
      firstAddress: '127.0.118.1',
      dirPrefix: 'drydock-sysmod-',
      prepare: async (scratch) => {
        await cp('/etc', join(scratch, 'etc'), { recursive: true, verbatimSymlinks: true });
        for (const d of ['home', 'log', 'etc/modules-load.d', 'etc/modprobe.d']) await mkdir(join(scratch, d), { recursive: true });
        return {
          mounts: [
            { source: join(scratch, 'etc'), target: '/etc' },
            { source: join(scratch, 'home'), target: '/home' },
            { source: join(scratch, 'log'), target: '/var/log' },
          ],
        };
      },
    }));
  });
  after(() => closeModuleFleet({ fleet, conn, dir }));
  const run = moduleRunner(() => conn);

  it('group and user: the same changed sequence and account as Ansible\'s, and the password masked', async () => {
    const recorded = JSON.parse(await readFile(join(FIXTURES, 'users/results.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const steps: [string, string, Record<string, unknown>][] = [
      ['group add', 'group', { name: 'ddops', gid: 4242 }],
      ['group again', 'group', { name: 'ddops', gid: 4242 }],
      ['group gid', 'group', { name: 'ddops', gid: 4243 }],
      ['group2', 'group', { name: 'ddextra', system: true }],
      ['user add', 'user', { name: 'dduser', uid: 4321, group: 'ddops', groups: ['ddextra'], shell: '/bin/sh', home: '/home/dduser', comment: 'DD User' }],
      ['user again', 'user', { name: 'dduser', uid: 4321, group: 'ddops', groups: ['ddextra'], shell: '/bin/sh', home: '/home/dduser', comment: 'DD User' }],
      ['user shell', 'user', { name: 'dduser', shell: '/bin/bash' }],
      ['user groups replace', 'user', { name: 'dduser', groups: [] }],
      ['user groups append', 'user', { name: 'dduser', groups: ['ddextra'], append: true }],
    ];
    for (const [name, module, args] of steps) {
      const result = await run(module, { args });
      const want = recorded[name]!;
      expect(result.failed, `${name}: ${String(result.msg)}`).to.equal(undefined);
      expect(result.changed, name).to.equal(want.changed);
      for (const key of ['uid', 'group', 'shell', 'home', 'comment', 'name', 'state', 'groups']) if (key in want && !(module === 'group' && key === 'group')) expect(result[key], `${name}: ${key}`).to.deep.equal(want[key]);
      if (name === 'group2') expect(result.gid).to.be.a('number').below(1000);
    }
    const hash = '$6$drydock$' + 'a'.repeat(86);
    const setPassword = await run('user', { args: { name: 'dduser', password: hash } });
    expect(setPassword).to.include({ changed: true, password: 'NOT_LOGGING_PASSWORD' });
    expect(JSON.stringify(setPassword)).to.not.include(hash);
    expect((await run('user', { args: { name: 'dduser', password: hash } })).changed).to.equal(false);
    expect(await readFile(join(dir, 'etc/shadow'), 'utf8')).to.include(`dduser:${hash}:`);
    const checkOnly = await run('user', { args: { name: 'dduser', shell: '/bin/dash' }, check: true });
    expect(checkOnly.changed).to.equal(true);
    expect(await readFile(join(dir, 'etc/passwd'), 'utf8')).to.match(/^dduser:x:4321:4243:DD User:\/home\/dduser:\/bin\/bash$/m);
    for (const name of ['user absent', 'user absent again']) {
      expect((await run('user', { args: { name: 'dduser', state: 'absent', remove: name === 'user absent' } })).changed, name).to.equal(recorded[name]!.changed);
    }
    expect((await run('group', { args: { name: 'ddops', state: 'absent' } })).changed).to.equal(recorded['group absent']!.changed);
    expect(await readFile(join(dir, 'etc/group'), 'utf8')).to.not.match(/^ddops:/m);
    expect(await readFile('/etc/group', 'utf8')).to.not.match(/^ddextra:/m);
  });

  it('modprobe persistent: writes modules-load.d and modprobe.d once, comments them out when absent', async () => {
    await writeFile(join(dir, 'etc/modprobe.d/old.conf'), 'options dummy numdummies=1\n');
    const args = { name: 'dummy', state: 'absent', params: 'numdummies=2', persistent: 'present' };
    expect(await run('modprobe', { args })).to.include({ changed: true, name: 'dummy', params: 'numdummies=2', state: 'absent' });
    expect(await readFile(join(dir, 'etc/modules-load.d/dummy.conf'), 'utf8')).to.equal('dummy\n');
    expect(await readFile(join(dir, 'etc/modprobe.d/dummy.conf'), 'utf8')).to.equal('options dummy numdummies=2\n');
    expect(await readFile(join(dir, 'etc/modprobe.d/old.conf'), 'utf8')).to.equal('#options dummy numdummies=1\n');
    expect((await run('modprobe', { args })).changed).to.equal(false);
    expect((await run('modprobe', { args: { ...args, persistent: 'absent' } })).changed).to.equal(true);
    expect(await readFile(join(dir, 'etc/modules-load.d/dummy.conf'), 'utf8')).to.equal('#dummy\n');
    expect((await run('modprobe', { args: { ...args, persistent: 'absent' } })).changed).to.equal(false);
  });
});
