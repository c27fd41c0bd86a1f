import { expect } from 'chai';
import { ConfigError } from '../../../../src/errors.js';
import { moduleRegistry } from '../../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../../src/playbook/load.js';

async function issuesOf(yaml: string): Promise<string[]> {
  try {
    await loadPlaybook('/pb/main.yml', { moduleRegistry: moduleRegistry(), displayRoot: '/pb', readText: async () => yaml });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  return [];
}

describe('playbook load: unknown filters, tests and lookups are refused before any host', () => {
  it('names the position and the closest known names, in task args, when, names and play vars', async () => {
    const issues = await issuesOf(
      [
        '- hosts: all',
        '  vars:',
        '    a: "{{ x | defualt(1) }}"',
        '  tasks:',
        '    - name: "{{ y | uper }}"',
        '      debug:',
        '        msg: "{{ [1] | map(\'lenght\') | list }}"',
        '      when: z is definedd',
        '    - command: "echo {{ q | password_hash(\'sha512\') }}"',
        '    - debug: { msg: "{{ lookup(\'nosuch\', \'a\') }}" }',
        '    - debug: { msg: "{{ [1] | select(\'evn\') | list }}" }',
      ].join('\n'),
    );
    expect(issues).to.have.length(7);
    expect(issues[0]).to.match(/^main\.yml:3:8: .*unknown filter 'defualt' \(closest: default\b/);
    expect(issues.some((i) => /^main\.yml:5:13: .*unknown filter 'uper' \(closest: .*upper/.test(i))).to.equal(true);
    expect(issues.some((i) => /^main\.yml:7:14: .*unknown filter 'lenght' \(closest: length/.test(i))).to.equal(true);
    expect(issues.some((i) => /^main\.yml:8:13: .*unknown test 'definedd' \(closest: defined/.test(i))).to.equal(true);
    expect(issues.some((i) => /^main\.yml:9:16: .*filter 'password_hash' is not supported: /.test(i))).to.equal(true);
    expect(issues.some((i) => /^main\.yml:10:.*unknown or unsupported lookup 'nosuch'/.test(i))).to.equal(true);
    expect(issues.some((i) => /^main\.yml:11:21: .*unknown test 'evn' \(closest: even/.test(i))).to.equal(true);
  });

  it('accepts known names, including attribute maps and tests given to select', async () => {
    const issues = await issuesOf(
      ['- hosts: all', '  tasks:', '    - debug: { msg: "{{ [1] | map(attribute=\'lenght\') | select(\'odd\') | map(\'string\') | list }}" }'].join('\n'),
    );
    expect(issues).to.deep.equal([]);
  });
});
