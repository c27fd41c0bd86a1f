/**
 * lookup()/query()/q() and the controller path tests against the ansible-playbook 2.14.18 run recorded in
 * test/fixtures/ansible/lookups/ (README there), through the real controller port the CLI installs.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { installControllerPort } from '../../../../src/cli/controller-port.js';
import { useControllerPort } from '../../../../src/playbook/expr/lookups.js';
import { renderString } from '../../../../src/playbook/template.js';
import { replay } from '../../../helpers/ansible-replay.js';

const dir = fileURLToPath(new URL('../../../fixtures/ansible/lookups/', import.meta.url));

describe('lookup() / query() parity with ansible-playbook 2.14.18 (recorded)', () => {
  const cwd = process.cwd();
  before(() => {
    installControllerPort();
    process.env.DRYDOCK_T = 'hello';
    delete process.env.DRYDOCK_NOT_SET_X;
    process.chdir(dir);
  });
  after(() => {
    process.chdir(cwd);
    delete process.env.DRYDOCK_T;
    useControllerPort(undefined);
  });

  it('lookups.yml renders as Ansible rendered it', () => {
    const { got, expected } = replay('lookups', dir, { playbook_dir: dir.replace(/\/$/, '') });
    const g = got[0]!.msg as unknown[];
    const e = expected[0]!.msg as unknown[];
    expect(g.length).to.equal(e.length);
    for (const i of [9, 10]) {
      g[i] = [...(g[i] as string[])].sort();
      e[i] = [...(e[i] as string[])].sort();
    }
    e.forEach((m, i) => expect(g[i], `item ${i}`).to.deep.equal(m));
  });

  it('refuses a failing pipe and a missing file, naming them', () => {
    const vars = { playbook_dir: dir.replace(/\/$/, '') };
    expect(() => renderString("{{ lookup('pipe', 'exit 3') }}", vars)).to.throw(/pipe\(exit 3\) returned 3/);
    expect(() => renderString("{{ lookup('file', 'nope.txt') }}", vars)).to.throw(/could not find or access 'nope\.txt'/);
  });

  it('says plainly when no controller port is installed', () => {
    useControllerPort(undefined);
    try {
      expect(() => renderString("{{ lookup('env', 'HOME') }}", {})).to.throw(/needs the controller/);
      expect(renderString("{{ query('items', [1, [2]]) }}", {})).to.deep.equal([1, [2]]);
    } finally {
      installControllerPort();
    }
  });
});
