import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type RunEvent } from '../../../src/events/events.js';
import { Journal, attachJournal } from '../../../src/journal/journal.js';
import { loadResumeState } from '../../../src/journal/resume-state.js';
import { forgetSecrets, keyPath, readKeptSecrets, secretsPath } from '../../../src/journal/secrets.js';

const SECRET = 'hunter2-s3cr3t-token';
const CENSORED = { censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: false };

describe('journal: no_log values kept for resume', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A run that got a no_log token on n1 (and a plain result), then died in the next task. */
  function runWithSecret(runId = 'a'): void {
    const bus = new EventBus();
    const journal = Journal.open({ runId, command: 'drydock play pb.yml', argv: ['play', 'pb.yml'], stateDir: dir, cwd: '/w' });
    attachJournal(bus, journal);
    const emit = (event: RunEvent): void => bus.emit(event);
    emit({ type: 'run.start', runId, command: 'play', hosts: ['n1'], forks: 1, at: 'x', playbookFingerprint: 'fp' });
    emit({ type: 'play.start', name: 'p', hosts: ['n1'], playIndex: 0 });
    emit({ type: 'task.start', name: 'get token', hosts: ['n1'], taskId: '0.tasks/0' });
    journal.keepSecret({ taskId: '0.tasks/0', host: 'n1', data: { stdout: SECRET, rc: 0, changed: true } });
    emit({ type: 'task.result', taskId: '0.tasks/0', result: { host: 'n1', task: 'get token', status: 'changed', data: CENSORED } });
    emit({ type: 'task.start', name: 'set', hosts: ['n1'], taskId: '0.tasks/1' });
    journal.keepSecret({ taskId: '0.tasks/1', host: 'n1', data: { changed: false }, facts: { api_key: SECRET } });
    emit({ type: 'task.result', taskId: '0.tasks/1', result: { host: 'n1', task: 'set', status: 'ok', data: CENSORED } });
    emit({ type: 'task.start', name: 'use', hosts: ['n1'], taskId: '0.tasks/2' });
    journal.close({ exitCode: 2 });
  }

  it('are encrypted in a 0600 file beside the journal, under a key in a 0600 file of a 0700 keys folder', () => {
    runWithSecret();
    const everything = [join(dir, 'runs', 'a.jsonl'), secretsPath(dir, 'a')].map((p) => readFileSync(p, 'utf8')).join('\n');
    expect(everything).not.to.contain(SECRET);
    expect(everything).not.to.contain(Buffer.from(SECRET).toString('base64'));
    expect(statSync(secretsPath(dir, 'a')).mode & 0o777).to.equal(0o600);
    expect(statSync(keyPath(dir, 'a')).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).to.equal(0o700);
    expect(readKeptSecrets(dir, 'a').map((k) => k.data['stdout'] ?? k.facts?.['api_key'])).to.deep.equal([SECRET, SECRET]);
  });

  it('come back in the resume state in clear, marked no_log', () => {
    runWithSecret();
    const n1 = loadResumeState('a', dir, { isAlive: () => false }).plays.get(0)!.hosts.get('n1')!;
    expect(n1.results[0]).to.deep.include({ taskId: '0.tasks/0', noLog: true, data: { stdout: SECRET, rc: 0, changed: true } });
    expect(n1.results[1]).to.deep.include({ taskId: '0.tasks/1', noLog: true, facts: { api_key: SECRET } });
  });

  it('a tampered line, a line moved to another host, or a missing key gives nothing back (the censored data stays)', () => {
    runWithSecret();
    const lines = readFileSync(secretsPath(dir, 'a'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    lines[0]!['host'] = 'n2';
    const box = Buffer.from(lines[1]!['box']!, 'base64');
    box[0] = box[0]! ^ 1;
    lines[1]!['box'] = box.toString('base64');
    writeFileSync(secretsPath(dir, 'a'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(readKeptSecrets(dir, 'a')).to.deep.equal([]);
    const n1 = loadResumeState('a', dir, { isAlive: () => false }).plays.get(0)!.hosts.get('n1')!;
    expect(n1.results[0]!.noLog).to.equal(undefined);
    expect(n1.results[0]!.data).to.deep.equal(CENSORED);
    rmSync(keyPath(dir, 'a'));
    expect(readKeptSecrets(dir, 'a')).to.deep.equal([]);
  });

  it('are forgotten (secrets file and key) for the runs named', () => {
    runWithSecret('a');
    runWithSecret('b');
    forgetSecrets(dir, ['a']);
    expect(existsSync(secretsPath(dir, 'a'))).to.equal(false);
    expect(existsSync(keyPath(dir, 'a'))).to.equal(false);
    expect(readdirSync(join(dir, 'keys'))).to.deep.equal(['b.key']);
  });
});
