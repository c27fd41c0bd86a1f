import { expect } from 'chai';
import { loadInventory } from '../../../src/inventory/index.js';
import { varsSectionValue } from '../../../src/inventory/ini-source.js';
import { loadIssues, loadMemory, summarize } from './helpers.js';

const GOLDEN = 'test/fixtures/inventory/golden.ini';

describe('inventory/ini-source', () => {
  it('loads the golden INI inventory', async () => {
    const inv = await loadInventory([GOLDEN]);
    const s = summarize(inv);
    expect(inv.sources).to.deep.equal([GOLDEN]);
    expect([...inv.hosts.keys()]).to.deep.equal(['lonely', 'db-a', 'db-b', 'web01', 'web02', 'web03', 'web04', 'dbx1', 'dbx3']);
    expect(s.groups.all!.children).to.deep.equal(['ungrouped', 'prod']);
    expect(s.groups.ungrouped!.hosts).to.deep.equal(['lonely', 'db-b']);
    expect(s.groups.prod!.children).to.deep.equal(['web', 'db']);
    expect(s.groups.db!.hosts).to.deep.equal(['db-a', 'dbx1', 'dbx3']);
    expect(inv.groups.get('web')!.parents).to.deep.equal(['prod']);
    expect(s.hosts['db-a']!.groups).to.deep.equal(['all', 'db']);
    expect(s.hosts.lonely!.groups).to.deep.equal(['all', 'ungrouped']);
    expect(s.hosts.web02!.vars).to.deep.equal({
      ansible_port: 2222,
      http_port: 8080,
      tls: true,
      ratio: 0.5,
      label: '007',
      note: 'two words',
    });
    expect(s.hosts.web04!.vars).to.deep.equal({
      owner: 'Jane O"Brien',
      tags: ['a', 'b'],
      limits: { cpu: 2 },
      nothing: null,
      path: '/srv/www',
    });
    expect(s.hosts['db-a']!.vars).to.deep.equal({ ansible_port: 2200 });
    // :vars values are Python literals where they parse as one (ansible-inventory --host web01 agrees).
    expect(s.groups.web!.vars).to.deep.equal({ ansible_user: 'deploy', retries: 3, quoted: 'spaced value', flag: false });
    expect(s.groups.prod!.vars).to.deep.equal({ env: 'production' });
    expect(inv.hosts.get('web04')!.source).to.deep.equal({ file: GOLDEN, line: 8, col: 1 });
  });

  it('reads :vars values as Python literals, else as the stripped text', () => {
    expect(varsSectionValue(' 8080 ')).to.equal(8080);
    expect(varsSectionValue('"a b"')).to.equal('a b');
    expect(varsSectionValue("'-o ProxyJump=bastion'")).to.equal('-o ProxyJump=bastion');
    expect(varsSectionValue('-o ProxyCommand="ssh -W %h:%p b"')).to.equal('-o ProxyCommand="ssh -W %h:%p b"');
    expect(varsSectionValue('abc#def')).to.equal('abc#def');
    // Ansible keeps a comment after a non-literal (test/fixtures/ansible/ini-values: v_strcomment).
    expect(varsSectionValue('abc # note')).to.equal('abc # note');
    expect(varsSectionValue('8080 # note')).to.equal(8080);
  });

  it('treats inline values that are not Python literals as strings', async () => {
    const inv = await loadMemory({ 'h.ini': 'h1 a=0755 b=yes c=1.2.3 d= e=x=y f=1_000 g=-3 h=0x1F\n' });
    expect(inv.hosts.get('h1')!.vars).to.deep.equal({ a: '0755', b: 'yes', c: '1.2.3', d: '', e: 'x=y', f: 1000, g: -3, h: 31 });
  });

  it('accepts IPv6 hosts and bracketed IPv6 with a port', async () => {
    const inv = await loadMemory({ 'h.ini': '[v6]\nfe80::1\n[2001:db8::5]:2222\n' });
    expect([...inv.hosts.keys()]).to.deep.equal(['fe80::1', '2001:db8::5']);
    expect(inv.hosts.get('2001:db8::5')!.vars).to.deep.equal({ ansible_port: 2222 });
  });

  it('allows children declared before the child group and vars for groups defined later', async () => {
    const inv = await loadMemory({ 'h.ini': '[p:children]\nc\n[c:vars]\nx=1\n[c]\nh1\n' });
    expect(inv.groups.get('p')!.children).to.deep.equal(['c']);
    expect(inv.groups.get('c')!.vars).to.deep.equal({ x: 1 });
  });

  it('reports every bad line with its line and column', async () => {
    const text = [
      '[web', //                                 1
      '[web]', //                                2
      'ok1', //                                  3
      '  bad1 novalue', //                       4
      'bad2 x="unterminated', //                 5
      'web[5:1]', //                             6
      'host: x=1', //                            7
      '[web:weird]', //                          8
      '[web:vars]', //                           9
      'novalue', //                             10
      '[web:children]', //                      11
      'a b', //                                 12
      'ghost', //                               13
      '[orphan:vars]', //                       14
      'x=1', //                                 15
    ].join('\n');
    const issues = await loadIssues({ 'bad.ini': text });
    const where = issues.map((i) => `${i.line}:${i.col} ${i.message}`);
    expect(issues.every((i) => i.file === 'bad.ini')).to.equal(true);
    expect(where).to.deep.equal([
      '1:1 invalid section header "[web": expected [group], [group:children] or [group:vars] with no spaces',
      '4:8 expected key=value host variable, got "novalue"',
      '5:6 cannot parse host line: no closing quotation',
      '6:1 host range "[5:1]" in "web[5:1]" runs backwards (5 > 1)',
      '7:1 invalid host "host:": ":" is reserved for a numeric port (host:port) outside a [begin:end] range',
      '8:1 section [web:weird] has unknown type "weird" (use :children or :vars)',
      '10:1 expected key=value in [web:vars], got "novalue"',
      '12:1 expected a group name in [web:children], got "a b"',
      '13:1 section [web:children] includes undefined group "ghost"; declare it with a [name] or [name:children] section',
      '14:1 section [orphan:vars] is for a group that is never defined; declare it with a [name] or [name:children] section',
    ]);
  });

  it('reports a mixed letter/number range at the host line', async () => {
    const issues = await loadIssues({ 'r.ini': '[g]\n  h[a:1] x=1\n' });
    expect(issues).to.deep.equal([
      { file: 'r.ini', line: 2, col: 3, message: 'host range "[a:1]" in "h[a:1]" mixes a letter and a number' },
    ]);
  });

  it('rejects a YAML document separator in an INI file', async () => {
    const issues = await loadIssues({ 'x.ini': '---\nall:\n' });
    expect(issues[0]).to.include({ line: 1, col: 1 });
    expect(issues[0]!.message).to.contain('sign this is a YAML file');
  });
});
