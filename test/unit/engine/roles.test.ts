import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../../../src/events/events.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { inventory, runLoaded } from './harness.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ansible/roles');

interface Recorded {
  tasks: { name: string; hosts: Record<string, { status: string; msg: string | null } | { status: string; item: unknown }[]> }[];
  stats: Record<string, { ok: number; changed: number; skipped: number; failures: number }>;
}

describe('engine: roles and includes, compared with ansible-playbook 2.14', () => {
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Recorded;

  async function runFixture() {
    const playbook = await loadPlaybook(join(dir, 'site.yml'), { moduleRegistry: moduleRegistry(), displayRoot: dir, rolesPath: [] });
    const inv = inventory({ ungrouped: ['h1', 'h2'] }, { h2: { inv_over: 'inventory' } });
    return runLoaded(playbook, { inventory: inv }, [['h1', 'h2']]);
  }

  it('runs the tasks in Ansible order with the same results and variable values', async () => {
    const h = await runFixture();
    const results = h.events.filter((e): e is Extract<RunEvent, { type: 'task.result' }> => e.type === 'task.result');
    const got: Recorded['tasks'] = [];
    for (const e of results) {
      const { task, host, status } = e.result;
      let entry = got[got.length - 1];
      if (!entry || entry.name !== task || (entry.hosts[host] !== undefined && !Array.isArray(entry.hosts[host]))) got.push((entry = { name: task, hosts: {} }));
      if (e.item !== undefined) {
        const list = (entry.hosts[host] ??= []) as { status: string; item: unknown }[];
        list.push({ status, item: e.item });
      } else entry.hosts[host] = { status, msg: status === 'skipped' ? null : e.result.msg ?? null };
    }
    // Ansible's json shows an include_role whose condition held as an ok result it does not count; drydock shows none.
    const want = expected.tasks.map((t) => ({
      name: t.name,
      hosts: Object.fromEntries(Object.entries(t.hosts).filter(([, r]) => !(t.name.startsWith('include a role') && !Array.isArray(r) && r.status === 'ok'))),
    }));
    for (const t of got) t.hosts = Object.fromEntries(Object.entries(t.hosts).sort(([a], [b]) => a.localeCompare(b)));
    expect(got).to.deep.equal(want);
  });

  it('counts the recap as Ansible does', async () => {
    const h = await runFixture();
    for (const host of ['h1', 'h2']) {
      const mine = h.outcome.stats[host]!;
      const theirs = expected.stats[host]!;
      expect({ ok: mine.ok, changed: mine.changed, skipped: mine.skipped, failed: mine.failed }, host).to.deep.equal({ ok: theirs.ok, changed: theirs.changed, skipped: theirs.skipped, failed: theirs.failures });
    }
  });
});
