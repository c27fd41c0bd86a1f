import { expect } from 'chai';
import { parseHostAddress, parsePythonLiteral } from '../../../src/inventory/index.js';
import { PyFloat } from '../../../src/util/pyfloat.js';
import { shlexSplit as split } from '../../../src/util/shell.js';

const shlexSplit = (line: string) => split(line, { comments: true });

const lit = (text: string): unknown => {
  const r = parsePythonLiteral(text);
  return r.ok ? r.value : '<not a literal>';
};

describe('inventory/values (Python literals, shlex, addresses)', () => {
  it('parses Python literals as ast.literal_eval does', () => {
    expect(lit('42')).to.equal(42);
    expect(lit('-7')).to.equal(-7);
    expect(lit('1_000')).to.equal(1000);
    expect(lit('0x1f')).to.equal(31);
    expect(lit('0o17')).to.equal(15);
    expect(lit('0b101')).to.equal(5);
    expect(lit('1.5')).to.equal(1.5);
    expect(lit('.5')).to.equal(0.5);
    // 1e3 is a float: an integral one is a PyFloat box, so it still prints "1000.0" as in Python.
    expect(lit('1e3')).to.be.instanceOf(PyFloat);
    expect(String(lit('1e3'))).to.equal('1000.0');
    expect(String(lit('-2.0'))).to.equal('-2.0');
    expect(lit('True')).to.equal(true);
    expect(lit('False')).to.equal(false);
    expect(lit('None')).to.equal(null);
    expect(lit("'it''s'")).to.equal('its');
    expect(lit('"a\\tb\\x41\\u00e9"')).to.equal('a\tbA\u00e9');
    expect(lit('[1, "a", (2, 3)]')).to.deep.equal([1, 'a', [2, 3]]);
    expect(lit("{'a': 1, 'b': [True]}")).to.deep.equal({ a: 1, b: [true] });
    expect(lit('23 # comment')).to.equal(23);
  });

  it('refuses what literal_eval refuses', () => {
    for (const text of ['true', 'yes', '0755', '1.2.3', 'abc', '1j', '[1,', "'open", '1 2', '', 'os.system("x")']) {
      expect(lit(text), text).to.equal('<not a literal>');
    }
  });

  it('splits host lines like shlex with comments', () => {
    const split = shlexSplit(`h1 a='x y' b="say \\"hi\\"" c=d\\ e f=g#comment`);
    expect(split).to.deep.equal({
      ok: true,
      tokens: [
        { text: 'h1', start: 0 },
        { text: 'a=x y', start: 3 },
        { text: 'b=say "hi"', start: 11 },
        { text: 'c=d e', start: 26 },
        { text: 'f=g', start: 33 },
      ],
    });
    expect(shlexSplit('h1 # all comment')).to.deep.equal({ ok: true, tokens: [{ text: 'h1', start: 0 }] });
    expect(shlexSplit("h1 a='x")).to.deep.equal({ ok: false, error: 'no closing quotation', at: 5 });
  });

  it('parses host addresses with ports, ranges and IPv6', () => {
    expect(parseHostAddress('web1')).to.deep.equal({ ok: true, host: 'web1' });
    expect(parseHostAddress('web1:2222')).to.deep.equal({ ok: true, host: 'web1', port: 2222 });
    expect(parseHostAddress('web[1:3]:22')).to.deep.equal({ ok: true, host: 'web[1:3]', port: 22 });
    expect(parseHostAddress('web[1:3]')).to.deep.equal({ ok: true, host: 'web[1:3]' });
    expect(parseHostAddress('fe80::1')).to.deep.equal({ ok: true, host: 'fe80::1' });
    expect(parseHostAddress('[2001:db8::1]:22')).to.deep.equal({ ok: true, host: '2001:db8::1', port: 22 });
    expect(parseHostAddress('10.0.0.1:22')).to.deep.equal({ ok: true, host: '10.0.0.1', port: 22 });
    expect(parseHostAddress('web1:99999')).to.deep.equal({ ok: false, error: 'invalid port in "web1:99999": 99999 is not between 1 and 65535' });
    expect(parseHostAddress('web1:ssh').ok).to.equal(false);
  });
});
