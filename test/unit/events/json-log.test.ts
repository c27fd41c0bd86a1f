import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../../src/events/events.js';
import { REDACTED, attachEventLog, formatHostResultJson, redactSecrets } from '../../../src/events/json-log.js';
import { openJsonLinesLog } from '../../../src/events/logger.js';

describe('JSON output and log', () => {
  it("redacts Ansible's *_pass variables, as an add_host result carries them, and nothing merely starting with pass", () => {
    const out = redactSecrets({ add_host: { host_vars: { ansible_ssh_pass: 'a', ansible_become_pass: 'b', my_passage: 'c', compass: 'd' } } });
    expect(out.add_host.host_vars).to.deep.equal({ ansible_ssh_pass: REDACTED, ansible_become_pass: REDACTED, my_passage: 'c', compass: 'd' });
  });

  it('redacts values under password/passphrase/token/secret keys at any depth', () => {
    const input = {
      host: 'web1',
      become: { password: 'hunter2', user: 'root' },
      list: [{ apiToken: 'abc' }, { ClientSecret: 's3' }],
      passphrase: 'pp',
      note: 'password is not a key here',
      emptyPassword: undefined,
    };
    const out = redactSecrets(input);
    expect(out.become.password).to.equal(REDACTED);
    expect(out.become.user).to.equal('root');
    expect(out.list[0]!.apiToken).to.equal(REDACTED);
    expect(out.list[1]!.ClientSecret).to.equal(REDACTED);
    expect(out.passphrase).to.equal(REDACTED);
    expect(out.note).to.equal('password is not a key here');
    expect(input.become.password).to.equal('hunter2');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic).self).to.equal('[Circular]');
  });

  it('copies a value that appears twice without a cycle (one groups list in every host result), not "[Circular]"', () => {
    const groups = { all: ['h1', 'h2'], web: ['h1'] };
    const out = redactSecrets({ h1: { groups }, h2: { groups }, list: [groups, groups] });
    expect(out.h2.groups).to.deep.equal(groups);
    expect(out.list[1]).to.deep.equal(groups);
  });

  it('prints one parseable JSON object per host with stable keys', () => {
    const line = formatHostResultJson({ host: 'web1', task: 'uptime', status: 'changed', rc: 0, stdout: 'up\n', ms: 12 });
    expect(line.endsWith('\n')).to.equal(true);
    expect(JSON.parse(line)).to.deep.equal({
      host: 'web1', status: 'changed', rc: 0, signal: null, stdout: 'up\n', stderr: '', ms: 12, msg: null, phase: null, timedOut: false, truncated: false,
    });
  });

  it('writes every event as a JSON line through winston, flushed on close, secrets redacted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'run.jsonl');
    const log = openJsonLinesLog(file, { runId: 'r1' });
    const bus = new EventBus();
    attachEventLog(bus, log);
    for (let i = 0; i < 200; i++) bus.emit({ type: 'host.connecting', host: `h${i}` });
    bus.emit({ type: 'host.result', result: { host: 'h1', task: 'x', status: 'changed', data: { password: 'hunter2' } } });
    expect(await log.close()).to.equal(undefined);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).to.have.length(201);
    expect(lines[0]).to.include({ message: 'host.connecting', runId: 'r1', level: 'info' });
    expect(lines[0]!.timestamp).to.be.a('string');
    expect(lines[200]!.event.result.data.password).to.equal(REDACTED);
    expect(readFileSync(file, 'utf8')).not.to.contain('hunter2');
  });
});
