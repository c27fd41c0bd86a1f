/**
 * Play semantics compared with recorded ansible-playbook 2.14.18 runs (test/fixtures/ansible/play-semantics).
 */
import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { hostsNamed, inventory, play } from './harness.js';
import { fixtureText, recapOf, recorded, type RecordedRun } from './ansible-recorded.js';

const TOPIC = 'play-semantics';
type ResultEvent = Extract<RunEvent, { type: 'task.result' }>;

/** host → its ansible_play_batch, as the "batch member" debug task printed it. */
function batchOf(events: RunEvent[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of events) if (e.type === 'task.result' && (e as ResultEvent).result.task === 'batch member') out[(e as ResultEvent).result.host] = (e as ResultEvent).result.data?.['msg'];
  return out;
}

function recordedBatchOf(run: RecordedRun): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of run.plays) for (const t of p.tasks) if (t.task === 'batch member') for (const [h, r] of Object.entries(t.hosts)) out[h] = r.msg;
  return out;
}

async function runFixture(name: string, respond?: Parameters<typeof play>[1]['respond']) {
  return play(fixtureText(TOPIC, `${name}.yml`), { inventory: inventory({ nodes: hostsNamed('h', 5) }), ...(respond ? { respond } : {}) });
}

describe('engine: play semantics as recorded from ansible-playbook 2.14', () => {
  it('serial batches after an earlier play failed a host are cut over all of the play\'s hosts, the failed one dropped', async () => {
    const ansible = recorded(TOPIC, 'serial-after-failure');
    const h = await runFixture('serial-after-failure');
    expect(recordedBatchOf(ansible)).to.deep.equal({ h2: ['h2'], h3: ['h3', 'h4'], h4: ['h3', 'h4'], h5: ['h5'] });
    expect(batchOf(h.events)).to.deep.equal(recordedBatchOf(ansible));
    const batches = h.events.filter((e): e is Extract<RunEvent, { type: 'batch.start' }> => e.type === 'batch.start' && e.playIndex === 1).map((e) => e.hosts);
    expect(batches).to.deep.equal([['h2'], ['h3', 'h4'], ['h5']]);
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
    expect(h.outcome.exitCode).to.equal(2);
  });

  it('a batch whose only live host fails is not "the whole batch": the dropped host still counts in its size', async () => {
    const ansible = recorded(TOPIC, 'serial-after-failure-batch');
    const h = await runFixture('serial-after-failure-batch');
    expect(batchOf(h.events)).to.deep.equal(recordedBatchOf(ansible));
    expect(h.outcome.stopped).to.equal(undefined);
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
  });

  it('max_fail_percentage after an earlier play failed a host: no stop, same batches', async () => {
    const ansible = recorded(TOPIC, 'mfp-after-failure');
    const h = await runFixture('mfp-after-failure');
    expect(batchOf(h.events)).to.deep.equal(recordedBatchOf(ansible));
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
  });

  it('an ignored failure that changed counts as ok, changed and ignored in the recap', async () => {
    const ansible = recorded(TOPIC, 'ignored-changed');
    const h = await play(fixtureText(TOPIC, 'ignored-changed.yml'), {
      inventory: inventory({ nodes: hostsNamed('h', 5) }),
      respond: (_host, command) => (command === '/bin/false' ? { code: 1 } : {}),
    });
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('templated task names are shown templated with the first host\'s vars (an undefined one as written); ignore_errors covers an undefined variable in args', async () => {
    const ansible = recorded(TOPIC, 'task-names-ignore');
    const h = await play(fixtureText(TOPIC, 'task-names-ignore.yml'), { inventory: inventory({ nodes: ['h1', 'h2'] }, { h1: { hvar: 'fromhost' }, h2: { hvar: 'fromhost' } }) });
    const started = h.events.filter((e): e is Extract<RunEvent, { type: 'task.start' }> => e.type === 'task.start').map((e) => e.name);
    expect(started).to.deep.equal(ansible.plays[0]!.tasks.map((t) => t.task));
    expect(h.results('undefined in args ignored')).to.deep.equal({ h1: 'ignored', h2: 'ignored' });
    const ignored = h.events.find((e): e is ResultEvent => e.type === 'task.result' && e.result.task === 'undefined in args ignored')!;
    expect(String(ansible.plays[0]!.tasks[3]!.hosts['h1']!.msg)).to.contain("'missing_var' is undefined");
    expect(ignored.result.msg).to.contain("'missing_var' is undefined");
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('loop_control extended (ansible_loop), label, index_var, pause and a bare with_items give the items and messages Ansible gave', async () => {
    const ansible = recorded(TOPIC, 'loops');
    const h = await play(fixtureText(TOPIC, 'loops.yml'), { inventory: inventory({ nodes: ['h1', 'h2'] }) });
    const items = (task: string) =>
      h.events.filter((e): e is ResultEvent => e.type === 'task.result' && e.result.task === task && e.item !== undefined).map((e) => ({ label: e.item, msg: e.result.data?.['msg'] }));
    for (const t of ansible.plays[0]!.tasks) {
      const want = (t.hosts['h1'] as { results: { _ansible_item_label: unknown; msg: unknown }[] }).results.map((r) => ({ label: String(r._ansible_item_label), msg: r.msg }));
      expect(items(t.task), t.task).to.deep.equal(want);
    }
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
  });

  it('a bare with_items: name that is also a variable loops over the string, as Ansible 2.14, and says so once per task (not once per host)', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  vars:
    fruits: [apple, pear]
  tasks:
    - name: bare
      debug: { msg: "{{ item }}" }
      with_items: fruits
    - name: not a variable
      debug: { msg: "{{ item }}" }
      with_items: apples
`,
      { inventory: inventory({ nodes: ['h1', 'h2', 'h3'] }) },
    );
    const msgs = (task: string) => h.events.filter((e): e is ResultEvent => e.type === 'task.result' && e.result.task === task && e.item !== undefined).map((e) => e.result.data?.['msg']);
    expect(msgs('bare')).to.deep.equal(['fruits', 'fruits', 'fruits']);
    const warnings = h.events.filter((e): e is Extract<RunEvent, { type: 'warning' }> => e.type === 'warning').map((e) => e.message);
    expect(warnings.filter((w) => w.includes('with_items: fruits loops over the one string'))).to.have.length(1);
    expect(warnings.some((w) => w.includes('apples'))).to.equal(false);
  });

  it('loop_control.extended: each item\'s registered result carries ansible_loop as Ansible\'s', async () => {
    const ansible = recorded(TOPIC, 'loops');
    const text = fixtureText(TOPIC, 'loops.yml').replace('      loop_control:\n        extended: true\n', '      loop_control:\n        extended: true\n      register: ext\n');
    const h = await play(`${text}    - name: show\n      debug:\n        msg: "{{ ext.results | map(attribute='ansible_loop') | list }}"\n`, { inventory: inventory({ nodes: ['h1'] }) });
    const shown = h.events.find((e): e is ResultEvent => e.type === 'task.result' && e.result.task === 'show')!.result.data?.['msg'];
    const want = (ansible.plays[0]!.tasks[0]!.hosts['h1'] as { results: { ansible_loop: unknown }[] }).results.map((r) => r.ansible_loop);
    expect(JSON.parse(JSON.stringify(shown))).to.deep.equal(want);
  });

  it('templated play keys (hosts, serial, gather_facts, become, max_fail_percentage, any_errors_fatal) from -e: same batches, stop and play name as Ansible', async () => {
    const ansible = recorded(TOPIC, 'templated-play-keys');
    const h = await play(fixtureText(TOPIC, 'templated-play-keys.yml'), {
      inventory: inventory({ nodes: hostsNamed('h', 5) }),
      options: { extraVars: { batch: '2', fatal: 'false', fail_host: 'h3' } },
    }, [hostsNamed('h', 5)]);
    expect(batchOf(h.events)).to.deep.equal(recordedBatchOf(ansible));
    expect(h.outcome.stats).to.deep.equal(recapOf(ansible));
    expect(h.outcome.stopped?.reason).to.equal('any_errors_fatal');
    const starts = h.events.filter((e): e is Extract<RunEvent, { type: 'play.start' }> => e.type === 'play.start').map((e) => e.name);
    expect(starts).to.deep.equal([ansible.plays[0]!.play]);
    const warnings = h.events.filter((e): e is Extract<RunEvent, { type: 'warning' }> => e.type === 'warning').map((e) => e.message);
    expect(warnings.some((w) => w.includes('any_errors_fatal "{{ fatal }}" renders to false'))).to.equal(true);
  });
});
