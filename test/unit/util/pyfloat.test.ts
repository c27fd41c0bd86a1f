import { expect } from 'chai';
import { PyFloat, formatPyFloat, formatPyInt, isPyFloat, isPyInt, numberValue, plainNumbers, pyFloat } from '../../../src/util/pyfloat.js';

describe('util/pyfloat', () => {
  it('boxes only floats whose value is integral; others stay plain numbers', () => {
    expect(pyFloat(2)).to.be.instanceOf(PyFloat);
    expect(pyFloat(-0)).to.be.instanceOf(PyFloat);
    expect(pyFloat(2.5)).to.equal(2.5);
    expect(isPyFloat(pyFloat(2))).to.equal(true);
    expect(isPyFloat(2.5)).to.equal(true);
    expect(isPyFloat(2)).to.equal(false);
    expect(isPyInt(2)).to.equal(true);
    expect(isPyInt(pyFloat(2))).to.equal(false);
    expect(numberValue(pyFloat(3))).to.equal(3);
  });

  it("prints as Python's repr: shortest digits, exponent below 1e-4 and from 1e16", () => {
    const cases: [number, string][] = [
      [2, '2.0'], [1000, '1000.0'], [0.1 + 0.2, '0.30000000000000004'], [1e16, '1e+16'], [1e15, '1000000000000000.0'],
      [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [-0, '-0.0'], [1.5e300, '1.5e+300'], [NaN, 'nan'], [-Infinity, '-inf'],
    ];
    for (const [n, text] of cases) expect(formatPyFloat(n), String(n)).to.equal(text);
    expect(String(pyFloat(2))).to.equal('2.0');
    expect(formatPyInt(1e22)).to.equal('10000000000000000000000');
  });

  it('serialises as a number in JSON and unboxes for consumers that only know numbers', () => {
    expect(JSON.stringify({ a: pyFloat(2) })).to.equal('{"a":2}');
    expect(plainNumbers({ a: [pyFloat(2), 'x'], b: 1 })).to.deep.equal({ a: [2, 'x'], b: 1 });
  });
});
