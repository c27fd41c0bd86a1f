import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { hostsNamed, inventory, play } from './harness.js';

const batchesOf = (events: RunEvent[]): string[][] => events.flatMap((e) => (e.type === 'batch.start' ? [e.hosts] : []));
const stopOf = (events: RunEvent[]) => events.find((e): e is Extract<RunEvent, { type: 'play.stop' }> => e.type === 'play.stop');

describe('engine: serial batches and stop rules', () => {
  const ten = inventory({ nodes: hostsNamed('n', 10) });

  it('cuts counts, percentages and ramps into batches, each running the whole play before the next', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: [1, 3, "50%"]
  tasks:
    - command: first {{ inventory_hostname }}
    - command: second {{ inventory_hostname }}
`,
      { inventory: ten },
    );
    expect(batchesOf(h.events)).to.deep.equal([['n1'], ['n2', 'n3', 'n4'], ['n5', 'n6', 'n7', 'n8', 'n9'], ['n10']]);
    // Batch 2: every host does `first` before any does `second`, and nothing of batch 3 starts before.
    expect(h.log.slice(0, 8)).to.deep.equal([
      'n1: first n1',
      'n1: second n1',
      'n2: first n2',
      'n3: first n3',
      'n4: first n4',
      'n2: second n2',
      'n3: second n3',
      'n4: second n4',
    ]);
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('orders hosts by `order:` before batching', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  order: reverse_sorted\n  serial: 4\n  tasks:\n    - command: x\n`, { inventory: ten });
    expect(batchesOf(h.events)[0]).to.deep.equal(['n9', 'n8', 'n7', 'n6']);
  });

  it('stops later batches once max_fail_percentage is strictly exceeded', async () => {
    const text = (pct: number) => `
- hosts: nodes
  gather_facts: false
  serial: 4
  max_fail_percentage: ${pct}
  tasks:
    - command: work
    - command: after
`;
    const failing = (host: string) => ({ code: ['n1', 'n2'].includes(host) ? 1 : 0 });
    // 2 of 4 = 50%: not more than 50, so the run goes on to batches 2 and 3.
    const atLimit = await play(text(50), { inventory: ten, respond: failing });
    expect(batchesOf(atLimit.events)).to.have.length(3);
    expect(stopOf(atLimit.events)).to.equal(undefined);
    expect(atLimit.outcome.exitCode).to.equal(2);
    // 2 of 4 = 50% > 49%: stop after the first batch, no later batch starts.
    const over = await play(text(49), { inventory: ten, respond: failing });
    expect(batchesOf(over.events)).to.have.length(1);
    expect(stopOf(over.events)?.reason).to.equal('max_fail_percentage');
    expect(over.log.filter((l) => l.includes('after'))).to.deep.equal([], 'the limit is checked after each task, as Ansible');
    expect(over.outcome.exitCode).to.equal(2);
    expect(over.outcome.report.stopped?.reason).to.equal('max_fail_percentage');
  });

  it('counts unreachable hosts towards max_fail_percentage unless told not to', async () => {
    const text = `\n- hosts: nodes\n  gather_facts: false\n  serial: 5\n  max_fail_percentage: 10\n  tasks:\n    - command: work\n`;
    const counted = await play(text, { inventory: ten, unreachable: ['n2'] });
    expect(batchesOf(counted.events)).to.have.length(1);
    expect(counted.outcome.exitCode).to.equal(4);
    const notCounted = await play(text, { inventory: ten, unreachable: ['n2'], options: { countUnreachableInMaxFail: false } });
    expect(batchesOf(notCounted.events)).to.have.length(2);
  });

  it('any_errors_fatal: one failure ends the batch after the current task and stops the play', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: 5
  any_errors_fatal: true
  tasks:
    - command: work
    - command: after
`,
      { inventory: ten, respond: (host) => ({ code: host === 'n3' ? 1 : 0 }) },
    );
    expect(h.log.filter((l) => l.endsWith('work'))).to.have.length(5, 'the fatal task finishes on the whole batch');
    expect(h.log.filter((l) => l.endsWith('after'))).to.deep.equal([]);
    expect(batchesOf(h.events)).to.have.length(1);
    expect(stopOf(h.events)?.reason).to.equal('any_errors_fatal');
    expect(h.outcome.exitCode).to.equal(2);
  });

  it('stops the run when every host of a batch failed or was unreachable', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: 2
  tasks:
    - command: work
- hosts: nodes
  gather_facts: false
  tasks:
    - command: second play
`,
      { inventory: ten, respond: (host) => ({ code: host === 'n1' ? 1 : 0 }), unreachable: ['n2'] },
    );
    expect(batchesOf(h.events)).to.deep.equal([['n1', 'n2']]);
    expect(stopOf(h.events)?.reason).to.equal('whole_batch_failed');
    expect(h.log.some((l) => l.includes('second play'))).to.equal(false);
    expect(h.outcome.exitCode).to.equal(4, 'unreachable wins over failed');
  });

  it('--continue-on-failed-batch starts the next batch after a wholly failed one', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  serial: 1\n  tasks:\n    - command: work\n`, {
      inventory: inventory({ nodes: ['a', 'b', 'c'] }),
      unreachable: ['a'],
      options: { continueOnFailedBatch: true },
    });
    expect(batchesOf(h.events)).to.deep.equal([['a'], ['b'], ['c']]);
    expect(h.log).to.deep.equal(['b: work', 'c: work']);
    expect(h.outcome.exitCode).to.equal(4);
  });

  it('drops a failed host from the rest of the play, and failed and unreachable ones from later plays (as Ansible)', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - command: one
    - command: two
- hosts: nodes
  gather_facts: false
  tasks:
    - command: three
`,
      { inventory: inventory({ nodes: ['a', 'b', 'c'] }), respond: (host, cmd) => ({ code: host === 'a' && cmd === 'one' ? 1 : 0 }), unreachable: ['b'] },
    );
    expect(h.log).to.deep.equal(['a: one', 'c: one', 'c: two', 'c: three']);
    expect(h.outcome.failedHosts).to.deep.equal(['a']);
    expect(h.outcome.unreachableHosts).to.deep.equal(['b']);
    expect(h.outcome.stats['b']?.unreachable).to.equal(1);
    expect(h.outcome.exitCode).to.equal(4);
  });

  it('a stop of new batches lets the running batch finish every task and starts no later batch or play', async () => {
    const stopBatches = new AbortController();
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  serial: 1
  tasks:
    - command: drain
    - command: reboot
- hosts: nodes
  gather_facts: false
  tasks:
    - command: later
`,
      {
        inventory: inventory({ nodes: ['a', 'b', 'c'] }),
        respond: (host, cmd) => {
          if (host === 'a' && cmd === 'drain') stopBatches.abort(); // the window closes while a is drained
          return { code: 0 };
        },
        stopBatches: stopBatches.signal,
      },
    );
    expect(h.log).to.deep.equal(['a: drain', 'a: reboot']);
    expect(h.outcome.interrupted).to.equal(true);
    expect(h.outcome.exitCode).to.equal(130);
  });

  it('runs at most `forks` hosts at once, lowered by throttle', async () => {
    let running = 0;
    let peak = 0;
    const respond = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running -= 1;
      return {};
    };
    await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n`, { inventory: ten, respond, options: { forks: 3 } });
    expect(peak).to.equal(3);
    peak = 0;
    await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n      throttle: 2\n`, { inventory: ten, respond, options: { forks: 3 } });
    expect(peak).to.equal(2);
  });

  it('exit code 130 when interrupted: no new task starts, the recap is still emitted', async () => {
    const stop = new AbortController();
    const h = await play(
      `\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: one\n    - command: two\n`,
      {
        inventory: inventory({ nodes: ['a', 'b'] }),
        stop: stop.signal,
        onEvent: (e) => {
          if (e.type === 'task.result' && e.result.task === 'command') stop.abort();
        },
      },
    );
    expect(h.log.filter((l) => l.endsWith('two'))).to.deep.equal([]);
    expect(h.outcome.exitCode).to.equal(130);
    expect(h.events.some((e) => e.type === 'recap')).to.equal(true);
  });
});
