import { expect } from 'chai';
import { editBlock } from '../../../src/modules/blockinfile-edit.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import { globToRegExp as fnmatchRegExp } from '../../../src/inventory/glob.js';
import { curlConfig, redact } from '../../../src/modules/http-request.js';
import { sourceCandidates } from '../../../src/modules/search-path.js';
import { fixSysctlLines } from '../../../src/modules/sysctl.js';
import { usermodArgs } from '../../../src/modules/user.js';
import { fakeContext } from './fake-context.js';

const modules = taskModules();

describe('modules added for issue #17 (fake host)', () => {
  it('looks for a relative src in a role\'s templates/ first, then beside the task file, then in the playbook folder', () => {
    expect(sourceCandidates('a.j2', ['/p/roles/web/tasks'], 'templates', '/p')).to.deep.equal([
      '/p/roles/web/templates/a.j2',
      '/p/roles/web/a.j2',
      '/p/roles/web/tasks/templates/a.j2',
      '/p/roles/web/tasks/a.j2',
      '/p/templates/a.j2',
      '/p/a.j2',
    ]);
    expect(sourceCandidates('/etc/x.j2', ['/p'], 'templates')).to.deep.equal(['/etc/x.j2']);
  });

  it('blockinfile inserts before the last match of insertbefore, and at the top with BOF', () => {
    const edit = { state: 'present' as const, block: 'x', marker: '# {mark}', markerBegin: 'B', markerEnd: 'E' };
    expect(editBlock('a\nb\na\n', { ...edit, insertbefore: '^a' }).text).to.equal('a\nb\n# B\nx\n# E\na\n');
    expect(editBlock('a\n', { ...edit, insertbefore: 'BOF' }).text).to.equal('# B\nx\n# E\na\n');
    expect(editBlock('a', edit).text).to.equal('a\n# B\nx\n# E\n');
  });

  it('find matches names as Python fnmatch does', () => {
    expect(fnmatchRegExp('*.log').test('a.log')).to.equal(true);
    expect(fnmatchRegExp('*.log').test('a.log.1')).to.equal(false);
    expect(fnmatchRegExp('[!a]?.txt').test('bc.txt')).to.equal(true);
    expect(fnmatchRegExp('[!a]?.txt').test('ac.txt')).to.equal(false);
  });

  it('sysctl rewrites each key once as key=value and reads the last value written', () => {
    expect(fixSysctlLines('# c\na = 1\nb=2\na=3\n', 'a', '4')).to.deep.equal({ text: '# c\na=4\nb=2\n', current: '3' });
  });

  it('sysctl applies the file with sysctl -p only when it changed and reload is on', async () => {
    const file = Buffer.from('vm.swappiness=60\n').toString('base64');
    const answer = (c: string) => (c.includes('base64 <') ? { stdout: file } : {});
    const changed = fakeContext({ name: 'vm.swappiness', value: 10, sysctl_file: '/etc/sysctl.d/x.conf', reload: true }, answer);
    expect(await modules.get('sysctl')!.run(changed)).to.include({ changed: true });
    expect(changed.commands.filter((c) => /^sysctl -p '?\/etc\/sysctl.d\/x.conf'?$/.test(c))).to.have.length(1);
    const same = fakeContext({ name: 'vm.swappiness', value: 60, sysctl_file: '/etc/sysctl.d/x.conf', reload: true }, answer);
    expect(await modules.get('sysctl')!.run(same)).to.include({ changed: false });
    expect(same.commands.some((c) => c.startsWith('sysctl -p'))).to.equal(false);
  });

  it('uri is skipped under --check, as Ansible\'s (check_mode support: none)', () => {
    expect(modules.get('uri')!.supportsCheck).to.equal(false);
    expect(modules.get('get_url')!.supportsCheck).to.equal(true);
  });

  it('get_url and uri refuse clearly on a host with neither curl nor wget', async () => {
    const ctx = fakeContext({ url: 'http://x/', status_code: [200], timeout: 30 }, () => ({ stdout: '' }));
    const result = await modules.get('uri')!.run(ctx);
    expect(result).to.include({ failed: true });
    expect(result.msg).to.match(/neither curl nor wget is installed on node1/);
  });

  it('keeps credentials in curl\'s config (read from stdin), never in the command, and masks them in results', async () => {
    expect(curlConfig({ url: 'http://h/', headers: { Authorization: 'Bearer "t"' }, user: 'u', password: 'p\\w', timeoutS: 5, validateCerts: true, followRedirects: false })).to.equal(
      'url = "http://h/"\nrequest = "GET"\nmax-time = 5\nheader = "Authorization: Bearer \\"t\\""\nuser = "u:p\\\\w"\n',
    );
    const ctx = fakeContext({ url: 'http://h/', headers: { Authorization: 'Bearer tok' }, status_code: [200], timeout: 30 }, (c) =>
      c.startsWith('command -v') ? { stdout: 'curl\n' } : { stdout: '200 0 http://h/\n---\nHTTP/1.1 200 OK\nContent-Type: text/plain\n\n---\n' + Buffer.from('echo Bearer tok').toString('base64') },
    );
    const result = await modules.get('uri')!.run({ ...ctx, args: { ...ctx.args, return_content: true } });
    expect(ctx.commands.join('\n')).to.not.include('tok');
    expect(String(ctx.stdins[1])).to.include('Bearer tok');
    expect(result.content).to.equal('echo ********');
    expect(redact({ a: ['x-secret-y'] }, ['secret'])).to.deep.equal({ a: ['x-********-y'] });
    const inUrl = fakeContext({ url: 'http://bob:p%40ss@h/', status_code: [200], timeout: 30 }, (c) => (c.startsWith('command -v') ? { stdout: 'curl\n' } : { stdout: '200 0 http://bob:p%40ss@h/\n---\nHTTP/1.1 200 OK\n\n---\n' }));
    expect(JSON.stringify(await modules.get('uri')!.run(inUrl))).to.not.match(/p%40ss|p@ss/);
  });

  it('package hands the request to apt on a Debian host and refuses other package managers', async () => {
    const dnf = fakeContext({ name: ['curl'], state: 'present', use: 'auto' }, (c) => (c.startsWith('for m in') ? { stdout: 'dnf\n' } : {}));
    const refused = await modules.get('package')!.run(dnf);
    expect(refused).to.include({ failed: true });
    expect(refused.msg).to.match(/apt .*only; node1 uses dnf/);
    const installed = (c: string) => (c.includes('dpkg-query') ? { stdout: 'curl\tinstall ok installed\t7.88.1-10\n' } : c.includes('madison') ? { stdout: '      curl | 7.88.1-10 | http://deb.debian.org/debian bookworm/main amd64 Packages\n' } : {});
    const viaPackage = await modules.get('package')!.run(fakeContext({ name: ['curl'], state: 'installed', use: 'auto' }, installed, { vars: { ansible_pkg_mgr: 'apt' } }));
    const viaApt = await modules.get('apt')!.run(fakeContext({ name: ['curl'], state: 'present', update_cache: false, cache_valid_time: 0, allow_downgrade: false, allow_change_held_packages: false, purge: false, autoremove: false, lock_timeout: 60 }, installed));
    expect(viaPackage).to.deep.equal(viaApt);
    expect(viaPackage.changed).to.equal(false);
  });
  it('modprobe loads a module that is not loaded (-n under --check), and reports no change when it already is', async () => {
    let loaded = false;
    const host = (c: string) => (c.startsWith('grep -q') ? { code: loaded ? 0 : 1 } : c.startsWith('modprobe') ? ((loaded = !c.includes(' -n ')), {}) : {});
    const args = { name: 'br_netfilter', state: 'present', params: 'a=1 b="x y"', persistent: 'disabled' };
    const checked = fakeContext(args, host, { check: true });
    expect(await modules.get('modprobe')!.run(checked)).to.include({ changed: true });
    expect(checked.commands).to.include(`modprobe -n br_netfilter a=1 'b=x y'`);
    const real = fakeContext(args, host);
    expect(await modules.get('modprobe')!.run(real)).to.include({ changed: true, name: 'br_netfilter', state: 'present' });
    expect(await modules.get('modprobe')!.run(fakeContext(args, host))).to.include({ changed: false });
  });

  it('user computes usermod flags only for what differs (groups replaced, or appended)', () => {
    const current = { uid: 1000, gid: 1000, groupName: 'ann', groupGid: () => 1000, groups: ['ann', 'adm', 'sudo'], shell: '/bin/sh', home: '/home/ann', comment: '' };
    expect(usermodArgs(current, { append: false, groups: ['sudo', 'adm'], shell: '/bin/sh' }, false)).to.deep.equal([]);
    expect(usermodArgs(current, { append: false, groups: ['sudo'] }, false)).to.deep.equal(['-G', 'sudo']);
    expect(usermodArgs(current, { append: true, groups: ['sudo', 'docker'], shell: '/bin/bash' }, false)).to.deep.equal(['-a', '-G', 'docker', '-s', '/bin/bash']);
    expect(usermodArgs(current, { append: false, home: '/srv/ann' }, true)).to.deep.equal(['-d', '/srv/ann', '-m']);
  });
  it('copy finds a relative src in a role\'s files/ through the search path', async () => {
    const ctx = fakeContext({ src: 'a.txt', dest: '/etc/a.txt', force: true }, (c) => (c.includes('echo absent') ? { stdout: 'absent\n' } : {}), { searchPath: ['/p/roles/r/tasks'] });
    ctx.files.set('/p/roles/r/files/a.txt', Buffer.from('A'));
    ctx.files.set('/p/roles/r/tasks/a.txt', Buffer.from('not this one'));
    const result = await modules.get('copy')!.run(ctx);
    expect(result).to.include({ changed: true, src: '/p/roles/r/files/a.txt', dest: '/etc/a.txt' });
    expect(String(ctx.stdins[ctx.stdins.length - 1])).to.equal('A');
  });
  it('template fails naming the template file and line of an undefined variable, before touching the host', async () => {
    const ctx = fakeContext({ src: 't.j2', dest: '/etc/t', force: true }, () => ({}), { searchPath: ['/p'] });
    ctx.files.set('/p/templates/t.j2', Buffer.from('a\n{{ nope }}\n'));
    const result = await modules.get('template')!.run(ctx);
    expect(result).to.include({ failed: true });
    expect(result.msg).to.match(/^\/p\/templates\/t\.j2: .*'nope' is undefined.*template line 2/);
    expect(ctx.commands).to.deep.equal([]);
  });
});
