import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { askSecret, typeInto } from '../../../src/cli/ask-secret.js';
import { UsageError } from '../../../src/errors.js';

function terminal(): PassThrough & { isTTY: boolean; modes: boolean[]; setRawMode(mode: boolean): void } {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; modes: boolean[]; setRawMode(mode: boolean): void };
  input.isTTY = true;
  input.modes = [];
  input.setRawMode = (mode) => input.modes.push(mode);
  return input;
}

describe('-K: reading the become password without echo', () => {
  it('reads up to Enter in raw mode, with backspace and Ctrl-U, and echoes nothing of it', async () => {
    const input = terminal();
    let shown = '';
    const answer = askSecret('BECOME password: ', { input, output: { write: (t: string) => (shown += t) } });
    input.write('wrong\u0015s3x\u007fcr3t\r');
    expect(await answer).to.equal('s3cr3t');
    expect(shown).to.equal('BECOME password: \n');
    expect(input.modes).to.deep.equal([true, false]);
  });

  it('Ctrl-C interrupts instead of answering; without a terminal it refuses before asking', async () => {
    const input = terminal();
    let interrupted = false;
    const answer = askSecret('p: ', { input, output: { write: () => true }, interrupt: () => (interrupted = true) });
    input.write('ab\u0003');
    const err = await answer.then(() => undefined, (e: unknown) => e);
    expect(interrupted).to.equal(true);
    expect(err).to.be.instanceOf(UsageError);
    const pipe = new PassThrough();
    const refused = await askSecret('p: ', { input: pipe, output: { write: () => true } }).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(UsageError);
    expect((refused as Error).message).to.contain('-e @file');
  });

  it('line editing: Enter and Ctrl-D end the line', () => {
    expect(typeInto('ab', '\n')).to.equal(null);
    expect(typeInto('ab', '\u0004')).to.equal(null);
    expect(typeInto('ab', '\b')).to.equal('a');
  });
});
