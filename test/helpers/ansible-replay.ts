/**
 * Replays a playbook of debug/set_fact tasks recorded from ansible-playbook (test/fixtures/ansible/*) through
 * drydock's expression engine: the same `when:` and templates, compared by the tests with what Ansible printed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseYamlSource } from '../../src/playbook/yaml-source.js';
import { evaluateCondition, renderValue, type Condition } from '../../src/playbook/template.js';
import { pyStr } from '../../src/playbook/expr/values.js';

const dir = fileURLToPath(new URL('../fixtures/ansible/expr/', import.meta.url));

export interface Recorded {
  task: string;
  skipped: boolean;
  msg?: unknown;
  ansible_facts?: Record<string, unknown>;
}

/** Ansible 2.14 (non-native Jinja) returns text for templates that are not one bare variable; drydock keeps the
 * value. Scalars are compared by the text Ansible would print, containers and booleans as they are. */
export function comparable(actual: unknown, expected: unknown): unknown {
  if (typeof expected === 'string' && typeof actual !== 'string') return pyStr(actual);
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((a, i) => comparable(a, expected[i]));
  if (typeof expected === 'number') return JSON.parse(JSON.stringify(actual)) as unknown;
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object' && !Array.isArray(actual)) {
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, comparable(v, (expected as Record<string, unknown>)[k])]));
  }
  return actual;
}

export function replay(name: string, from = dir, extraVars: Record<string, unknown> = {}): { got: Recorded[]; expected: Recorded[] } {
  const parsed = parseYamlSource(readFileSync(`${from}${name}.yml`, 'utf8'), `${name}.yml`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const [play] = parsed.source.toJS(parsed.source.doc.contents) as [{ vars: Record<string, unknown>; tasks: Record<string, unknown>[] }];
  const vars: Record<string, unknown> = { ...play.vars, ...extraVars };
  const expected = JSON.parse(readFileSync(`${from}${name}.expected.json`, 'utf8')) as Recorded[];
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

