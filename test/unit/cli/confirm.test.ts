import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../../src/errors.js';
import { confirm } from '../../../src/cli/confirm.js';

function streams() {
  const input = new PassThrough();
  let written = '';
  const output = { write: (text: string) => (written += text) };
  return { input, output, written: () => written };
}

describe('confirm', () => {
  it('shows the summary and proceeds on "y"', async () => {
    const s = streams();
    const answer = confirm({ summary: 'reboot 3 nodes: a, b, c', yes: false, isTTY: true, input: s.input, output: s.output });
    s.input.write('y\n');
    expect(await answer).to.equal(true);
    expect(s.written()).to.equal('reboot 3 nodes: a, b, c\nProceed? [y/N] ');
  });

  it('accepts "yes" in any case, refuses anything else and an empty answer', async () => {
    for (const [typed, expected] of [['YES\n', true], ['n\n', false], ['\n', false], ['sure\n', false], ['yess\n', false]] as const) {
      const s = streams();
      const answer = confirm({ summary: 'x', yes: false, isTTY: true, input: s.input, output: s.output });
      s.input.write(typed);
      expect(await answer, JSON.stringify(typed)).to.equal(expected);
    }
  });

  it('an answer that arrives in pieces is read to the end of the line', async () => {
    const s = streams();
    const answer = confirm({ summary: 'x', yes: false, isTTY: true, input: s.input, output: s.output });
    s.input.write('y');
    s.input.write('es\n');
    expect(await answer).to.equal(true);
  });

  it('closed input (Ctrl-D) is a no', async () => {
    const s = streams();
    const answer = confirm({ summary: 'x', yes: false, isTTY: true, input: s.input, output: s.output });
    s.input.end();
    expect(await answer).to.equal(false);
  });

  it('--yes proceeds without asking, still showing the summary', async () => {
    const s = streams();
    expect(await confirm({ summary: 'renew certs on cp-1', yes: true, isTTY: false, input: s.input, output: s.output })).to.equal(true);
    expect(s.written()).to.equal('renew certs on cp-1\n');
  });

  it('without a terminal and without --yes it refuses instead of guessing, after showing the plan', async () => {
    const s = streams();
    const err = await confirm({ summary: 'reboot worker1', yes: false, isTTY: false, input: s.input, output: s.output }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.equal('refusing to make changes without confirmation: pass --yes');
    expect(s.written()).to.equal('reboot worker1\n');
  });
});
