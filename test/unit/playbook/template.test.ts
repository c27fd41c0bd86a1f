import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { pyFloat } from '../../../src/util/pyfloat.js';
import { OMIT, TemplateError, evaluateCondition, evaluateExpression, renderString, renderValue } from '../../../src/playbook/template.js';

const vars = {
  inventory_hostname: 'worker-2',
  groups: { workers: ['worker-1', 'worker-2'], control_plane: ['cp-1'] },
  hostvars: { 'cp-1': { ansible_host: '10.0.0.1', kubelet_version: '1.29.4' } },
  pkgs: ['kubelet', 'kubeadm', 'kubelet'],
  users: [
    { name: 'ann', admin: true, shell: '/bin/bash', uid: 1002 },
    { name: 'bob', admin: false, shell: '/bin/sh', uid: 1001 },
  ],
  n: 7,
  s: '  Mixed Case  ',
  empty: '',
  nothing: null,
  ok_result: { rc: 0, changed: false, failed: false },
  bad_result: { rc: 2, changed: false, failed: true },
  changed_result: { rc: 0, changed: true },
  skipped_result: { skipped: true, changed: false },
  loop_result: { results: [{ changed: false }, { changed: true }] },
  csv: 'a,b,,c',
};

const r = (t: string, v: Record<string, unknown> = vars) => renderString(t, v);
const e = (x: string, v: Record<string, unknown> = vars) => evaluateExpression(x, v);

