import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderTemplateFile } from '../../../src/playbook/template-file.js';
import { TemplateError } from '../../../src/playbook/template.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/ansible/template');

describe('playbook/template-file (Jinja statements in template files)', () => {
  it('renders if/for/set/raw/comments with trim_blocks exactly as ansible-playbook 2.14 wrote the file', () => {
    const source = readFileSync(join(FIXTURE, 'templates/app.conf.j2'), 'utf8');
    const vars = {
      ansible_managed: 'Ansible managed',
      users: [
        { name: 'ann', admin: true },
        { name: 'bob', admin: false },
      ],
      svc_port: 8080,
      none_val: null,
      flag: true,
      opts: { a: 1, b: 'two' },
    };
    expect(renderTemplateFile(source, vars)).to.equal(readFileSync(join(FIXTURE, 'expected-app.conf'), 'utf8'));
  });

  it('takes the else branch, keeps trailing newlines, and scopes set to a loop body', () => {
    const src = '{% if n > 1 %}big{% elif n == 1 %}one{% else %}none{% endif %}\n{% for i in xs if i > 1 %}{{ i }}{% else %}empty{% endfor %}\n\n';
    expect(renderTemplateFile(src, { n: 1, xs: [1, 2, 3] })).to.equal('one23\n\n');
    expect(renderTemplateFile(src, { n: 0, xs: [] })).to.equal('noneempty\n\n');
    expect(renderTemplateFile('{% set a %}x{{ 1 + 1 }}{% endset %}[{{ a }}]', {})).to.equal('[x2]');
    expect(renderTemplateFile('{% for k in d %}{{ k }}={{ d[k] }};{% endfor %}', { d: { b: 1, a: 2 } })).to.equal('b=1;a=2;');
  });

  it('honours - and + whitespace control and lstrip_blocks', () => {
    expect(renderTemplateFile('a\n  {%- if true %}\nb\n{% endif +%}\nc', {})).to.equal('ab\n\nc');
    expect(renderTemplateFile('x\n  {% if true %}\ny\n  {% endif %}\n', {}, { lstripBlocks: true })).to.equal('x\ny\n');
    expect(renderTemplateFile('x\n  {% if true %}\ny\n  {% endif %}\n', {})).to.equal('x\n  y\n  \n');
  });

  it('names the template line of an undefined variable and refuses unsupported statements', () => {
    expect(() => renderTemplateFile('ok\n{{ missing }}\n', {})).to.throw(TemplateError, /'missing' is undefined.*template line 2/);
    expect(() => renderTemplateFile('a\n\n{% include "x.j2" %}', {})).to.throw(TemplateError, /'include' is not supported.*template line 3/);
    expect(() => renderTemplateFile('{% if x %}never closed', { x: 1 })).to.throw(TemplateError, /never closed by '\{% endif %\}'.*template line 1/);
  });
});
