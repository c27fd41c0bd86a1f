/**
 * The modules issue #17 added, run against a real sshd (loopback fleet) and compared with what
 * ansible-playbook 2.14 did with the same task (test/fixtures/ansible/<module>/).
 */
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import type { ModuleResult } from '../../../src/modules/types.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection, type SshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, startFleet, type Fleet } from '../../helpers/fleet.js';
import { realModuleContext, type RealContextOptions } from '../../helpers/module-context.js';

const modules = taskModules();
const FIXTURES = join(import.meta.dirname, '../../fixtures/ansible');

function fixture<T = Record<string, Record<string, unknown>>>(topic: string, file = 'results.json'): Promise<T> {
  return readFile(join(FIXTURES, topic, file), 'utf8').then((text) => JSON.parse(text) as T);
}

/** The keys of Ansible's result that drydock's must also have. */
function expectKeys(result: ModuleResult, ansible: Record<string, unknown>, ignore: string[] = []): void {
  const wanted = Object.keys(ansible).filter((k) => !k.startsWith('_ansible') && !['action', 'invocation', ...ignore].includes(k));
  expect(Object.keys(result)).to.include.members(wanted);
}

describe('issue #17 modules against a real sshd (loopback fleet)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let conn: SshConnection;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.117.1' });
    const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
    conn = await openSshConnection(fleetSpec(fleet), { knownHosts });
    dir = await mkdtemp(join(tmpdir(), 'drydock-ansmod-'));
  });
  after(async () => {
    await conn?.close();
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function run(name: string, options: RealContextOptions & { searchPath?: string[] }): Promise<ModuleResult> {
    const ctx = realModuleContext(conn, options);
    return modules.get(name)!.run(options.searchPath ? { ...ctx, searchPath: options.searchPath } : ctx);
  }

  describe('template', () => {
    it('writes what Ansible wrote, is ok the second time, and reports the change with a diff in check mode', async () => {
      const ansible = await fixture('template');
      const play = join(dir, 'play');
      await cp(join(FIXTURES, 'template'), play, { recursive: true });
      const dest = join(dir, 'app.conf');
      const vars = { users: [{ name: 'ann', admin: true }, { name: 'bob', admin: false }], svc_port: 8080, none_val: null, flag: true, opts: { a: 1, b: 'two' } };
      const args = { src: 'app.conf.j2', dest, mode: '0640' };
      const first = await run('template', { args, vars, searchPath: [play] });
      expect(first.changed).to.equal(ansible.first!.changed);
      expectKeys(first, ansible.first!, ['diff']);
      expect(await readFile(dest, 'utf8')).to.equal(await readFile(join(play, 'expected-app.conf'), 'utf8'));
      expect(first.checksum).to.equal(ansible.first!.checksum);
      expect((await stat(dest)).mode & 0o777).to.equal(0o640);
      const second = await run('template', { args, vars, searchPath: [play] });
      expect(second.changed).to.equal(ansible.second!.changed);
      expectKeys(second, ansible.second!, ['diff', 'path']);
      const checked = await run('template', { args, vars: { ...vars, svc_port: 10 }, searchPath: [play], check: true, diff: true });
      expect(checked.changed).to.equal(ansible['check changed']!.changed);
      const diff = (ansible['check changed']!.diff as { before: string; after: string }[])[0]!;
      expect(checked.diff).to.have.length(1);
      expect(checked.diff![0]).to.include({ before: diff.before, after: diff.after });
      expect(await readFile(dest, 'utf8')).to.equal(await readFile(join(play, 'expected-app.conf'), 'utf8'));
    });

    it('finds a role task\'s template in the role\'s templates/ before the playbook folder, and fails clearly when absent', async () => {
      const role = join(dir, 'roles/web');
      await cp(join(FIXTURES, 'template/templates'), join(role, 'templates'), { recursive: true });
      const dest = join(dir, 'role.conf');
      const vars = { users: [], svc_port: 1, none_val: 'n', flag: false, opts: {} };
      const ok = await run('template', { args: { src: 'app.conf.j2', dest }, vars, searchPath: [join(role, 'tasks')] });
      expect(ok).to.include({ changed: true });
      expect(await readFile(dest, 'utf8')).to.match(/^# Ansible managed\nlow\nnone\n/);
      const missing = await run('template', { args: { src: 'nope.j2', dest }, vars, searchPath: [join(role, 'tasks')] });
      expect(missing).to.include({ failed: true });
      expect(missing.msg).to.include(`${role}/templates/nope.j2`);
    });
  });
});
