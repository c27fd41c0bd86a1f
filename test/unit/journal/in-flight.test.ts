import { expect } from 'chai';
import { describeInFlight, inFlightOf } from '../../../src/journal/in-flight.js';
import type { RunEvent } from '../../../src/events/events.js';

describe('what a dead run had in flight', () => {
  it('playbook tasks started and never reported, per host', () => {
    const events: RunEvent[] = [
      { type: 'run.start', runId: 'r', command: 'drydock play p.yml', hosts: ['a', 'b'], forks: 5, at: 'x' },
      { type: 'task.start', name: 'one', hosts: ['a', 'b'], taskId: '0.tasks/0' },
      { type: 'task.result', result: { host: 'a', task: 'one', status: 'ok' }, taskId: '0.tasks/0' },
      { type: 'task.result', result: { host: 'b', task: 'one', status: 'ok' }, taskId: '0.tasks/0' },
      { type: 'task.start', name: 'two', hosts: ['a', 'b'], taskId: '0.tasks/1' },
      { type: 'task.result', result: { host: 'a', task: 'two', status: 'changed' }, item: 'x', taskId: '0.tasks/1' },
      { type: 'task.result', result: { host: 'b', task: 'two', status: 'changed' }, taskId: '0.tasks/1' },
    ];
    expect(inFlightOf(events)).to.deep.equal([{ host: 'a', task: 'two' }]);
    expect(describeInFlight('r', inFlightOf(events))[1]).to.equal('  a: two');
  });

  it('ad hoc hosts that started the command and never reported', () => {
    const events: RunEvent[] = [
      { type: 'run.start', runId: 'r', command: 'systemctl restart kubelet', hosts: ['a', 'b'], forks: 5, at: 'x' },
      { type: 'host.connecting', host: 'a' },
      { type: 'host.connecting', host: 'b' },
      { type: 'host.result', result: { host: 'b', task: 'systemctl restart kubelet', status: 'changed' } },
    ];
    expect(inFlightOf(events)).to.deep.equal([{ host: 'a', task: 'systemctl restart kubelet' }]);
    expect(describeInFlight('r', [])).to.deep.equal([]);
  });
});
