import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection, type SshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, skipUnlessSudo, type Fleet } from '../../helpers/fleet.js';
import { realModuleContext } from '../../helpers/module-context.js';
import { closeModuleFleet, moduleRunner, openModuleFleet } from './fleet-setup.js';

const modules = taskModules();

describe('task modules against a real sshd (loopback fleet)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let conn: SshConnection;
  let dir: string;

  before(async () => {
    ({ fleet, conn, dir } = await openModuleFleet({ firstAddress: '127.0.23.1', dirPrefix: 'drydock-modules-' }));
  });
  after(() => closeModuleFleet({ fleet, conn, dir }));
  const run = moduleRunner(() => conn);

  describe('command and shell', () => {
    it('runs argv without shell features, and shell with them', async () => {
      const cmd = await run('command', { args: {}, freeForm: `printf '%s|' $HOME 'a b'` });
      expect(cmd).to.include({ changed: true, rc: 0, stdout: '$HOME|a b|' });
      const sh = await run('shell', { args: { cmd: 'echo one; echo two >&2; exit 3' } });
      expect(sh).to.deep.include({ failed: true, rc: 3, stdout_lines: ['one'], stderr_lines: ['two'], msg: 'non-zero return code' });
    });

    it('honours chdir, stdin and creates', async () => {
      const marker = join(dir, 'made');
      const first = await run('shell', { args: { cmd: `cat > ${marker}; pwd`, chdir: dir, stdin: 'hello', creates: marker } });
      expect(first).to.include({ changed: true, stdout: dir });
      expect(await readFile(marker, 'utf8')).to.equal('hello\n');
      const second = await run('shell', { args: { cmd: 'false', chdir: dir, creates: 'ma*' } });
      expect(second).to.include({ changed: false, rc: 0 });
    });
  });

  describe('copy', () => {
    it('writes once, is ok on the second run, and backs up on change', async () => {
      const dest = join(dir, 'app.conf');
      const first = await run('copy', { args: { content: 'a=1\n', dest, mode: '0640' } });
      expect(first.changed).to.equal(true);
      expect((await stat(dest)).mode & 0o777).to.equal(0o640);
      expect((await run('copy', { args: { content: 'a=1\n', dest, mode: '0640' } })).changed).to.equal(false);
      const modeOnly = await run('copy', { args: { content: 'a=1\n', dest, mode: '0600' } });
      expect(modeOnly.changed).to.equal(true);
      expect((await stat(dest)).mode & 0o777).to.equal(0o600);
      const changed = await run('copy', { args: { content: 'a=2\n', dest, backup: true }, diff: true });
      expect(changed.diff).to.deep.equal([{ path: dest, before: 'a=1\n', after: 'a=2\n' }]);
      expect(changed.backup_file).to.match(/app\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
      expect(await readFile(changed.backup_file as string, 'utf8')).to.equal('a=1\n');
      expect(await readFile(dest, 'utf8')).to.equal('a=2\n');
      expect((await stat(dest)).mode & 0o777).to.equal(0o600);
    });

    it('writes nothing in check mode but reports the change', async () => {
      const dest = join(dir, 'check.conf');
      const result = await run('copy', { args: { content: 'x', dest }, check: true });
      expect(result.changed).to.equal(true);
      expect(existsSync(dest)).to.equal(false);
    });

    it('copies a controller file into a destination directory, and refuses to replace a directory by content', async () => {
      const src = join(dir, 'local.txt');
      await writeFile(src, 'from controller');
      const sub = join(dir, 'sub');
      await run('file', { args: { path: sub, state: 'directory' } });
      const result = await run('copy', { args: { src, dest: `${sub}/` } });
      expect(result).to.include({ changed: true, dest: join(sub, 'local.txt') });
      expect((await run('copy', { args: { content: 'x', dest: sub } })).failed).to.equal(true);
    });
  });

  describe('file', () => {
    it('creates directories, links and removes them idempotently', async () => {
      const d = join(dir, 'tree/a/b');
      expect((await run('file', { args: { path: d, state: 'directory', mode: '0750' } })).changed).to.equal(true);
      expect((await run('file', { args: { path: d, state: 'directory', mode: '0750' } })).changed).to.equal(false);
      expect((await stat(d)).mode & 0o777).to.equal(0o750);
      const link = join(dir, 'link');
      expect((await run('file', { args: { path: link, state: 'link', src: d } })).changed).to.equal(true);
      expect((await run('file', { args: { path: link, state: 'link', src: d } })).changed).to.equal(false);
      const t = join(dir, 'touched');
      expect((await run('file', { args: { path: t, state: 'touch' } })).changed).to.equal(true);
      expect((await run('file', { args: { path: t, state: 'link', src: d } })).failed).to.equal(true);
      expect((await run('file', { args: { path: join(dir, 'tree'), state: 'absent' }, check: true })).changed).to.equal(true);
      expect(existsSync(d)).to.equal(true);
      expect((await run('file', { args: { path: join(dir, 'tree'), state: 'absent' } })).changed).to.equal(true);
      expect(existsSync(d)).to.equal(false);
      expect((await run('file', { args: { path: join(dir, 'tree'), state: 'absent' } })).changed).to.equal(false);
    });
  });

  describe('lineinfile', () => {
    it('edits in place, idempotently, keeping the mode, with a diff', async () => {
      const path = join(dir, 'sshd_config');
      await writeFile(path, 'Port 22\nPermitRootLogin yes\n', { mode: 0o600 });
      const first = await run('lineinfile', { args: { path, regexp: '^PermitRootLogin', line: 'PermitRootLogin no' }, diff: true });
      expect(first).to.include({ changed: true, msg: 'line replaced' });
      expect(first.diff).to.deep.equal([{ path, before: 'Port 22\nPermitRootLogin yes\n', after: 'Port 22\nPermitRootLogin no\n' }]);
      expect(await readFile(path, 'utf8')).to.equal('Port 22\nPermitRootLogin no\n');
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect((await run('lineinfile', { args: { path, regexp: '^PermitRootLogin', line: 'PermitRootLogin no' } })).changed).to.equal(false);
      expect((await run('lineinfile', { args: { path, line: 'X', state: 'present' } , check: true })).changed).to.equal(true);
      expect(await readFile(path, 'utf8')).to.equal('Port 22\nPermitRootLogin no\n');
    });

    it('fails on a missing file unless create', async () => {
      const path = join(dir, 'new/created.conf');
      expect((await run('lineinfile', { args: { path, line: 'a' } })).msg).to.equal(`Destination ${path} does not exist !`);
      expect((await run('lineinfile', { args: { path, line: 'a', create: true } })).changed).to.equal(true);
      expect(await readFile(path, 'utf8')).to.equal('a\n');
    });

    it('as blockinfile: a backup when asked, the mode of an unchanged file, a bad regexp failed, a new folder made', async () => {
      const cases = [
        ['lineinfile', { line: 'b=2' }, { regexp: '(' }],
        ['blockinfile', { block: 'b=2' }, { marker: '# {mark} OTHER', insertafter: '(' }],
      ] as const;
      for (const [module, args, badArgs] of cases) {
        const path = join(dir, `${module}.conf`);
        await writeFile(path, 'a=1\n', { mode: 0o644 });
        const edited = await run(module, { args: { path, ...args, backup: true } });
        expect(edited.changed, module).to.equal(true);
        expect(await readFile(edited.backup_file as string, 'utf8')).to.equal('a=1\n');
        expect(edited.backup, module).to.equal(module === 'lineinfile' ? edited.backup_file : undefined);
        const moded = await run(module, { args: { path, ...args, mode: '0600' } });
        expect(moded.changed, module).to.equal(true);
        expect(moded.msg, module).to.match(/ownership, perms or SE linux context changed$/);
        expect((await stat(path)).mode & 0o777).to.equal(0o600);
        const bad = await run(module, { args: { path, ...args, ...badArgs } });
        expect(bad.failed, module).to.equal(true);
        expect(bad.msg, module).to.match(/^invalid regular expression: /);
        const fresh = join(dir, `${module}-new/x.conf`);
        expect((await run(module, { args: { path: fresh, ...args, create: true } })).changed, module).to.equal(true);
        expect(await readFile(fresh, 'utf8'), module).to.include('b=2\n');
      }
    });
  });

  describe('fetch', () => {
    it('lays out dest/<host>/<path>, changed only when the local copy differs', async () => {
      const src = join(dir, 'remote.txt');
      await writeFile(src, 'remote data');
      const out = join(dir, 'fetched');
      const first = await run('fetch', { args: { src, dest: out } });
      const local = join(out, conn.name, src);
      expect(first).to.include({ changed: true, dest: local });
      expect(await readFile(local, 'utf8')).to.equal('remote data');
      expect((await run('fetch', { args: { src, dest: out } })).changed).to.equal(false);
      expect((await run('fetch', { args: { src: join(dir, 'nope'), dest: out } })).failed).to.equal(true);
      expect((await run('fetch', { args: { src: join(dir, 'nope'), dest: out, fail_on_missing: false } })).failed).to.equal(undefined);
    });
  });

  describe('with become (sudo as the fleet sudo user)', () => {
    let sudoConn: SshConnection;
    before(async function () {
      skipUnlessSudo(this, fleet);
      const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
      sudoConn = await openSshConnection(fleetSpec(fleet, fleet.hosts[0], { user: fleet.sudoUser }), { knownHosts });
    });
    after(async () => sudoConn?.close());

    it('writes into and fetches from a root-only folder, which SFTP as the login user could not', async () => {
      const secret = join(dir, 'root-only');
      await run('file', { args: { path: secret, state: 'directory', mode: '0700' } });
      const become = { enabled: true, user: 'root', password: fleet.sudoPassword };
      const ctx = (args: Record<string, unknown>) => realModuleContext(sudoConn, { args, become });
      const dest = join(secret, 'admin.conf');
      const copied = await modules.get('copy')!.run(ctx({ content: 'token: x\n', dest, mode: '0600' }));
      expect(copied).to.include({ changed: true });
      expect((await stat(dest)).uid).to.equal(0);
      expect((await modules.get('copy')!.run(ctx({ content: 'token: x\n', dest, mode: '0600' }))).changed).to.equal(false);
      const edited = await modules.get('lineinfile')!.run(ctx({ path: dest, line: 'server: https://cp1:6443', insertbefore: 'BOF' }));
      expect(edited.changed).to.equal(true);
      const out = join(dir, 'fetched-root');
      const fetched = await modules.get('fetch')!.run(ctx({ src: dest, dest: `${out}/`, flat: true }));
      expect(fetched.changed).to.equal(true);
      expect(await readFile(join(out, 'admin.conf'), 'utf8')).to.equal('server: https://cp1:6443\ntoken: x\n');
      // Without become the login user cannot even read it: the module reports that, it does not throw.
      const denied = await modules.get('fetch')!.run(realModuleContext(sudoConn, { args: { src: dest, dest: out } }));
      expect(denied.failed).to.equal(true);
      expect(denied.msg).to.include('permission denied');
    });
  });

  describe('wait_for', () => {
    it('finds the fleet sshd port open as seen from the host, and times out on a closed port', async () => {
      const open = await run('wait_for', { args: { host: fleet.hosts[0]!.address, port: fleet.port, timeout: 5 } });
      expect(open).to.include({ changed: false, port: fleet.port });
      const closed = await run('wait_for', { args: { host: '127.0.23.1', port: 1, timeout: 1, sleep: 1 } });
      expect(closed.failed).to.equal(true);
      expect(closed.msg).to.include('127.0.23.1:1');
      const gone = await run('wait_for', { args: { path: join(dir, 'never'), state: 'absent', timeout: 1 } });
      expect(gone.failed).to.equal(undefined);
    });
  });
});
