import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { endPayload, failureOf, failurePayload, outcomeOf, payloadBody, REASON_MAX, secretValues, startPayload, type NotifyRun } from '../../../src/notify/payload.js';

const run: NotifyRun = { runId: '0123456789abcdef', command: 'drydock play site.yml -e password=[REDACTED]', by: 'ops@ctl', hosts: ['n1', 'n2'] };
const counters = (over: Partial<Record<string, number>> = {}) => ({ ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0, ...over });

describe('notify: payloads', () => {
  it('a failed or unreachable host result is a failure; ok, ignored, rescued and loop items are not', () => {
    const result = (status: string, extra: object = {}): RunEvent => ({ type: 'task.result', result: { host: 'n1', status: status as never, task: 'gate', msg: 'boom', ...extra } });
    expect(failureOf(result('failed'))).to.deep.equal({ host: 'n1', status: 'failed', task: 'gate', reason: 'boom' });
    expect(failureOf(result('unreachable', { phase: 'connect' }))).to.deep.equal({ host: 'n1', status: 'unreachable', task: 'gate', reason: 'boom (connect)' });
    for (const status of ['ok', 'changed', 'ignored', 'rescued', 'skipped']) expect(failureOf(result(status)), status).to.equal(undefined);
    expect(failureOf({ type: 'task.result', item: 'a', result: { host: 'n1', status: 'failed', task: 'gate' } })).to.equal(undefined);
    expect(failureOf({ type: 'play.stop', play: 'workers', reason: 'max_fail', message: 'too many failed' })).to.deep.equal({ status: 'stopped', task: 'workers', reason: 'too many failed' });
  });

  it('a reason is one short line', () => {
    const long = failureOf({ type: 'host.result', result: { host: 'n1', status: 'failed', task: 't', msg: `a\nb ${'x'.repeat(500)}` } });
    expect(long!.reason.length).to.equal(REASON_MAX);
    expect(long!.reason).to.match(/^a b x+…$/);
    expect(failureOf({ type: 'host.result', result: { host: 'n1', status: 'failed', task: 't', rc: 3 } })!.reason).to.equal('rc 3');
  });

  it('start, failure and end carry the run, the kind, and a Slack text', () => {
    const start = startPayload(run, 1, 'T0');
    expect(start).to.include({ kind: 'run.start', seq: 1, at: 'T0', runId: run.runId, command: run.command, by: 'ops@ctl' });
    expect(start.hosts).to.deep.equal(['n1', 'n2']);
    expect(start.text).to.equal('drydock run 01234567 started by ops@ctl on 2 hosts: `drydock play site.yml -e password=[REDACTED]`');
    const failure = { host: 'n2', status: 'failed' as const, task: 'gate', reason: 'rc 3' };
    const failed = failurePayload(run, 2, 'T1', failure);
    expect(failed).to.deep.include({ kind: 'run.failure', seq: 2, failure });
    expect(failed.text).to.equal('drydock run 01234567: n2 FAILED at "gate": rc 3');
    const end = endPayload(run, 3, 'T2', { exitCode: 2, stats: { n1: counters({ ok: 2, changed: 1 }), n2: counters({ ok: 1, failed: 1 }) }, failedHosts: [failure] });
    expect(end).to.deep.include({ kind: 'run.end', outcome: 'failed', exitCode: 2, failedHosts: [failure] });
    expect(end.recap).to.deep.equal({ hosts: { done: 1, failed: 1 }, tasks: counters({ ok: 3, changed: 1, failed: 1 }) });
    expect(end.text).to.equal('drydock run 01234567 ended failed (exit 2) — 1 done, 1 failed; failed: n2 (gate)');
  });

  it('an end without a recap (refused before any task) says why', () => {
    const end = endPayload(run, 1, 'T', { exitCode: 1, failedHosts: [], error: 'the cluster lock is held by run abc' });
    expect(end).to.deep.include({ outcome: 'error', exitCode: 1, error: 'the cluster lock is held by run abc' });
    expect(end.recap).to.equal(undefined);
    expect(end.text).to.equal('drydock run 01234567 ended error (exit 1): the cluster lock is held by run abc');
  });

  it('outcomes follow the exit codes', () => {
    expect([0, 2, 4, 75, 130, 143, 129, 1, 74, 64].map(outcomeOf)).to.deep.equal(['ok', 'failed', 'unreachable', 'stopped', 'interrupted', 'interrupted', 'interrupted', 'error', 'error', 'error']);
  });

  it('the body redacts secret-looking keys and masks every secret value the run was given, wherever it appears', () => {
    const vars = { password: 'hunter2-xyz', nested: { api_token: 'tok "quoted"' }, user: 'admin', pin: 'abc' };
    const secrets = secretValues(vars);
    expect(secrets).to.deep.equal(['hunter2-xyz', 'tok "quoted"']);
    const failure = { host: 'n1', status: 'failed' as const, task: 'login', reason: 'bad login hunter2-xyz for tok "quoted"' };
    const body = payloadBody({ ...failurePayload(run, 1, 'T', failure), ...({ password: 'other' } as object) }, secrets);
    expect(body).not.to.contain('hunter2');
    expect(body).not.to.contain('tok \\"quoted\\"');
    expect(body).not.to.contain('other');
    expect(JSON.parse(body).failure.reason).to.equal('bad login [REDACTED] for [REDACTED]');
    expect(JSON.parse(body).password).to.equal('[REDACTED]');
  });
});
