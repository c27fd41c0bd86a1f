/**
 * The modules issue #17 added, run against a real sshd (loopback fleet) and compared with what
 * ansible-playbook 2.14 did with the same task (test/fixtures/ansible/<module>/).
 */
import { cp, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SshConnection } from '../../../src/transport/ssh.js';
import { runDrydock } from '../../helpers/cli.js';
import type { Fleet } from '../../helpers/fleet.js';
import { FIXTURES, closeModuleFleet, expectKeys, fixture, moduleRunner, openModuleFleet } from './fleet-setup.js';

describe('issue #17 modules against a real sshd (loopback fleet)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let conn: SshConnection;
  let dir: string;

  before(async () => {
    ({ fleet, conn, dir } = await openModuleFleet({ firstAddress: '127.0.117.1', dirPrefix: 'drydock-ansmod-' }));
  });
  after(() => closeModuleFleet({ fleet, conn, dir }));
  const run = moduleRunner(() => conn);

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
  describe('ping, stat, slurp, find, blockinfile (compared with test/fixtures/ansible/files)', () => {
    let ansible: Record<string, Record<string, unknown>>;
    let w: string;
    before(async () => {
      ansible = await fixture('files');
      w = join(dir, 'w');
      await mkdir(join(w, 'tree/sub'), { recursive: true });
      await writeFile(join(w, 'a.txt'), 'hello\n');
      await symlink('a.txt', join(w, 'link'));
      await writeFile(join(w, 'tree/one.log'), 'x\n');
      await writeFile(join(w, 'tree/sub/two.log'), 'needle here\n');
      await writeFile(join(w, 'tree/three.txt'), 'y\n');
      await utimes(join(w, 'tree/one.log'), new Date('2020-01-01'), new Date('2020-01-01'));
      await writeFile(join(w, 'block.txt'), 'line1\nline2\n');
    });

    /** The same keys and the same values, except those that name this run's paths, times and inodes. */
    function sameAs(result: Record<string, unknown>, recorded: Record<string, unknown>, skip: string[] = []): void {
      const volatile = ['atime', 'mtime', 'ctime', 'inode', 'dev', 'path', 'lnk_source', 'version', 'attr_flags', 'attributes', 'nlink', 'blocks', 'block_size', ...skip];
      for (const [key, value] of Object.entries(recorded)) {
        if (key.startsWith('_ansible') || key === 'action' || volatile.includes(key)) continue;
        expect(result, key).to.have.property(key);
        if (typeof value !== 'object' || value === null) expect(result[key], key).to.deep.equal(value);
      }
    }

    it('ping answers pong, or the data given', async () => {
      sameAs(await run('ping', { args: {} }), ansible.ping!);
      sameAs(await run('ping', { args: { data: 'hi' } }), ansible['ping data']!);
    });

    it('stat reports a file, a link, a folder and an absent path with Ansible\'s keys and values', async () => {
      for (const [name, path] of [['stat file', 'a.txt'], ['stat link', 'link'], ['stat dir', 'tree'], ['stat absent', 'nope']] as const) {
        const result = await run('stat', { args: { path: join(w, path) } });
        expect(result.changed).to.equal(false);
        const mine = result.stat as Record<string, unknown>;
        sameAs(mine, ansible[name]!.stat as Record<string, unknown>, name === 'stat dir' ? ['size'] : []);
        if (name === 'stat link') expect(mine.lnk_source).to.equal(join(w, 'a.txt'));
      }
    });

    it('slurp returns the content base64-encoded', async () => {
      const result = await run('slurp', { args: { src: join(w, 'a.txt') } });
      sameAs(result, ansible.slurp!, ['source']);
      expect(result.source).to.equal(join(w, 'a.txt'));
    });

    it('find chooses the same files as Ansible by pattern, content, age and type', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['find logs', { paths: join(w, 'tree'), patterns: '*.log', recurse: true }],
        ['find contains', { paths: join(w, 'tree'), contains: 'needle.*', recurse: true }],
        ['find old', { paths: join(w, 'tree'), age: '4w' }],
        ['find dirs', { paths: join(w, 'tree'), file_type: 'directory' }],
      ];
      for (const [name, args] of cases) {
        const result = await run('find', { args });
        const recorded = ansible[name]!;
        expect(result, name).to.include({ changed: false, matched: recorded.matched, examined: recorded.examined, msg: recorded.msg });
        const rel = (files: unknown): string[] => (files as { path: string }[]).map((f) => f.path.replace(/^.*\/tree\//, 'tree/')).sort();
        expect(rel(result.files), name).to.deep.equal(rel(recorded.files));
        sameAs((result.files as Record<string, unknown>[])[0]!, (recorded.files as Record<string, unknown>[])[0]!);
      }
      const skipped = await run('find', { args: { paths: [join(w, 'missing'), join(w, 'tree')] } });
      expect(skipped.msg).to.equal('Not all paths examined, check warnings for details');
      expect(skipped.skipped_paths).to.have.key(join(w, 'missing'));
    });

    it('blockinfile inserts, keeps, adds a second marked block, creates and removes as Ansible did', async () => {
      const steps: [string, Record<string, unknown>][] = [
        ['block add', { path: join(w, 'block.txt'), block: 'a=1\nb=2', insertafter: 'line1' }],
        ['block again', { path: join(w, 'block.txt'), block: 'a=1\nb=2', insertafter: 'line1' }],
        ['block change', { path: join(w, 'block.txt'), block: 'a=3', marker: '# {mark} MANAGED' }],
        ['block create', { path: join(w, 'new.txt'), block: 'z', create: true }],
        ['block absent', { path: join(w, 'block.txt'), state: 'absent' }],
      ];
      for (const [name, args] of steps) {
        const result = await run('blockinfile', { args, diff: true });
        const recorded = ansible[name]!;
        expect(result, name).to.include({ changed: recorded.changed, msg: recorded.msg });
        const diff = (recorded.diff as { before: string; after: string }[])[0]!;
        expect(result.diff![0], name).to.include({ before: diff.before, after: diff.after });
      }
      expect(await readFile(join(w, 'block.txt'), 'utf8')).to.equal(await readFile(join(FIXTURES, 'files/expected-block.txt'), 'utf8'));
      const missing = await run('blockinfile', { args: { path: join(w, 'none.txt'), block: 'x' } });
      expect(missing).to.include({ failed: true, rc: 257 });
    });
  });
  describe('wait_for with search_regex', () => {
    it('returns as soon as the pattern arrives on a port whose peer keeps the connection open', async () => {
      const sockets: Socket[] = [];
      const server = createServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => undefined);
        socket.write('SSH-2.0-OpenSSH_9.2 ready\r\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        const started = Date.now();
        const result = await run('wait_for', { args: { port, search_regex: 'OpenSSH_(\\S+)', timeout: 20, connect_timeout: 10 } });
        expect(result).to.deep.include({ changed: false, port, match_groups: ['9.2'], search_regex: 'OpenSSH_(\\S+)' });
        expect(Date.now() - started).to.be.below(4000);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('finds the pattern in a file with Ansible\'s match_groups (test/fixtures/ansible/files)', async () => {
      const recorded = (await fixture('files'))['wait path']!;
      const path = join(dir, 'wait.txt');
      await writeFile(path, 'hello\n');
      const result = await run('wait_for', { args: { path, search_regex: 'hel(lo)' } });
      expect(result).to.deep.include({ changed: false, match_groups: recorded.match_groups, match_groupdict: recorded.match_groupdict, search_regex: recorded.search_regex });
    });
  });
  describe('sysctl (compared with test/fixtures/ansible/sysctl)', () => {
    it('normalises, sets, adds and removes keys in sysctl_file with Ansible\'s changed sequence and final file', async () => {
      const recorded = await fixture('sysctl');
      const file = join(dir, 'sysctl.conf');
      await cp(join(FIXTURES, 'sysctl/sysctl.conf'), file);
      const steps: [string, Record<string, unknown>][] = [
        ['set', { name: 'net.ipv4.ip_forward', value: '1' }],
        ['again', { name: 'net.ipv4.ip_forward', value: 1 }],
        ['add', { name: 'net.core.somaxconn', value: '1024' }],
        ['remove', { name: 'vm.swappiness', state: 'absent' }],
        ['remove again', { name: 'vm.swappiness', state: 'absent' }],
      ];
      for (const [name, args] of steps) {
        const result = await run('sysctl', { args: { ...args, sysctl_file: file, reload: false } });
        expect(result.changed, name).to.equal(recorded[name]!.changed);
      }
      expect(await readFile(file, 'utf8')).to.equal(await readFile(join(FIXTURES, 'sysctl/expected-sysctl.conf'), 'utf8'));
    });
  });

  describe('through drydock play', () => {
    it('renders a template found beside the playbook with play vars, and leaves it untouched on the second run', async () => {
      const play = join(dir, 'e2e');
      await cp(join(FIXTURES, 'template'), play, { recursive: true });
      const dest = join(dir, 'e2e-app.conf');
      const playbook = join(play, 'site.yml');
      await writeFile(
        playbook,
        `- hosts: all\n  gather_facts: false\n  vars:\n    users: [{name: ann, admin: true}, {name: bob, admin: false}]\n    svc_port: 8080\n    none_val: null\n    flag: true\n    opts: {a: 1, b: two}\n  tasks:\n    - template: {src: app.conf.j2, dest: ${dest}, mode: "0640"}\n      register: r\n    - stat: {path: ${dest}}\n      register: s\n    - assert: {that: ["s.stat.isreg", "s.stat.mode == '0640'", "s.stat.checksum == r.checksum"]}\n`,
      );
      const env = { DRYDOCK_STATE_DIR: join(dir, 'state') };
      const first = await runDrydock(['play', playbook, '-i', fleet.inventoryFile], { env });
      expect(first.code, first.stdout + first.stderr).to.equal(0);
      expect(await readFile(dest, 'utf8')).to.equal(await readFile(join(play, 'expected-app.conf'), 'utf8'));
      const before = await stat(dest);
      const second = await runDrydock(['play', playbook, '-i', fleet.inventoryFile], { env });
      expect(second.code, second.stdout + second.stderr).to.equal(0);
      const after = await stat(dest);
      expect([after.ino, after.mtimeMs]).to.deep.equal([before.ino, before.mtimeMs]);
    });
  });
});
