/**
 * drydock's expression engine against ansible-playbook 2.14.18 runs recorded in test/fixtures/ansible/expr/
 * (README there). Each fixture playbook is a play of debug/set_fact tasks; this test evaluates the same `when:`
 * and templates with drydock's engine and compares with what Ansible printed.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseYamlSource } from '../../../../src/playbook/yaml-source.js';
import { evaluateCondition, renderValue, type Condition } from '../../../../src/playbook/template.js';
import { pyStr } from '../../../../src/playbook/expr/values.js';

const dir = fileURLToPath(new URL('../../../fixtures/ansible/expr/', import.meta.url));

interface Recorded {
  task: string;
  skipped: boolean;
  msg?: unknown;
  ansible_facts?: Record<string, unknown>;
}

/** Ansible 2.14 (non-native Jinja) returns text for templates that are not one bare variable; drydock keeps the
 * value. Scalars are compared by the text Ansible would print, containers and booleans as they are. */
function comparable(actual: unknown, expected: unknown): unknown {
  if (typeof expected === 'string' && typeof actual !== 'string') return pyStr(actual);
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((a, i) => comparable(a, expected[i]));
  if (typeof expected === 'number') return JSON.parse(JSON.stringify(actual)) as unknown;
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object' && !Array.isArray(actual)) {
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, comparable(v, (expected as Record<string, unknown>)[k])]));
  }
  return actual;
}

function replay(name: string): { got: Recorded[]; expected: Recorded[] } {
  const parsed = parseYamlSource(readFileSync(`${dir}${name}.yml`, 'utf8'), `${name}.yml`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const [play] = parsed.source.toJS(parsed.source.doc.contents) as [{ vars: Record<string, unknown>; tasks: Record<string, unknown>[] }];
  const vars: Record<string, unknown> = { ...play.vars };
  const expected = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Recorded[];
  const got = play.tasks.map((task, i): Recorded => {
    const row: Recorded = { task: expected[i]!.task, skipped: false };
    if (task.when !== undefined && !evaluateCondition(task.when as Condition, vars)) return { ...row, skipped: true };
    if (task.debug) row.msg = comparable(renderValue((task.debug as { msg: unknown }).msg, vars), expected[i]!.msg);
    if (task.set_fact) {
      const facts = renderValue(task.set_fact, vars) as Record<string, unknown>;
      Object.assign(vars, facts);
      row.ansible_facts = comparable(facts, expected[i]!.ansible_facts) as Record<string, unknown>;
    }
    return row;
  });
  const strip = (rows: Recorded[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as Recorded);
  return { got: strip(got), expected: strip(expected.map((r) => ({ ...r, msg: r.msg ?? undefined, ansible_facts: r.ansible_facts ?? undefined }))) };
}

describe('expression engine parity with ansible-playbook 2.14.18 (recorded)', () => {
  for (const name of ['floats', 'boolyaml', 'none']) {
    it(`${name}.yml renders as Ansible rendered it`, () => {
      const { got, expected } = replay(name);
      expect(got.length).to.equal(expected.length);
      for (let i = 0; i < got.length; i++) {
        const g = got[i]!;
        const e = expected[i]!;
        if (Array.isArray(e.msg) && Array.isArray(g.msg)) {
          e.msg.forEach((m, j) => expect((g.msg as unknown[])[j], `${name} task ${i} item ${j}`).to.deep.equal(m));
        }
        expect(g, `${name} task ${i}`).to.deep.equal(e);
      }
    });
  }
});
