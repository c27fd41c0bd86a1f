import { expect } from 'chai';
import { LineCounter, ansibleYamlOptions, parseDocument } from '../../../src/util/yaml.js';
import { parseYamlSource } from '../../../src/playbook/yaml-source.js';

describe('util/yaml', () => {
  const read = (text: string): unknown => parseDocument(text, ansibleYamlOptions(new LineCounter())).toJS();

  it('reads booleans, octal and merges as PyYAML does', () => {
    expect(read('a: yes\nb: off\nc: 0755\nd: True')).to.deep.equal({ a: true, b: false, c: 493, d: true });
  });

  it('keeps y and n as strings, as PyYAML does', () => {
    expect(read('tags: [y, n, Y, N]\ncmd: y')).to.deep.equal({ tags: ['y', 'n', 'Y', 'N'], cmd: 'y' });
  });

  it('applies the same rules to playbooks', () => {
    const outcome = parseYamlSource('- hosts: all\n  tags: [y]\n  become: yes\n', 'site.yaml');
    expect(outcome.ok).to.equal(true);
    if (outcome.ok) expect(outcome.source.doc.toJS()).to.deep.equal([{ hosts: 'all', tags: ['y'], become: true }]);
  });
});
