import { expect } from 'chai';
import { LineCounter, ansibleYamlOptions, parseDocument } from '../../../src/util/yaml.js';
import { PyFloat } from '../../../src/util/pyfloat.js';
import { parseYamlSource } from '../../../src/playbook/yaml-source.js';

describe('util/yaml', () => {
  const read = (text: string): unknown => parseDocument(text, ansibleYamlOptions(new LineCounter())).toJS();

  it('reads booleans, octal and merges as PyYAML does', () => {
    expect(read('a: yes\nb: off\nc: 0755\nd: True')).to.deep.equal({ a: true, b: false, c: 493, d: true });
  });

  it('keeps y and n as strings, as PyYAML does', () => {
    expect(read('tags: [y, n, Y, N]\ncmd: y')).to.deep.equal({ tags: ['y', 'n', 'Y', 'N'], cmd: 'y' });
  });

  it('reads floats as PyYAML does: 2.0 is a float, 1e3 (no dot, no exponent sign) is a string', () => {
    expect(read('a: 2.0\nb: 1e3\nc: 1.0e+3\nd: 1.28\ne: 2\nf: -.5\ng: .5\nh: 3.')).to.deep.equal({
      a: new PyFloat(2),
      b: '1e3',
      c: new PyFloat(1000),
      d: 1.28,
      e: 2,
      f: '-.5',
      g: 0.5,
      h: new PyFloat(3),
    });
  });

  it('applies the same rules to playbooks', () => {
    const outcome = parseYamlSource('- hosts: all\n  tags: [y]\n  become: yes\n', 'site.yaml');
    expect(outcome.ok).to.equal(true);
    if (outcome.ok) expect(outcome.source.doc.toJS()).to.deep.equal([{ hosts: 'all', tags: ['y'], become: true }]);
  });
});
