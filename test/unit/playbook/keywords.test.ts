import { expect } from 'chai';
import { renderBoolKeyword, renderIntKeyword, renderLoopItems } from '../../../src/playbook/keywords.js';
import { TemplateError } from '../../../src/playbook/template.js';
import type { LoopSpec } from '../../../src/playbook/model.js';

const pos = { file: 'site.yml', line: 9, col: 13 };
const vars = { yes_str: 'yes', off_str: 'Off', flag: true, n: '3', bad: 'maybe', workers: ['w1', 'w2'], nested: [['a', 'b'], 'c'], cfg: { a: 1, b: 2 }, csv: 'a,b' };
const loop = (style: LoopSpec['style'], items: unknown): LoopSpec => ({ style, items, pos });

describe('playbook/keywords', () => {
  it('renders boolean keywords with Ansible boolean strings and refuses anything else', () => {
    expect(renderBoolKeyword(undefined, 'become', vars)).to.equal(undefined);
    expect(renderBoolKeyword(false, 'become', vars)).to.equal(false);
    expect(renderBoolKeyword('{{ flag }}', 'become', vars)).to.equal(true);
    expect(renderBoolKeyword('{{ yes_str }}', 'become', vars)).to.equal(true);
    expect(renderBoolKeyword('{{ off_str }}', 'become', vars)).to.equal(false);
    expect(() => renderBoolKeyword('{{ bad }}', 'become', vars, { origin: pos })).to.throw(
      TemplateError,
      /^site\.yml:9:13: 'become' must render to a boolean \(yes\/no\/true\/false\), but "\{\{ bad \}\}" gave str 'maybe'/,
    );
  });

  it('renders integer keywords', () => {
    expect(renderIntKeyword('{{ n }}', 'retries', vars)).to.equal(3);
    expect(renderIntKeyword('{{ n | int + 2 }}', 'retries', vars)).to.equal(5);
    expect(renderIntKeyword(4, 'retries', vars)).to.equal(4);
    expect(() => renderIntKeyword('{{ bad }}', 'retries', vars)).to.throw(TemplateError, /must render to a whole number/);
  });

  it('renders loop lists and refuses a string with a hint', () => {
    expect(renderLoopItems(loop('loop', '{{ workers }}'), vars)).to.deep.equal(['w1', 'w2']);
    expect(renderLoopItems(loop('loop', ['{{ n }}', 'x']), vars)).to.deep.equal(['3', 'x']);
    expect(() => renderLoopItems(loop('loop', '{{ csv }}'), vars)).to.throw(TemplateError, /^site\.yml:9:13: 'loop' must render to a list, got str 'a,b' \(split a string/);
  });

  it('flattens with_items one level and accepts a single item', () => {
    expect(renderLoopItems(loop('with_items', '{{ nested }}'), vars)).to.deep.equal(['a', 'b', 'c']);
    expect(renderLoopItems(loop('with_items', '{{ csv }}'), vars)).to.deep.equal(['a,b']);
  });

  it('turns with_dict maps into key/value items', () => {
    expect(renderLoopItems(loop('with_dict', '{{ cfg }}'), vars)).to.deep.equal([{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
    expect(() => renderLoopItems(loop('with_dict', '{{ workers }}'), vars)).to.throw(TemplateError, /'with_dict' must render to a map/);
  });
});
