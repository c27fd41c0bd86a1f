import { expect } from 'chai';
import { EventBus } from '../../../src/events/events.js';
import { startNotifier } from '../../../src/notify/notifier.js';
import { NotifySender } from '../../../src/notify/sender.js';
import { FakePorts } from './fake-ports.js';

const run = { runId: 'r-1', command: 'drydock play site.yml', by: 'ops@ctl', hosts: ['n1', 'n2', 'n3'] };
const counters = (over: object = {}) => ({ ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0, ...over });

function setup(secrets: string[] = []) {
  const bus = new EventBus();
  const ports = new FakePorts(() => 200);
  const notifier = startNotifier(bus, new NotifySender([new URL('http://127.0.0.1:1/hook')], ports), { run, secrets, now: () => Date.UTC(2026, 0, 1) });
  const bodies = (): Array<Record<string, any>> => ports.posts.map((p) => JSON.parse(p.body));
  return { bus, ports, notifier, bodies };
}

describe('notify: the notifier on the run bus', () => {
  it('posts start, each failure and the end, numbered in order, with the final exit code', async () => {
    const { bus, notifier, bodies } = setup();
    bus.emit({ type: 'run.start', runId: 'r-1', command: 'play site.yml', hosts: ['n1', 'n2', 'n3'], forks: 5, at: 'x' });
    bus.emit({ type: 'task.start', name: 'gate', hosts: ['n1', 'n2', 'n3'] });
    bus.emit({ type: 'task.result', result: { host: 'n1', status: 'ok', task: 'gate' } });
    bus.emit({ type: 'task.result', result: { host: 'n2', status: 'failed', task: 'gate', msg: 'rc 3' } });
    bus.emit({ type: 'task.result', result: { host: 'n3', status: 'unreachable', task: 'gate', msg: 'gone', phase: 'connect' } });
    bus.emit({ type: 'play.stop', play: 'all', reason: 'max_fail', message: 'max_fail_percentage exceeded' });
    bus.emit({ type: 'recap', stats: { n1: counters({ ok: 1 }), n2: counters({ failed: 1 }), n3: counters({ unreachable: 1 }) } });
    bus.emit({ type: 'run.end', exitCode: 4, ms: 10 });
    await notifier.finish({ exitCode: 4 });
    const got = bodies();
    expect(got.map((b) => [b['seq'], b['kind']])).to.deep.equal([
      [1, 'run.start'],
      [2, 'run.failure'],
      [3, 'run.failure'],
      [4, 'run.failure'],
      [5, 'run.end'],
    ]);
    expect(got.map((b) => b['failure']?.host)).to.deep.equal([undefined, 'n2', 'n3', undefined, undefined]);
    const end = got[4]!;
    expect(end).to.deep.include({ outcome: 'unreachable', exitCode: 4, runId: 'r-1', by: 'ops@ctl', at: '2026-01-01T00:00:00.000Z' });
    expect(end['recap']['hosts']).to.deep.equal({ done: 1, failed: 2 });
    expect(end['failedHosts'].map((f: { host?: string; task: string }) => f.host ?? `play ${f.task}`)).to.deep.equal(['n2', 'n3', 'play all']);
  });

  it('stops listening at the end: later events post nothing, a second finish nothing', async () => {
    const { bus, notifier, ports } = setup();
    await notifier.finish({ exitCode: 0 });
    bus.emit({ type: 'task.result', result: { host: 'n2', status: 'failed', task: 'late' } });
    await notifier.finish({ exitCode: 0 });
    expect(ports.posts).to.have.length(1);
  });

  it('an end after an error carries it, masked like every body', async () => {
    const { notifier, bodies } = setup(['hunter2-xyz']);
    await notifier.finish({ exitCode: 1, error: 'login with hunter2-xyz refused' });
    expect(bodies()[0]).to.deep.include({ kind: 'run.end', outcome: 'error', error: 'login with [REDACTED] refused' });
  });
});
