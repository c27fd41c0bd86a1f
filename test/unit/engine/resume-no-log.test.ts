import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import type { KeptSecret } from '../../../src/journal/secrets.js';
import { buildResumeState, type ParsedJournal } from '../../../src/journal/resume-state.js';
import { hostsNamed, inventory, play, type HarnessOptions } from './harness.js';

const PLAYBOOK = `
- name: roll
  hosts: nodes
  gather_facts: false
  serial: 1
  tasks:
    - name: get token
      command: get-token
      register: token
      no_log: true
    - name: keep it as a fact
      set_fact:
        api_key: "{{ token.stdout }}"
      no_log: true
    - name: use token
      command: use-token
      when: token.stdout == 'tok-' + inventory_hostname and api_key == token.stdout
`;

describe('engine: no_log results survive drydock resume', () => {
  const nodes = inventory({ nodes: hostsNamed('n', 2) });
  const respond: HarnessOptions['respond'] = (host, command) => ({ stdout: command === 'get-token' ? `tok-${host}` : '' });

  /** Run A, killed when n1 starts `use token`: the journal it leaves, and the values it kept. */
  async function killedRun(): Promise<{ journal: ParsedJournal; kept: KeptSecret[]; keptBeforeResult: boolean[] }> {
    const kept: KeptSecret[] = [];
    const keptBeforeResult: boolean[] = [];
    const events: RunEvent[] = [];
    const first = await play(PLAYBOOK, {
      inventory: nodes,
      respond,
      keepSecret: (s) => {
        kept.push(structuredClone(s));
        // The result's event is not out yet: a journaled result always has its value kept.
        keptBeforeResult.push(!events.some((e) => e.type === 'task.result' && e.taskId === s.taskId && e.result.host === s.host));
      },
      onEvent: (e) => events.push(e),
    });
    const cut = first.events.findIndex((e) => e.type === 'task.start' && e.name === 'use token');
    const journal: ParsedJournal = {
      header: { kind: 'header', format: 1, runId: 'run-a', command: 'drydock play site.yml', cwd: '/', started: 'x', version: 't', host: 'h', pid: 1 },
      events: structuredClone(first.events.slice(0, cut + 1)),
      secrets: kept,
    };
    return { journal, kept, keptBeforeResult };
  }

  it('the engine hands the unmasked result and facts to keepSecret before the censored result event', async () => {
    const { journal, kept, keptBeforeResult } = await killedRun();
    expect(kept.filter((k) => k.host === 'n1').map((k) => [k.taskId, k.data['stdout'] ?? k.facts?.['api_key']])).to.deep.equal([
      ['0.tasks/0', 'tok-n1'],
      ['0.tasks/1', 'tok-n1'],
    ]);
    expect(keptBeforeResult.every(Boolean)).to.equal(true);
    expect(JSON.stringify(journal.events)).not.to.contain('tok-');
  });

  it('a resumed run registers the kept value again: a later `when:` sees it, and it stays out of events and report', async () => {
    const { journal } = await killedRun();
    const again = await play(PLAYBOOK, { inventory: nodes, respond, options: { runId: 'run-b', resume: buildResumeState([journal]) } });
    expect(again.outcome.exitCode).to.equal(0);
    // n1: get-token is not run again, yet use-token's `when:` (token.stdout and the no_log fact) holds.
    expect(again.log).to.deep.equal(['n1: use-token', 'n2: get-token', 'n2: use-token']);
    expect(again.results('use token')).to.deep.equal({ n1: 'changed', n2: 'changed' });
    expect(JSON.stringify(again.events)).not.to.contain('tok-');
    expect(JSON.stringify(again.outcome.report)).not.to.contain('tok-');
  });

  it('a no_log registered value that was not kept: resume is refused before any task, naming the task', async () => {
    const { journal } = await killedRun();
    const { secrets: _dropped, ...withoutSecrets } = journal;
    let ran = 0;
    const err = await play(PLAYBOOK, { inventory: nodes, respond: () => (ran++, {}), options: { runId: 'run-b', resume: buildResumeState([withoutSecrets]) } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.contain('task "get token" (0.tasks/0) registered "token" on n1 with no_log in run run-a');
    expect(ran).to.equal(0);
  });
});
