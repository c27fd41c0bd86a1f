import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { ConfigError } from '../../../src/errors.js';
import { shellQuote, shlexSplit, splitShellWords } from '../../../src/util/shell.js';

describe('util/shell', () => {
  it('quotes like Python shlex.quote, and sh reads every word back literally', () => {
    expect(shellQuote('')).to.equal("''");
    expect(shellQuote('root')).to.equal('root');
    expect(shellQuote("it's")).to.equal(`'it'"'"'s'`);
    const words = [`it's "$HOME" \`id\` $(id) \\ ; *`, '', 'a b', "'", '-n'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(out).to.equal(words.map((w) => `${w}\n`).join(''));
  });

  it('splits words like shlex.split, and reads a # as a comment only when asked', () => {
    const line = `a 'b c' "d \\"e\\"" f\\ g h#i`;
    const words = (r: ReturnType<typeof shlexSplit>) => (r.ok ? r.tokens.map((t) => t.text) : r.error);
    expect(words(shlexSplit(line))).to.deep.equal(['a', 'b c', 'd "e"', 'f g', 'h#i']);
    expect(words(shlexSplit(line, { comments: true }))).to.deep.equal(['a', 'b c', 'd "e"', 'f g', 'h']);
    expect(shlexSplit("a 'b")).to.deep.equal({ ok: false, error: 'no closing quotation', at: 2 });
  });

  it('gives ssh argument words, or a ConfigError naming the unterminated quote', () => {
    expect(splitShellWords(`-o 'ProxyCommand=ssh -W %h:%p b' -o "A=b c"`)).to.deep.equal(['-o', 'ProxyCommand=ssh -W %h:%p b', '-o', 'A=b c']);
    expect(() => splitShellWords(`-o "x`)).to.throw(ConfigError, /unterminated/);
  });
});
