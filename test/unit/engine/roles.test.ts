import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../../../src/events/events.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { includeVarsModule } from '../../../src/modules/include-vars.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { formatTaskList } from '../../../src/engine/plan.js';
import { tasksById } from '../../../src/engine/task-ids.js';
import { FAKE_MODULES, inventory, runLoaded, type Harness } from './harness.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ansible');

type Recorded = {
  tasks: { name: string; hosts: Record<string, { status: string; msg: string | null } | { status: string; item: unknown }[]> }[];
  stats: Record<string, { ok: number; changed: number; skipped: number; failures: number }>;
};

const realController = {
  readFile: async (p: string) => readFileSync(p),
  writeFile: async () => undefined,
  exists: async (p: string) => existsSync(p),
  mkdirp: async () => undefined,
};

/** Runs fixtures/ansible/<topic>/site.yml on h1, h2 (fake hosts, real controller files). */
const loadFixture = (topic: string) => loadPlaybook(join(fixtures, topic, 'site.yml'), { moduleRegistry: moduleRegistry(), displayRoot: join(fixtures, topic), rolesPath: [] });

async function runFixture(topic: string, hostVars: Record<string, Record<string, unknown>> = {}): Promise<Harness> {
  const playbook = await loadFixture(topic);
  const modules = new Map([...FAKE_MODULES, ['include_vars', includeVarsModule]]);
  return runLoaded(playbook, { inventory: inventory({ ungrouped: ['h1', 'h2'] }, hostVars), modules, controller: realController }, [['h1', 'h2']]);
}

/** drydock's results in the shape extract.py gives Ansible's: per task in order, each host's status and msg. */
function resultsOf(h: Harness): Recorded['tasks'] {
  const got: Recorded['tasks'] = [];
  for (const e of h.events.filter((x): x is Extract<RunEvent, { type: 'task.result' }> => x.type === 'task.result')) {
    const { task, host, status } = e.result;
    let entry = got[got.length - 1];
    if (!entry || entry.name !== task || (entry.hosts[host] !== undefined && !Array.isArray(entry.hosts[host]))) got.push((entry = { name: task, hosts: {} }));
    if (e.item !== undefined) ((entry.hosts[host] ??= []) as { status: string; item: unknown }[]).push({ status, item: e.item });
    else entry.hosts[host] = { status, msg: status === 'skipped' || status === 'failed' ? null : (e.result.msg ?? null) };
  }
  for (const t of got) t.hosts = Object.fromEntries(Object.entries(t.hosts).sort(([a], [b]) => a.localeCompare(b)));
  return got;
}

function expectRecap(h: Harness, expected: Recorded): void {
  for (const host of ['h1', 'h2']) {
    const mine = h.outcome.stats[host]!;
    const theirs = expected.stats[host]!;
    expect({ ok: mine.ok, changed: mine.changed, skipped: mine.skipped, failed: mine.failed }, host).to.deep.equal({ ok: theirs.ok, changed: theirs.changed, skipped: theirs.skipped, failed: theirs.failures });
  }
}

const recorded = (topic: string): Recorded => JSON.parse(readFileSync(join(fixtures, topic, 'expected.json'), 'utf8')) as Recorded;

describe('engine: roles and includes, compared with ansible-playbook 2.14', () => {
  it('runs roles, dependencies, imports and includes in Ansible order with the same results and variable values', async () => {
    const expected = recorded('roles');
    const h = await runFixture('roles', { h2: { inv_over: 'inventory' } });
    // Ansible's json shows an include_role whose condition held as an ok result it does not count; drydock shows none.
    const want = expected.tasks.map((t) => ({
      name: t.name,
      hosts: Object.fromEntries(Object.entries(t.hosts).filter(([, r]) => !(t.name.startsWith('include a role') && !Array.isArray(r) && r.status === 'ok'))),
    }));
    expect(resultsOf(h)).to.deep.equal(want);
    expectRecap(h, expected);
  });

  it('include_vars: found in vars/, above play and task vars, below set_fact, values still templates, name: nests them', async () => {
    const expected = recorded('include-vars');
    const h = await runFixture('include-vars');
    expect(resultsOf(h)).to.deep.equal(expected.tasks);
    expectRecap(h, expected);
  });

  it('gives every task it runs (role, import, include, handler) an id the playbook knows, for the journal and resume', async () => {
    const known = tasksById(await loadFixture('roles'));
    const h = await runFixture('roles', { h2: { inv_over: 'inventory' } });
    const ran = h.events.flatMap((e) => (e.type === 'task.result' && e.taskId !== undefined ? [e.taskId] : []));
    expect(ran).to.include('0.tasks/3/include/block/0');
    for (const id of ran) expect(known.has(id), id).to.equal(true);
    expect(ran.length).to.be.greaterThan(20);
  });

  it('lists role tasks as "role : name", as ansible-playbook --list-tasks does', async () => {
    const listing = formatTaskList(await loadFixture('roles'), { only: [], skip: [] });
    expect(listing).to.include('      common : common task\t');
    expect(listing).to.include('      web : web sub\t');
  });

  it("a role entry's vars: rank below set_fact, its parameters above it; the play sees the set_fact", async () => {
    const expected = recorded('role-params');
    const h = await runFixture('role-params');
    expect(resultsOf(h)).to.deep.equal(expected.tasks);
    expectRecap(h, expected);
  });

  it('include_tasks with a templated name: rendered per host and item, loaded when reached, a missing file fails only its host', async () => {
    const expected = recorded('dynamic-include');
    const h = await runFixture('dynamic-include');
    expect(resultsOf(h)).to.deep.equal(expected.tasks);
    expectRecap(h, expected);
    const failure = h.events.find((e) => e.type === 'task.result' && e.result.status === 'failed');
    expect(failure?.type === 'task.result' && failure.result.msg).to.match(/colors\/none\.yml/);
  });

  it('role_names, ansible_play_role_names, ansible_role_names and ansible_dependent_role_names as Ansible sets them', async () => {
    const expected = recorded('role-names');
    const h = await runFixture('role-names');
    expect(resultsOf(h)).to.deep.equal(expected.tasks);
  });
});
