import { execFile } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CommandTimeoutError, ConfigError, HostUnreachableError } from '../../../src/errors.js';
import { BecomeError } from '../../../src/transport/become.js';
import {
  OutputTail,
  StderrPreamble,
  envPrefix,
  killScript,
  normaliseSignal,
  planCommand,
  runCommand,
} from '../../../src/transport/exec.js';
import type { ExecChannel, ExecHost } from '../../../src/transport/exec.js';
import type { BecomeSpec } from '../../../src/transport/types.js';

const run = promisify(execFile);

/** A channel like ssh2's: no automatic 'close'; the test decides exit status and close. */
class FakeChannel extends Duplex {
  readonly stderr = new PassThrough();
  readonly written: string[] = [];
  stdinEnded = false;
  closedByClient = false;
  constructor(readonly command: string) {
    super({ emitClose: false, autoDestroy: false, allowHalfOpen: true });
    this.on('finish', () => {
      this.stdinEnded = true;
    });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.written.push(chunk.toString());
    done();
  }
  close(): void {
    this.closedByClient = true;
    this.finish(undefined);
  }
  /** Ends the channel: with an exit code, a signal, or (undefined) no status at all. */
  finish(code: number | undefined, signal?: string): void {
    if (code !== undefined || signal) this.emit('exit', code ?? null, signal);
    this.push(null);
    this.stderr.end();
    setImmediate(() => this.emit('close'));
  }
  pid(nonceLine: string): void {
    this.stderr.write(nonceLine);
  }
}

class FakeHost implements ExecHost {
  readonly name = 'web1';
  readonly loginUser = 'deploy';
  readonly channels: FakeChannel[] = [];
  onOpen: (channel: FakeChannel) => void = () => undefined;
  async openExecChannel(remoteCommand: string): Promise<ExecChannel> {
    const channel = new FakeChannel(remoteCommand);
    this.channels.push(channel);
    setImmediate(() => this.onOpen(channel));
    return channel as unknown as ExecChannel;
  }
}

/** The PID tag the wrapper of `channel` prints first. */
function pidLine(channel: FakeChannel, pid: number): string {
  const tag = /DRYDOCK-PID-[0-9a-f]+/.exec(channel.command)![0];
  return `${tag} ${pid}\n`;
}

function markers(channel: FakeChannel): { ok: string; prompt: string } {
  return {
    ok: /DRYDOCK-BECOME-OK-[0-9a-f]+/.exec(channel.command)![0],
    prompt: /DRYDOCK-SUDO-PROMPT-[0-9a-f]+:/.exec(channel.command)?.[0] ?? '',
  };
}

const noBecome: BecomeSpec = { enabled: false, user: 'root', method: 'sudo' };
const sudo = (password?: string): BecomeSpec => ({ enabled: true, user: 'root', method: 'sudo', ...(password ? { password } : {}) });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('exec: command wrapping', () => {
  it('quotes env values so the shell takes them literally', () => {
    expect(envPrefix({ A: "it's $HOME", B: '' })).to.equal(`export A='it'"'"'s $HOME'; export B=''; `);
    expect(() => envPrefix({ 'BAD-NAME': 'x' })).to.throw(ConfigError, 'BAD-NAME');
  });

  it('prints a nonce-tagged PID first, then runs the command in sh with the env', async () => {
    const plan = planCommand(`printf '%s|' "$X" "it's"; echo $$`, { nonce: 'abc', env: { X: 'a b$c' } });
    expect(plan.become).to.equal(undefined);
    // Run the wrapped line as sshd would, through a login shell.
    const { stdout, stderr } = await run('bash', ['-c', plan.remote]);
    const pid = /^DRYDOCK-PID-abc (\d+)\n$/.exec(stderr)?.[1];
    expect(pid).to.match(/^\d+$/);
    // exec all the way down: the command's own PID is the one the wrapper reported.
    expect(stdout).to.equal(`a b$c|it's|${pid}\n`);
  });

  it('wraps through sudo when become is on, never putting the password in the command', () => {
    const plan = planCommand('id -u', { nonce: 'n1', become: sudo('s3cret') });
    expect(plan.remote).to.include('sudo -k -S -p').and.include('DRYDOCK-SUDO-PROMPT-n1:').and.include('-u root --');
    expect(plan.remote).not.to.include('s3cret');
    expect(plan.become?.stdinPrefix).to.equal('s3cret\n');
    expect(planCommand('id -u', { nonce: 'n2', become: sudo() }).remote).to.include('sudo -n -u');
  });

  it('kills the process group and those of its descendants (setsid) with TERM, then KILL after the grace period', () => {
    const script = killScript(4242, 1000);
    expect(script).to.include('ps -e -o pid= -o ppid= -o pgid=').and.include('signal TERM').and.include('[ $i -lt 10 ]').and.include('signal KILL');
    expect(script).to.include('kill -$1 -$g');
    expect(script.split('\n')[0]).to.equal('p=4242');
  });

  it('normalises signal names to drop SIG', () => {
    expect(normaliseSignal('SIGTERM')).to.equal('TERM');
    expect(normaliseSignal('KILL')).to.equal('KILL');
    expect(normaliseSignal(undefined)).to.equal(null);
  });
});