describe('playbook/template rendering', () => {
  it('returns the native value for a template that is exactly one {{ expr }}', () => {
    expect(r("{{ groups['workers'] }}")).to.deep.equal(['worker-1', 'worker-2']);
    expect(r('{{ n }}')).to.equal(7);
    expect(r('{{ n > 3 }}')).to.equal(true);
    expect(r('{{ hostvars["cp-1"] }}')).to.deep.equal({ ansible_host: '10.0.0.1', kubelet_version: '1.29.4' });
  });

  it('prints values inside text the way Python str() does, and None as nothing (Ansible 2.14, recorded)', () => {
    expect(r('n={{ n }} t={{ true }} f={{ false }} z={{ nothing }} l={{ groups.workers }} {{ [none] }}')).to.equal(
      "n=7 t=True f=False z= l=['worker-1', 'worker-2'] [None]",
    );
    expect(r('{{ nothing }}')).to.equal(null);
    expect(r('{{ nothing | default("x") }}')).to.equal('');
    expect(r(' {{ n }}')).to.equal(' 7');
    expect(r('{{ {"a": 1} }} and {{ "x" }}')).to.equal("{'a': 1} and x");
  });

  it('leaves strings without templates alone', () => {
    expect(r('plain text with { braces }')).to.equal('plain text with { braces }');
  });

  it('reads attributes and indexes: hostvars[h].x, groups[g][0], negative index, slices', () => {
    expect(r("{{ hostvars[groups['control_plane'][0]].ansible_host }}")).to.equal('10.0.0.1');
    expect(e('groups.workers[-1]')).to.equal('worker-2');
    expect(e('groups.workers.0')).to.equal('worker-1');
    expect(e('pkgs[1:]')).to.deep.equal(['kubeadm', 'kubelet']);
    expect(e("'abcdef'[::2]")).to.equal('ace');
    expect(e('pkgs[::-1]')).to.deep.equal(['kubelet', 'kubeadm', 'kubelet']);
  });

  it('evaluates operators with Jinja precedence', () => {
    expect(e('1 + 2 * 3')).to.equal(7);
    expect(e('(1 + 2) * 3')).to.equal(9);
    expect(e('2 ** 3 ** 1')).to.equal(8);
    expect(e('7 // 2')).to.equal(3);
    expect(e('-7 // 2')).to.equal(-4);
    expect(e('-7 % 3')).to.equal(2);
    expect(e('7 / 2')).to.equal(3.5);
    expect(e("'v' ~ n ~ '.0'")).to.equal('v7.0');
    expect(e("'ab' + 'cd'")).to.equal('abcd');
    expect(e('[1] + [2]')).to.deep.equal([1, 2]);
    expect(e("'-' * 3")).to.equal('---');
    expect(e('not n > 3 or n == 7')).to.equal(true);
    expect(e('1 < n < 10')).to.equal(true);
    expect(e('1 < n < 5')).to.equal(false);
    expect(e("'a' if n > 3 else 'b'")).to.equal('a');
    expect(e("'a' if n > 30 else 'b'")).to.equal('b');
    // Filters bind tighter than arithmetic: this is n - ('1'), a type error, not ('6').
    expect(() => e('n - 1 | string')).to.throw(TemplateError, /unsupported operand types for -: int and str/);
    expect(e('(n - 1) | string')).to.equal('6');
    expect(e('-n | abs')).to.equal(7); // Jinja applies filters after unary minus
  });

  it("formats strings with Python's % operator", () => {
    expect(e("'%s-%03d %.1f %%' % ('node', n, 2.26)")).to.equal('node-007 2.3 %');
    expect(e("'%s' % n")).to.equal('7');
    expect(() => e("'%s %s' % ('a',)")).to.throw(TemplateError, /not enough arguments/);
  });

  it('refuses runaway repetition', () => {
    expect(() => e("'x' * 100000000")).to.throw(TemplateError, /limit is 1000000/);
  });

  it('explains that lookup plugins are not available', () => {
    expect(() => e("lookup('env', 'HOME')")).to.throw(TemplateError, /lookup\(\) plugins are not supported/);
  });

  it('names the failing string inside a rendered structure', () => {
    expect(() => renderValue({ args: ['fine', 'echo {{ nope }}'] }, vars, { origin: { file: 'a.yml', line: 4, col: 9 } })).to.throw(
      TemplateError,
      /^a\.yml:4:9: 'nope' is undefined \(in "echo \{\{ nope \}\}"\)$/,
    );
  });

  it('supports in / not in on lists, strings and dict keys', () => {
    expect(e('inventory_hostname in groups.workers')).to.equal(true);
    expect(e("'cp-9' not in groups.control_plane")).to.equal(true);
    expect(e("'work' in inventory_hostname")).to.equal(true);
    expect(e("'workers' in groups")).to.equal(true);
  });

  it('builds list and dict literals and compares deeply', () => {
    expect(e("[1, 'a', [true, none]]")).to.deep.equal([1, 'a', [true, null]]);
    expect(e("{'k': n, 'l': [1]}")).to.deep.equal({ k: 7, l: [1] });
    expect(e("{'a': [1, 2]} == {'a': [1, 2]}")).to.equal(true);
    expect(e("'1' == 1")).to.equal(false);
  });

  it('calls whitelisted string and dict methods', () => {
    expect(e("inventory_hostname.startswith('worker')")).to.equal(true);
    expect(e("'a b  c'.split()")).to.deep.equal(['a', 'b', 'c']);
    expect(e('s.strip().lower()')).to.equal('mixed case');
    expect(e("hostvars['cp-1'].keys() | list")).to.deep.equal(['ansible_host', 'kubelet_version']);
    expect(e("hostvars['cp-1'].get('missing', 'dflt')")).to.equal('dflt');
    expect(e('range(3)')).to.deep.equal([0, 1, 2]);
  });

  it('templates variable values when they are read, and detects loops', () => {
    const v = { minor: '29', version: '1.{{ minor }}.4', pkg: 'kubelet={{ version }}-*', list: ['{{ minor }}'] };
    expect(r('{{ pkg }}', v)).to.equal('kubelet=1.29.4-*');
    expect(r('{{ list }}', v)).to.deep.equal(['29']);
    expect(() => r('{{ a }}', { a: '{{ b }}', b: '{{ a }}' })).to.throw(TemplateError, /recursive loop.*a -> b -> a/);
  });

  it('templates values inside containers read from the variables, however they are reached', () => {
    const v = { minor: '29', pkgs: ['kubelet={{ minor }}', 'kubectl'], cfg: { ver: '1.{{ minor }}', nested: { x: '{{ minor | int + 1 }}' } } };
    expect(r('{{ pkgs[0] }}', v)).to.equal('kubelet=29');
    expect(r('{{ pkgs[:1] }}', v)).to.deep.equal(['kubelet=29']);
    expect(r("{{ pkgs | join(' ') }}", v)).to.equal('kubelet=29 kubectl');
    expect(r('{{ cfg }}', v)).to.deep.equal({ ver: '1.29', nested: { x: 30 } });
    expect(r('{{ cfg.nested.x }}', v)).to.equal(30);
    expect(r("{{ 'kubelet=29' in pkgs }}", v)).to.equal(true);
    expect(r('v{{ cfg.ver }}', v)).to.equal('v1.29');
  });

  it('templates lazily-built Map views (hostvars) on lookup', () => {
    const v = { port: 6443, hostvars: new Map([['cp-1', { endpoint: 'https://cp-1:{{ port }}' }]]) };
    expect(r("{{ hostvars['cp-1'].endpoint }}", v)).to.equal('https://cp-1:6443');
  });

  it('does not re-template strings an expression builds, such as literals holding braces', () => {
    expect(r("{{ '{{ not_a_var }}' }}")).to.equal('{{ not_a_var }}');
    expect(r("{{ ['{{ x }}'] }}")).to.deep.equal(['{{ x }}']);
  });

  it('refuses a variable that contains itself', () => {
    expect(() => r('{{ x }}', { x: ['{{ x }}'] })).to.throw(TemplateError, /recursive loop in variable templates/);
  });

  it('leaves unsafe variables untemplated, including everything derived from or nested in them', () => {
    const out = { stdout: 'literal {{ braces }}', stdout_lines: ['literal {{ braces }}'], nested: { deeper: ['{{ x }}'] } };
    const opts = { unsafeVars: new Set(['out']) };
    expect(renderString('{{ out.stdout }}', { out }, opts)).to.equal('literal {{ braces }}');
    expect(renderString('{{ out.stdout_lines }}', { out }, opts)).to.deep.equal(['literal {{ braces }}']);
    expect(renderString('{{ out.nested.deeper[0] }}', { out }, opts)).to.equal('{{ x }}');
    expect(renderString('{{ out }}', { out }, opts)).to.deep.equal(out);
    expect(renderString("{{ out.stdout | split(' ') }}", { out }, opts)).to.deep.equal(['literal', '{{', 'braces', '}}']);
    expect(renderString('{{ out.stdout }}', { out }, opts)).to.equal('literal {{ braces }}');
  });

  it('leaves unsafe values untemplated wherever they are reached from (hostvars[h].result)', () => {
    const result = { stdout: 'has {{ braces }}' };
    const v = { hostvars: { w1: { result } } };
    expect(renderString('{{ hostvars.w1.result.stdout }}', v, { unsafeValues: new WeakSet([result]) })).to.equal('has {{ braces }}');
    expect(() => renderString('{{ hostvars.w1.result.stdout }}', v)).to.throw(TemplateError, /'braces' is undefined/);
  });

  it('supports whitespace control and comments', () => {
    expect(r('a  {{- n -}}  b')).to.equal('a7b');
    expect(r('x{# a comment #}y')).to.equal('xy');
  });

  it('walks maps and lists with renderValue and drops entries rendered to omit', () => {
    const out = renderValue({ name: '{{ pkgs | unique }}', mode: '{{ undefined_mode | default(omit) }}', nested: [{ h: '{{ n + 1 }}' }] }, vars);
    expect(out).to.deep.equal({ name: ['kubelet', 'kubeadm'], nested: [{ h: 8 }] });
    expect(r('{{ omit }}')).to.equal(OMIT);
  });

  it('reports lexer and parser errors with the column', () => {
    expect(() => r('{{ n ')).to.throw(TemplateError, /'\{\{' is never closed by '\}\}'/);
    expect(() => r("{{ 'abc }}")).to.throw(TemplateError, /unterminated string starting at column 4/);
    expect(() => r('{{ n $ 1 }}')).to.throw(TemplateError, /unexpected character '\$' at column 6/);
    expect(() => r('{{ (n }}')).to.throw(TemplateError, /expected '\)', found end of expression/);
    expect(() => r('{{ f(a=1, 2) }}')).to.throw(TemplateError, /positional argument after keyword argument/);
  });

  it('keeps {% raw %} blocks literal and explains a stray {# (bash ${#var})', () => {
    expect(r('echo {% raw %}${#arr[@]} {{ not_a_var }}{% endraw %} {{ n }}')).to.equal('echo ${#arr[@]} {{ not_a_var }} 7');
    expect(() => r('echo ${#arr[@]}')).to.throw(TemplateError, /never closed by '#}'; for a literal '\{#' \(bash \$\{#var\}\)/);
    expect(r("echo ${{ '{#' }}arr[@]}")).to.equal('echo ${#arr[@]}');
  });

  it('rejects Jinja statements with a clear message', () => {
    expect(() => r('{% if n %}x{% endif %}')).to.throw(TemplateError, /statements .* not supported/);
  });
});

describe('playbook/template strict undefined', () => {
  it('names the undefined variable and the position of the template', () => {
    try {
      renderString('echo {{ kube_version }}', vars, { origin: { file: 'upgrade.yml', line: 12, col: 7 } });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(TemplateError).and.instanceOf(ConfigError);
      const te = err as TemplateError;
      expect(te.message).to.equal(`upgrade.yml:12:7: 'kube_version' is undefined (in "echo {{ kube_version }}")`);
      expect(te.undefinedName).to.equal('kube_version');
      expect(te.issues[0]).to.include({ file: 'upgrade.yml', line: 12, col: 7 });
    }
  });

  it('names a missing attribute with its path', () => {
    expect(() => r("{{ hostvars['cp-1'].node_ip }}")).to.throw(TemplateError, /'hostvars\["cp-1"\]' \(dict\) has no attribute 'node_ip'/);
    expect(() => r('{{ groups.workers[5] }}')).to.throw(TemplateError, /has no attribute 5/);
  });

  it('fails on undefined values in arithmetic, comparisons, tests and filters', () => {
    expect(() => e('missing + 1')).to.throw(TemplateError, /'missing' is undefined/);
    expect(() => e('missing == 1')).to.throw(TemplateError, /'missing' is undefined/);
    expect(() => e('missing | upper')).to.throw(TemplateError, /'missing' is undefined/);
    expect(() => evaluateCondition('missing', vars)).to.throw(TemplateError, /'missing' is undefined/);
  });

  it('allows undefined values under default, is defined and is undefined (also through attributes)', () => {
    expect(e("missing | default('x')")).to.equal('x');
    expect(e('missing is defined')).to.equal(false);
    expect(e('missing.attr is defined')).to.equal(false);
    expect(e('missing is undefined')).to.equal(true);
    expect(e('n is defined')).to.equal(true);
    expect(e('missing is defined and missing > 1')).to.equal(false);
  });
});

describe('playbook/template sandbox', () => {
  const attempts = [
    "{{ ''.constructor }}",
    "{{ ''.constructor.constructor('return process')() }}",
    '{{ groups.__proto__ }}',
    "{{ groups['__proto__'] }}",
    '{{ groups.constructor }}',
    "{{ pkgs.map }}",
    "{{ n.toString() }}",
    "{{ hostvars.hasOwnProperty('x') }}",
    '{{ __proto__ }}',
    '{{ constructor }}',
    "{{ range.constructor('return process')() }}",
    '{{ range(3).constructor }}',
    "{{ pkgs | attr('constructor') }}",
    "{{ 'x' | constructor }}",
  ];
  for (const t of attempts) {
    it(`refuses ${t}`, () => {
      expect(() => r(t)).to.throw(TemplateError);
    });
  }

  it('keeps a "__proto__" key of a dict literal as data, not as the prototype', () => {
    const out = e("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.keys(out)).to.deep.equal(['__proto__']);
  });

  it('does not let from_json pollute prototypes', () => {
    r(`{{ '{"__proto__": {"polluted": true}}' | from_json }}`);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});

describe('playbook/template conditions', () => {
  it('takes a bare expression, a boolean, or a list meaning AND', () => {
    expect(evaluateCondition('n > 3', vars)).to.equal(true);
    expect(evaluateCondition(false, vars)).to.equal(false);
    expect(evaluateCondition(['n > 3', "inventory_hostname == 'worker-2'"], vars)).to.equal(true);
    expect(evaluateCondition(['n > 3', 'n > 30'], vars)).to.equal(false);
    expect(evaluateCondition([], vars)).to.equal(true);
  });

  it('accepts a condition wrapped in {{ }} as Ansible does', () => {
    expect(evaluateCondition('{{ n == 7 }}', vars)).to.equal(true);
  });

  it('uses Python truthiness for non-boolean results', () => {
    expect(evaluateCondition('empty', vars)).to.equal(false);
    expect(evaluateCondition('pkgs', vars)).to.equal(true);
    expect(evaluateCondition('nothing', vars)).to.equal(false);
  });

  it('reports syntax errors with the condition text', () => {
    expect(() => evaluateCondition('n >', vars, { origin: { file: 'p.yml', line: 3 } })).to.throw(TemplateError, /^p\.yml:3: template error in "n >": syntax error/);
  });
});

describe('playbook/template filters', () => {
  const cases: [string, unknown][] = [
    ["missing | default('d')", 'd'],
    ["missing | d('d')", 'd'],
    ["empty | default('d')", ''],
    ["empty | default('d', true)", 'd'],
    ["nothing | default('d')", null],
    ["'42' | int", 42],
    ["'4.7' | int", 4],
    ["'x' | int", 0],
    ["'x' | int(5)", 5],
    ["'0x1F' | int(base=16)", 31],
    ['3.9 | int', 3],
    ["'1.5' | float", 1.5],
    ["'x' | float", pyFloat(0)],
    ["'yes' | bool", true],
    ["'On' | bool", true],
    ["'1' | bool", true],
    ["'TRUE' | bool", true],
    ["'no' | bool", false],
    ["'maybe' | bool", false],
    ['1 | bool', true],
    ['nothing | bool', null],
    ['n | string', '7'],
    ['true | string', 'True'],
    ['s | lower', '  mixed case  '],
    ['s | upper', '  MIXED CASE  '],
    ['s | trim', 'Mixed Case'],
    ["pkgs | join(',')", 'kubelet,kubeadm,kubelet'],
    ['[1, 2] | join', '12'],
    ["users | join(', ', attribute='name')", 'ann, bob'],
    ["csv | split(',')", ['a', 'b', '', 'c']],
    ["'a  b c' | split", ['a', 'b', 'c']],
    ["'a-b-c' | replace('-', '.')", 'a.b.c'],
    ["'a-b-c' | replace('-', '.', 1)", 'a.b-c'],
    ["'v1.29.4' | regex_replace('^v(\\\\d+)\\\\.(\\\\d+).*$', '\\\\1-\\\\2')", '1-29'],
    ["'k8s-node-07' | regex_replace('(?P<num>\\\\d+)$', 'n\\\\g<num>')", 'k8s-node-n07'],
    ["'ABC' | regex_replace('b', 'x', ignorecase=true)", 'AxC'],
    ["'aaa' | regex_replace('a', 'b', count=2)", 'bba'],
    ["'a1 b22 c' | regex_findall('\\\\d+')", ['1', '22']],
    ["'k=v x=y' | regex_findall('(\\\\w)=(\\\\w)')", [['k', 'v'], ['x', 'y']]],
    ["'A\\nb' | regex_findall('^b', true)", ['b']],
    ["'a.b' | regex_escape", 'a\\.b'],
    ["'/etc/x (1)' | regex_escape", '/etc/x\\ \\(1\\)'],
    ["'Kubernetes v1.29.4' | regex_search('v[0-9.]+')", 'v1.29.4'],
    ["'Kubernetes v1.29.4' | regex_search('v(\\\\d+)\\\\.(\\\\d+)', '\\\\1', '\\\\2')", ['1', '29']],
    ["'nothing here' | regex_search('v\\\\d')", null],
    ['pkgs | length', 3],
    ["'abc' | length", 3],
    ['hostvars | length', 1],
    ['pkgs | count', 3],
    ['pkgs | first', 'kubelet'],
    ['pkgs | last', 'kubelet'],
    ["'xyz' | first", 'x'],
    ['pkgs | unique', ['kubelet', 'kubeadm']],
    ['[3, 1, 2] | sort', [1, 2, 3]],
    ['[3, 1, 2] | sort(reverse=true)', [3, 2, 1]],
    ["['b', 'A', 'c'] | sort", ['A', 'b', 'c']],
    ["users | sort(attribute='uid') | map(attribute='name') | list", ['bob', 'ann']],
    ["{'a': [1, true, none]} | to_json", '{"a": [1, true, null]}'],
    ["'{\"a\": [1, 2]}' | from_json", { a: [1, 2] }],
    // PyYAML's layout as Ansible 2.14 prints it: a leaf list in flow style, sorted keys.
    ["{'b': ['x'], 'a': 1} | to_yaml", 'a: 1\nb: [x]\n'],
    ["{'b': [{'c': 'yes'}], 'a': 1.0} | to_nice_yaml", "a: 1.0\nb:\n-   c: 'yes'\n"],
    ['"it\'s" | quote', `'it'"'"'s'`],
    ["'it' 's'", 'its'],
    ["'plain-word_1.2' | quote", 'plain-word_1.2'],
    ["'' | quote", "''"],
    ["'rm -rf /; echo $HOME' | quote", `'rm -rf /; echo $HOME'`],
    ["'/etc/kubernetes/admin.conf' | basename", 'admin.conf'],
    ["'/etc/kubernetes/admin.conf' | dirname", '/etc/kubernetes'],
    ["'/etc/kubernetes/' | basename", ''],
    ["'admin.conf' | dirname", ''],
    ["'1.29.4' | version('1.28', '>=')", true],
    ["'1.29.4' | version_compare('1.30.0', '<')", true],
    ["users | map(attribute='name') | list", ['ann', 'bob']],
    ["users | map(attribute='missing', default='-') | list", ['-', '-']],
    ["['A', 'b'] | map('lower') | list", ['a', 'b']],
    ["[0, 1, '', 'x', none] | select | list", [1, 'x']],
    ["[0, 1, '', 'x', none] | reject | list", [0, '', null]],
    ["[1, 2, 3, 4] | select('even') | list", [2, 4]],
    ["[1, 2, 3, 4] | reject('==', 2) | list", [1, 3, 4]],
    ["[1, 2, 3, 4] | select('gt', 2) | list", [3, 4]],
    ["users | selectattr('admin') | map(attribute='name') | list", ['ann']],
    ["users | rejectattr('admin') | map(attribute='name') | list", ['bob']],
    ["users | selectattr('shell', 'equalto', '/bin/sh') | map(attribute='name') | first", 'bob'],
    ["users | selectattr('name', 'in', ['ann']) | list | length", 1],
    ["users | selectattr('name', 'match', 'b') | map(attribute='uid') | first", 1001],
    ["users | selectattr('missing', 'defined') | list", []],
    ['[[1, [2]], 3] | flatten', [1, 2, 3]],
    ['[[1, [2]], 3] | flatten(1)', [1, [2], 3]],
    ["{'a': 1} | combine({'b': 2})", { a: 1, b: 2 }],
    ["{'a': 1} | dict2items", [{ key: 'a', value: 1 }]],
    ["[{'key': 'a', 'value': 1}] | items2dict", { a: 1 }],
    ["true | ternary('yes', 'no')", 'yes'],
    ['[3, 9, 2] | max', 9],
    ['[3, 9, 2] | min', 2],
    ['[3, 9, 2] | sum', 14],
    ["users | sum(attribute='uid')", 2003],
    ["'aGk=' | b64decode", 'hi'],
    ["'hi' | b64encode", 'aGk='],
    ['2.5 | round', pyFloat(2)],
    ["'x' | ansible.builtin.quote", 'x'],
    ["'%s:%d' | format('cp-1', 6443)", 'cp-1:6443'],
    ["'hELLO world' | capitalize", 'Hello world'],
    ["'hello big-world' | title", 'Hello Big-World'],
    ['[1, 2, 3] | reverse', [3, 2, 1]],
    ["'abc' | reverse", 'cba'],
    ["{'a': 1} | items", [['a', 1]]],
    ["['a', 'b', 'c', 'a'] | difference(['b'])", ['a', 'c']],
    ["['a', 'b', 'c'] | intersect(['c', 'a', 'z'])", ['a', 'c']],
    ["['a', 'b'] | union(['b', 'c'])", ['a', 'b', 'c']],
  ];
  for (const [expr, expected] of cases) {
    it(`${expr} → ${JSON.stringify(expected)}`, () => {
      expect(e(expr)).to.deep.equal(expected);
    });
  }

  it('refuses non-numbers in numeric filters and empty lists in min/max', () => {
    expect(() => e("['a'] | sum")).to.throw(TemplateError, /sum expects a number, got str a/);
    expect(() => e("'x' | abs")).to.throw(TemplateError, /abs expects a number/);
    expect(() => e('[] | max')).to.throw(TemplateError, /max: the list is empty/);
    expect(e("['2', 3] | sum")).to.equal(5);
  });

  it('refuses unknown filters by name', () => {
    expect(() => e('n | frobnicate')).to.throw(TemplateError, /unknown filter 'frobnicate'/);
  });

  it('reports a version comparison that loose ordering cannot decide', () => {
    expect(() => e("'1.29.4-eks' | version('1.29.4.1', '>')")).to.throw(TemplateError, /cannot compare versions/);
  });
});

describe('playbook/template tests', () => {
  const cases: [string, boolean][] = [
    ['missing is defined', false],
    ['n is defined', true],
    ['missing is undefined', true],
    ['nothing is none', true],
    ['n is none', false],
    ['ok_result is succeeded', true],
    ['ok_result is success', true],
    ['bad_result is succeeded', false],
    ['bad_result is failed', true],
    ['ok_result is failed', false],
    ['changed_result is changed', true],
    ['ok_result is changed', false],
    ['loop_result is changed', true],
    ['skipped_result is skipped', true],
    ['ok_result is skipped', false],
    ['ok_result is not failed', true],
    ["'1.29.4' is version('1.28', '>=')", true],
    ["'1.29.4' is version('1.28', 'ge')", true],
    ["'1.29.4' is version('1.29.4', '==')", true],
    ["'1.29.4' is version('1.29.4', '=')", true],
    ["'1.29.4' is version('1.29.4', 'eq')", true],
    ["'1.29.4' is version('1.29.4')", true],
    ["'1.29.4' is version('1.29.10', '<')", true],
    ["'1.29.4' is version('1.29.10', 'lt')", true],
    ["'1.29' is version('1.29.0', '<')", true],
    ["'1.29.4' is version('1.29.4', '<=')", true],
    ["'1.29.4' is version('1.29.4', 'le')", true],
    ["'1.30.0' is version('1.29.9', '>')", true],
    ["'1.30.0' is version('1.29.9', 'gt')", true],
    ["'1.29.4' is version('1.29.5', '!=')", true],
    ["'1.29.4' is version('1.29.5', '<>')", true],
    ["'1.29.4' is version('1.29.5', 'ne')", true],
    ["'v1.29.4' is version('v1.29.3', '>')", true],
    ["'1.29.4' is version_compare('1.28', '>=')", true],
    ["'1.29.4' is version(version='1.30', operator='lt')", true],
    ["hostvars['cp-1'].kubelet_version is version('1.29', '>=')", true],
    ['n is divisibleby 7', true],
    ['n is odd', true],
    ['n is number', true],
    ["'x' is string", true],
    ['pkgs is iterable', true],
    ['groups is mapping', true],
    ["'abc' is match('a')", true],
    ["'abc' is match('b')", false],
    ["'abc' is search('b')", true],
    ['nothing is sameas none', true],
    ["'x' in ['x']", true],
  ];
  for (const [expr, expected] of cases) {
    it(`${expr} → ${expected}`, () => {
      expect(e(expr)).to.equal(expected);
    });
  }

  it('rejects unknown version operators and non-result input to result tests', () => {
    expect(() => e("'1.2' is version('1.1', '=>')")).to.throw(TemplateError, /invalid version operator '=>'/);
    expect(() => e('n is failed')).to.throw(TemplateError, /expects a registered result/);
  });
});
