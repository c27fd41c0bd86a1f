import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { BecomeError, classifyBecomeFailure, stripPromptMarker, wrapBecome } from '../../../src/transport/become.js';
import { shellQuote } from '../../../src/util/shell.js';

const run = promisify(execFile);

describe('become: sudo wrapping', () => {
  it('single-quotes words so any sh takes them literally', async () => {
    const word = `it's "$HOME" \`id\` $(id) \\ ; *`;
    const { stdout } = await run('sh', ['-c', `printf %s ${shellQuote(word)}`]);
    expect(stdout).to.equal(word);
  });

  it('uses sudo -S with a unique prompt and the password on stdin when there is one', () => {
    const wrap = wrapBecome('id -u', { user: 'postgres', password: 'pa ss' }, 'n0nce');
    expect(wrap.command).to.match(/^sudo -k -S -p DRYDOCK-SUDO-PROMPT-n0nce: -u postgres -- sh -c '/);
    expect(wrap.command).not.to.include('pa ss');
    expect(wrap).to.include({ stdinPrefix: 'pa ss\n', promptMarker: 'DRYDOCK-SUDO-PROMPT-n0nce:', successMarker: 'DRYDOCK-BECOME-OK-n0nce' });
  });

  it('uses sudo -n without a password, so sudo fails instead of waiting for one', () => {
    const wrap = wrapBecome('id -u', { user: 'root' }, 'x');
    expect(wrap.command).to.match(/^sudo -n -u root -- sh -c '/);
    expect(wrap.stdinPrefix).to.equal(undefined);
    expect(wrap.promptMarker).to.equal(undefined);
  });

  it('prints the success marker before the command, even when the command does not parse', async () => {
    const wrap = wrapBecome('echo one; if then', { user: 'root' }, 'z');
    // Strip "sudo -n -u 'root' -- " and run the escalated part directly.
    const escalated = wrap.command.replace(/^sudo -n -u 'root' -- /, '');
    const result = await run('sh', ['-c', escalated]).catch((err: { stderr: string }) => err);
    expect(result.stderr.split('\n')[0]).to.equal('DRYDOCK-BECOME-OK-z');
  });

  it('classifies what sudo printed', () => {
    expect(classifyBecomeFailure('Sorry, try again.\n', false)).to.equal('wrong-password');
    expect(classifyBecomeFailure('sudo: no password was provided\n', true)).to.equal('wrong-password');
    expect(classifyBecomeFailure('sudo: 3 incorrect password attempts\n', false)).to.equal('wrong-password');
    expect(classifyBecomeFailure('sudo: a password is required\n', false)).to.equal('password-required');
    expect(classifyBecomeFailure('sudo: sorry, you must have a tty to run sudo\n', false)).to.equal('requiretty');
    expect(classifyBecomeFailure('deploy is not in the sudoers file.  This incident will be reported.\n', false)).to.equal(
      'not-permitted',
    );
    expect(classifyBecomeFailure('sudo: unknown user postgres\n', false)).to.equal('failed');
  });

  it('explains the failure, names the command, and carries no password', () => {
    const err = new BecomeError('db1', 'systemctl restart x', 1, 'requiretty', 'deploy', 'root', 'sudo: sorry, you must have a tty to run sudo\n');
    expect(err.message).to.equal(
      'db1: could not become root: sudo requires a terminal (sudoers "Defaults requiretty"); disable requiretty for this ' +
        'user; command not run: systemctl restart x\nsudo: sorry, you must have a tty to run sudo',
    );
    expect(err).to.include({ host: 'db1', exitCode: 1, reason: 'requiretty', code: 'REMOTE_COMMAND' });
  });

  it('removes the prompt marker from text', () => {
    expect(stripPromptMarker('P:Sorry\nP:', 'P:')).to.equal('Sorry\n');
    expect(stripPromptMarker('text', undefined)).to.equal('text');
  });
});