describe('exec: output capture', () => {
  it('keeps the tail, counts everything and flags truncation', () => {
    const tail = new OutputTail(5);
    for (const part of ['abc', 'defg', 'hij']) tail.push(Buffer.from(part));
    expect(tail.text()).to.equal('fghij');
    expect(tail.total).to.equal(10);
    expect(tail.truncated).to.equal(true);
    const big = new OutputTail(3);
    big.push(Buffer.from('0123456789'));
    expect(big.text()).to.equal('789');
  });

  it('does not start a truncated tail inside a UTF-8 character', () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from('aé€'));
    expect(tail.text()).to.equal('€');
  });

  it('stays untruncated when output fits', () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from('0123456789'));
    expect(tail.truncated).to.equal(false);
    expect(tail.text()).to.equal('0123456789');
  });

  it('separates the wrapper lines from stderr, even split across chunks', () => {
    const plan = planCommand('true', { nonce: 'ff', become: sudo('pw') });
    const events: string[] = [];
    const out: string[] = [];
    const preamble = new StderrPreamble(plan, {
      pid: (pid) => events.push(`pid ${pid}`),
      prompt: () => events.push('prompt'),
      success: () => events.push('ok'),
      output: (chunk) => out.push(chunk.toString()),
    });
    const stream = `bashrc noise\nDRYDOCK-PID-ff 77\nDRYDOCK-SUDO-PROMPT-ff:Sorry, try again.\nDRYDOCK-SUDO-PROMPT-ff:DRYDOCK-BECOME-OK-ff\nreal stderr`;
    for (let i = 0; i < stream.length; i += 7) preamble.push(Buffer.from(stream.slice(i, i + 7)));
    preamble.flush();
    expect(events).to.deep.equal(['pid 77', 'prompt', 'prompt', 'ok']);
    expect(out.join('')).to.equal('bashrc noise\nSorry, try again.\nreal stderr');
    expect(preamble.sudoOutput).to.equal('Sorry, try again.\n');
  });
});

