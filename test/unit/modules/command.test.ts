import { expect } from 'chai';
import { ansibleDelta, globExistsScript, quoteArgv, quoteGlob, splitWords } from '../../../src/modules/command-line.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import { fakeContext } from './fake-context.js';

const modules = taskModules();
const command = modules.get('command')!;
const shell = modules.get('shell')!;

describe('modules/command line handling (pure)', () => {
  it('splits free-form text like shlex (quotes, escapes, no comments)', () => {
    expect(splitWords(`echo 'a b' "c \\"d\\"" e\\ f g#h`)).to.deep.equal(['echo', 'a b', 'c "d"', 'e f', 'g#h']);
    expect(splitWords(`printf ''`)).to.deep.equal(['printf', '']);
  });

  it('quotes every word so the shell sees no features', () => {
    expect(quoteArgv(['echo', '$HOME', 'a;b', "it's", ''])).to.equal(`echo '$HOME' 'a;b' 'it'"'"'s' ''`);
  });

  it('keeps glob characters of creates/removes live and quotes the rest', () => {
    expect(quoteGlob('/etc/my dir/*.conf')).to.equal(`'/etc/my dir/'*.conf`);
    expect(globExistsScript('/a b')).to.include(`for f in '/a b'; do`);
  });

  it('formats delta as Python timedelta', () => {
    expect(ansibleDelta(1250)).to.equal('0:00:01.250000');
    expect(ansibleDelta(3_723_004)).to.equal('1:02:03.004000');
  });
});

describe('modules/command and shell (fake host)', () => {
  it('runs the quoted argv, with chdir and stdin, and reports changed with Ansible result fields', async () => {
    const ctx = fakeContext({ argv: ['ls', '-l', 'my file'], chdir: '/srv/x y', stdin: 'data' }, () => ({ stdout: 'a\nb\n\n', stderr: '' }));
    const result = await command.run(ctx);
    expect(ctx.commands).to.deep.equal([`cd -- '/srv/x y' && ls -l 'my file'`]);
    expect(ctx.stdins[0]).to.equal('data\n');
    expect(result).to.deep.include({ changed: true, rc: 0, stdout: 'a\nb', stdout_lines: ['a', 'b'], stderr_lines: [], cmd: ['ls', '-l', 'my file'] });
    expect(result.delta).to.match(/^0:00:00\.\d{6}$/);
    expect(result.start).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('fails on a non-zero exit with "non-zero return code"', async () => {
    const result = await shell.run(fakeContext({ cmd: 'false' }, () => ({ code: 2, stderr: 'boom\n' })));
    expect(result).to.include({ failed: true, rc: 2, msg: 'non-zero return code', stderr: 'boom', changed: true });
  });

  it('shell runs the text through the executable', async () => {
    const ctx = fakeContext({ executable: '/bin/bash' }, () => ({}));
    ctx.freeForm = 'echo $HOME | wc -c';
    await shell.run(ctx);
    expect(ctx.commands[0]).to.equal(`/bin/bash -c 'echo $HOME | wc -c'`);
  });

  it('creates short-circuits without running the command; removes too', async () => {
    const exists = fakeContext({ cmd: 'make install', creates: '/opt/app/bin/*' }, (c) => ({ code: c.includes('for f in') ? 0 : 99 }));
    const skipped = await command.run(exists);
    expect(skipped).to.include({ changed: false, rc: 0, msg: "Did not run command since '/opt/app/bin/*' exists" });
    expect(exists.commands).to.have.length(1);
    const missing = fakeContext({ cmd: 'rm x', removes: '/x' }, () => ({ code: 1 }));
    expect(await command.run(missing)).to.include({ changed: false, msg: "Did not run command since '/x' does not exist" });
  });

  it('does not run in check mode: skipped, or changed when creates/removes decided it would run', async () => {
    const plain = fakeContext({ cmd: 'reboot' }, () => ({}), { check: true });
    expect(await command.run(plain)).to.include({ skipped: true, changed: false });
    expect(plain.commands).to.deep.equal([]);
    const decided = fakeContext({ cmd: 'make', creates: '/nope' }, () => ({ code: 1 }), { check: true });
    expect(await command.run(decided)).to.include({ changed: true });
    expect(decided.commands).to.have.length(1);
  });
});
