import { expect } from 'chai';
import { loadInventory } from '../../../src/inventory/index.js';
import { loadIssues, loadMemory, summarize } from './helpers.js';

const GOLDEN = 'test/fixtures/inventory/golden.yaml';

describe('inventory/yaml-source', () => {
  it('loads the golden YAML inventory with YAML 1.1 scalars', async () => {
    const inv = await loadInventory([GOLDEN]);
    const s = summarize(inv);
    expect([...inv.hosts.keys()]).to.deep.equal(['lonely', 'web01', 'web02', 'web03', 'web04', 'db-a', 'db-b']);
    expect(s.groups.all!.children).to.deep.equal(['ungrouped', 'web', 'db', 'prod']);
    expect(s.groups.all!.vars).to.deep.equal({ ntp: 'pool.ntp.org' });
    expect(s.groups.ungrouped!.hosts).to.deep.equal(['lonely']);
    expect(s.groups.prod!.children).to.deep.equal(['web', 'db']);
    expect(inv.groups.get('web')!.parents).to.deep.equal(['all', 'prod']);
    expect(s.hosts.web03!.vars).to.deep.equal({ ansible_port: 2222, http_port: 8080 });
    // yes → true and 0755 → octal 493, as PyYAML reads them; a quoted "1.10" stays a string.
    expect(s.hosts.web04!.vars).to.deep.equal({ enabled: true, mode: 493, version: '1.10' });
    expect(s.groups.web!.vars).to.deep.equal({ ansible_user: 'deploy', defaults: { retries: 3 } });
    expect(s.groups.db!.vars).to.deep.equal({ backup: true, engine: 'postgres' });
    expect(s.hosts['db-b']!.groups).to.deep.equal(['all', 'db']);
    expect(inv.hosts.get('web04')!.source).to.deep.equal({ file: GOLDEN, line: 13, col: 9 });
  });

  it('accepts a host listed in several groups once, with identical vars', async () => {
    const inv = await loadMemory({
      'i.yml': 'all:\n  children:\n    a:\n      hosts:\n        h1: {x: 1}\n    b:\n      hosts:\n        h1: {x: 1, y: 2}\n',
    });
    expect([...inv.hosts.keys()]).to.deep.equal(['h1']);
    expect(inv.hosts.get('h1')!.groups).to.deep.equal(['all', 'a', 'b']);
    expect(inv.hosts.get('h1')!.vars).to.deep.equal({ x: 1, y: 2 });
  });

  it('accepts empty groups, empty hosts and a string as a one-host map', async () => {
    const inv = await loadMemory({ 'i.yml': 'all:\n  children:\n    empty:\n    e2:\n      hosts: {}\n    one:\n      hosts: solo\n' });
    expect(inv.groups.get('empty')!.hosts).to.deep.equal([]);
    expect(inv.groups.get('one')!.hosts).to.deep.equal(['solo']);
  });

  it('reads booleans as PyYAML does: yes/no/on/off, but y and n stay strings', async () => {
    const inv = await loadMemory({ 'b.yml': 'all:\n  vars:\n    a: yes\n    b: off\n    c: n\n    d: Y\n    e: "yes"\n' });
    expect(inv.groups.get('all')!.vars).to.deep.equal({ a: true, b: false, c: 'n', d: 'Y', e: 'yes' });
  });

  it('points a duplicate key in a flow map at the repeated key', async () => {
    const issues = await loadIssues({ 'd.yml': 'all:\n  vars: {a: 1, a: 2}\n' });
    expect(issues).to.deep.equal([{ file: 'd.yml', line: 2, col: 16, message: 'duplicate key "a" (first defined at line 2, column 10)' }]);
  });

  it('warns about an empty file', async () => {
    const inv = await loadMemory({ 'e.yml': '# nothing yet\n' });
    expect(inv.warnings).to.deep.equal([{ file: 'e.yml', message: 'inventory file is empty' }]);
  });

  it('reports YAML syntax errors at their position', async () => {
    const issues = await loadIssues({ 's.yml': 'all:\n  hosts:\n    a:\n    a:\n  vars: [1,\n' });
    expect(issues.map((i) => [i.line, i.col, i.message])).to.deep.equal([
      [4, 5, 'duplicate key "a" (first defined at line 3, column 5)'],
      [6, 1, 'Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ]);
  });

  it('reports structural mistakes, all at once, with positions', async () => {
    const text = [
      'all:', //                                   1
      '  hosts:', //                               2
      '    - h1', //                               3
      '  children:', //                            4
      '    web:', //                               5
      '      host:', //                            6
      '        w1:', //                            7
      '      vars: [a]', //                        8
      '    db:', //                                9
      '      hosts:', //                          10
      '        d1: just-a-string', //             11
      '        d[3:1]:', //                       12
      '    cache: 5', //                          13
      'webservers:', //                           14
      '  hosts: {}', //                           15
    ].join('\n');
    const issues = await loadIssues({ 'bad.yaml': text });
    expect(issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.message}`)).to.deep.equal([
      'bad.yaml:3:5 "hosts" of group "all" must be a map of host names to their variables, found a list (write "host1:" on its own line, not "- host1")',
      'bad.yaml:6:7 unknown key "host" in group "web": only "hosts", "vars" and "children" are allowed (is "host" a group that belongs under children?)',
      'bad.yaml:8:13 "vars" of group "web" must be a map, found a list',
      'bad.yaml:11:13 variables of host "d1" must be a map, found a string ("just-a-string")',
      'bad.yaml:12:9 host range "[3:1]" in "d[3:1]" runs backwards (3 > 1)',
      'bad.yaml:13:12 group "cache" must be a map with "hosts", "vars" or "children", found a number (5)',
      'bad.yaml:14:1 unknown top-level key "webservers": a YAML inventory starts with "all:"; put groups under all.children',
    ]);
  });

  it('rejects a document that is not a map', async () => {
    const issues = await loadIssues({ 'l.yaml': '- a\n- b\n' });
    expect(issues).to.deep.equal([
      { file: 'l.yaml', line: 1, col: 1, message: 'a YAML inventory must be a map with a top-level "all:" key, found a list' },
    ]);
  });

  it('names both places when a host gets conflicting values for a variable', async () => {
    const text = 'all:\n  children:\n    a:\n      hosts:\n        h1:\n          port: 1\n    b:\n      hosts:\n        h1:\n          port: 2\n';
    const issues = await loadIssues({ 'c.yml': text });
    expect(issues).to.deep.equal([
      {
        file: 'c.yml',
        line: 10,
        col: 11,
        message:
          'host "h1" sets "port" to 2 here but to 1 at c.yml:6:11; keep one definition (or move it to host_vars/h1.yml)',
      },
    ]);
  });

  it('detects conflicts from a host:port shorthand against ansible_port', async () => {
    const issues = await loadIssues({ 'c.ini': '[a]\nh1:22\n[b]\nh1 ansible_port=2222\n' });
    expect(issues.map((i) => `${i.line}:${i.col}`)).to.deep.equal(['4:4']);
    expect(issues[0]!.message).to.contain('"ansible_port" to 2222 here but to 22 at c.ini:2:1');
  });

  it('names the cycle when groups contain each other', async () => {
    const text = 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            c:\n              children:\n                a:\n';
    const issues = await loadIssues({ 'cy.yml': text });
    expect(issues).to.deep.equal([{ file: 'cy.yml', line: 9, col: 17, message: 'groups form a cycle: a -> b -> c -> a' }]);
  });

  it('names an INI cycle across sections', async () => {
    const issues = await loadIssues({ 'cy.ini': '[a:children]\nb\n[b:children]\na\n' });
    expect(issues.map((i) => `${i.line}:${i.col} ${i.message}`)).to.deep.equal(['4:1 groups form a cycle: a -> b -> a']);
  });

  it('refuses all as a child group', async () => {
    const issues = await loadIssues({ 'x.yml': 'all:\n  children:\n    g:\n      children:\n        all:\n' });
    expect(issues[0]).to.include({ line: 5, col: 9 });
    expect(issues[0]!.message).to.contain('group "all" cannot be a child of "g"');
  });

  it('surfaces unknown-tag warnings from the YAML parser', async () => {
    const inv = await loadMemory({ 'v.yml': 'all:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n' });
    expect(inv.warnings.length).to.equal(1);
    expect(inv.warnings[0]).to.include({ file: 'v.yml', line: 3 });
  });
});