describe('exec: running a command on a channel', () => {
  it('resolves with the exit code and the output without wrapper lines', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      channel.pid(pidLine(channel, 10));
      channel.push('out');
      channel.stderr.write('err');
      channel.finish(3);
    };
    const result = await runCommand(host, 'false', { stdin: 'in' }, { become: noBecome });
    expect(result).to.include({ code: 3, signal: null, stdout: 'out', stderr: 'err', timedOut: false });
    expect(host.channels[0]!.written).to.deep.equal(['in']);
    expect(host.channels[0]!.stdinEnded).to.equal(true);
  });

  it('runs no sudo to become the user it is logged in as (Ansible does not either)', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      channel.pid(pidLine(channel, 11));
      channel.finish(0);
    };
    const same: BecomeSpec = { enabled: true, user: 'deploy', method: 'sudo', password: 'pw' };
    expect((await runCommand(host, 'id', {}, { become: same })).code).to.equal(0);
    expect(host.channels[0]!.command).to.not.contain('sudo');
    expect(host.channels[0]!.written).to.deep.equal([]);
  });

  it('reports a signal without the SIG prefix', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => channel.finish(undefined, 'SIGTERM');
    expect(await runCommand(host, 'x', {}, { become: noBecome })).to.include({ code: null, signal: 'TERM' });
  });

  it('rejects as lost when the channel closes without an exit status', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => channel.finish(undefined);
    const err = await rejection(runCommand(host, 'apt-get upgrade', {}, { become: noBecome }));
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'lost', host: 'web1' });
    expect((err as Error).message).to.include('apt-get upgrade').and.include('not re-run');
  });

  it('writes the sudo password only after the prompt, and the caller stdin only after success', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      const { ok, prompt } = markers(channel);
      channel.pid(pidLine(channel, 11));
      expect(channel.written).to.deep.equal([]);
      channel.stderr.write(prompt);
      setImmediate(() => {
        expect(channel.written).to.deep.equal(['pw\n']);
        channel.stderr.write(`${ok}\n`);
        setImmediate(() => {
          expect(channel.written).to.deep.equal(['pw\n', 'data']);
          expect(channel.stdinEnded).to.equal(true);
          channel.finish(0);
        });
      });
    };
    const result = await runCommand(host, 'cat', { stdin: 'data' }, { become: sudo('pw') });
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal('');
  });

  it('never sends the password when sudo does not ask for it', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      channel.pid(pidLine(channel, 12));
      channel.stderr.write(`${markers(channel).ok}\n`);
      setImmediate(() => channel.finish(0));
    };
    await runCommand(host, 'cat', { stdin: 'data' }, { become: sudo('pw') });
    expect(host.channels[0]!.written).to.deep.equal(['data']);
  });

  it('ends stdin at a second prompt and reports the wrong password without it', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      const { prompt } = markers(channel);
      channel.pid(pidLine(channel, 13));
      channel.stderr.write(prompt);
      setImmediate(() => {
        channel.stderr.write(`Sorry, try again.\n${prompt}`);
        setImmediate(() => {
          expect(channel.stdinEnded).to.equal(true);
          channel.stderr.write('\nsudo: 1 incorrect password attempt\n');
          channel.finish(1);
        });
      });
    };
    const err = await rejection(runCommand(host, 'id -u', { stdin: 'secret-data' }, { become: sudo('hunter2') }));
    expect(err).to.be.instanceOf(BecomeError);
    expect(err).to.include({ reason: 'wrong-password' });
    expect((err as Error).message).not.to.include('hunter2').and.not.to.include('DRYDOCK');
    expect(host.channels[0]!.written).to.deep.equal(['hunter2\n']);
  });

  it('on timeout kills the process group over a second channel and rejects with the result', async () => {
    const host = new FakeHost();
    host.onOpen = (channel) => {
      if (channel.command.includes('signal TERM')) {
        // The kill script: the command's channel ends with the signal, then the kill channel exits 0.
        host.channels[0]!.finish(undefined, 'SIGTERM');
        channel.pid(pidLine(channel, 99));
        channel.finish(0);
        return;
      }
      channel.pid(pidLine(channel, 4242));
      channel.push('partial');
    };
    const err = await rejection(runCommand(host, 'sleep 100', { timeoutMs: 30 }, { become: noBecome }));
    expect(err).to.be.instanceOf(CommandTimeoutError);
    expect((err as Error).message).to.equal('web1: command timed out after 0.03s: sleep 100');
    expect((err as { result: object }).result).to.include({ timedOut: true, signal: 'TERM', stdout: 'partial' });
    expect(host.channels[1]!.command).to.include('p=4242');
  });
});
