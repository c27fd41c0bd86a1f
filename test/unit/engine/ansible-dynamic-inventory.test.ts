/**
 * add_host and group_by compared with recorded ansible-playbook 2.14.18 runs
 * (test/fixtures/ansible/play-semantics/add-host-group-by*).
 */
import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { applyLimit, resolvePattern } from '../../../src/inventory/index.js';
import type { Play } from '../../../src/playbook/model.js';
import { addHostModule, groupByModule } from '../../../src/modules/inventory-changes.js';
import { FAKE_MODULES, hostsNamed, inventory, play } from './harness.js';
import { fixtureText, recapOf, recorded, type RecordedRun } from './ansible-recorded.js';

type ResultEvent = Extract<RunEvent, { type: 'task.result' }>;
const modules = new Map([...FAKE_MODULES, ['add_host', addHostModule], ['group_by', groupByModule]]);

/** task → host → msg of every debug result, in the order they ran. */
function messages(events: RunEvent[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of events) {
    if (e.type !== 'task.result' || (e as ResultEvent).item !== undefined) continue;
    const r = (e as ResultEvent).result;
    if (r.data?.['msg'] === undefined) continue;
    (out[r.task] ??= {})[r.host] = r.data['msg'];
  }
  return out;
}

function recordedMessages(run: RecordedRun): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of run.plays) for (const t of p.tasks) for (const [h, r] of Object.entries(t.hosts)) if (r.msg !== undefined) (out[t.task] ??= {})[h] = r.msg;
  return out;
}

/** Ansible prints Python lists: "newbie blue ['extra', 'fresh']". */
const pyList = (text: unknown): unknown => (typeof text === 'string' ? text.replace(/"/g, "'") : text);

describe('engine: add_host and group_by as recorded from ansible-playbook 2.14', () => {
  const text = fixtureText('play-semantics', 'add-host-group-by.yml');
  const first = ['h1', 'h2', 'h3'];

  it('add_host runs once and its host (vars, groups) is a later play\'s; group_by groups are seen at once and by later plays', async () => {
    const ansible = recorded('play-semantics', 'add-host-group-by');
    const inv = inventory({ nodes: hostsNamed('h', 5) });
    const h = await play(text, { inventory: inv, modules }, [first, [], [], []]);
    const got = messages(h.events);
    for (const row of Object.values(got)) for (const k of Object.keys(row)) row[k] = pyList(row[k]);
    expect(got).to.deep.equal(recordedMessages(ansible));
    expect(h.results('add a host')).to.deep.equal({ h1: 'changed' });
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('with --limit h1 the added host stays out, as Ansible', async () => {
    const ansible = recorded('play-semantics', 'add-host-group-by-limit-h1');
    const inv = inventory({ nodes: hostsNamed('h', 5) });
    const hostsFor = (p: Play): string[] => applyLimit(inv, resolvePattern(inv, p.hosts), 'h1');
    const h = await play(text, { inventory: inv, modules, hostsFor }, [['h1'], [], [], []]);
    const got = messages(h.events);
    for (const row of Object.values(got)) for (const k of Object.keys(row)) row[k] = pyList(row[k]);
    expect(got).to.deep.equal(recordedMessages(ansible));
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
  });
});
