/**
 * drydock's expression engine against ansible-playbook 2.14.18 runs recorded in test/fixtures/ansible/expr/
 * (README there). Each fixture playbook is a play of debug/set_fact tasks; this test evaluates the same `when:`
 * and templates with drydock's engine and compares with what Ansible printed.
 */
import { expect } from 'chai';
import { replay } from '../../../helpers/ansible-replay.js';
import { parseExtraVars } from '../../../../src/cli/options.js';

/** Items where Python returns a tuple, printed "('a', 'b')"; drydock has no tuples and returns a list. */
const TUPLES: Record<string, number[]> = { filters: [15, 16], misc: [33] };

/** Known differences, not compared: ints beyond 2**53 (JavaScript numbers lose the last digits). */
const KNOWN: Record<string, number[]> = { misc: [61] };

describe('expression engine parity with ansible-playbook 2.14.18 (recorded)', () => {
  it('json.yml: from_json and -e JSON keep floats as Python json.loads does', () => {
    const { got, expected } = replay('json', undefined, parseExtraVars('{"v": 2.0, "w": 1e3}'));
    expect(got).to.deep.equal(expected);
  });

  for (const name of ['floats', 'boolyaml', 'none', 'filters', 'misc', 'bs', 'jinja']) {
    it(`${name}.yml renders as Ansible rendered it`, () => {
      const { got, expected } = replay(name);
      expect(got.length).to.equal(expected.length);
      for (let i = 0; i < got.length; i++) {
        const g = got[i]!;
        const e = expected[i]!;
        for (const j of KNOWN[name] ?? []) (g.msg as unknown[])[j] = (e.msg as unknown[])[j];
        for (const j of TUPLES[name] ?? []) {
          const item = (g.msg as unknown[])[j];
          if (typeof item === 'string') (g.msg as unknown[])[j] = item.replace(/\[(.*)\]/, '($1)');
        }
        if (Array.isArray(e.msg) && Array.isArray(g.msg)) {
          e.msg.forEach((m, j) => expect((g.msg as unknown[])[j], `${name} task ${i} item ${j}`).to.deep.equal(m));
        }
        expect(g, `${name} task ${i}`).to.deep.equal(e);
      }
    });
  }
});
