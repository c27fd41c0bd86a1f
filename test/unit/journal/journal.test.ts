import { userInfo } from 'node:os';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../../src/events/events.js';
import { JournalWriteError } from '../../../src/errors.js';
import { attachJournal, defaultStateDir, Journal, redactCommandLine, RESERVE_BYTES, startRunJournal, type JournalFs } from '../../../src/journal/journal.js';
import { parseJournalText } from '../../../src/journal/resume-state.js';

/** Records every call, keeps the written text per descriptor. */
class RecordingFs implements JournalFs {
  readonly calls: string[] = [];
  readonly text = new Map<number, string>();
  failWritesAfter = Infinity;
  mkdirSync(path: string): void {
    this.calls.push(`mkdir ${path}`);
  }
  openSync(path: string, flags: string, mode?: number): number {
    this.calls.push(`open ${path} ${flags} ${mode?.toString(8)}`);
    this.text.set(3, '');
    return 3;
  }
  writeSync(fd: number, data: Buffer): number {
    if (this.failWritesAfter-- <= 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    this.calls.push(`write ${fd}`);
    this.text.set(fd, this.text.get(fd) + data.toString('utf8'));
    return data.length;
  }
  unlinkSync(path: string): void {
    this.calls.push(`unlink ${path}`);
  }
  fsyncSync(fd: number): void {
    this.calls.push(`fsync ${fd}`);
  }
  closeSync(fd: number): void {
    this.calls.push(`close ${fd}`);
  }
  lines(): Array<Record<string, unknown>> {
    return this.text.get(3)!.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const NOW = Date.parse('2026-11-25T12:00:00Z');

function open(fs: RecordingFs): Journal {
  return Journal.open({ runId: 'r1', command: 'drydock play site.yml', stateDir: '/state', cwd: '/work', version: '0.1.0', now: () => NOW, fs, reserveBytes: 0 });
}

describe('journal', () => {
  it('writes a header, then every event, each written and fsynced before the next', () => {
    const fs = new RecordingFs();
    const bus = new EventBus();
    const journal = open(fs);
    attachJournal(bus, journal);
    bus.emit({ type: 'task.start', name: 'upgrade', hosts: ['n1'] });
    bus.emit({ type: 'host.output', host: 'n1', stream: 'stdout', text: 'ok' });
    journal.close({ exitCode: 0 });
    expect(fs.calls).to.deep.equal([
      'mkdir /state/runs',
      'open /state/runs/r1.jsonl wx 600',
      'write 3', 'fsync 3',
      'write 3', 'fsync 3',
      'write 3', 'fsync 3',
      'write 3', 'fsync 3',
      'close 3',
    ]);
    const [header, first, , end] = fs.lines();
    expect(header).to.include({ kind: 'header', runId: 'r1', command: 'drydock play site.yml', cwd: '/work', version: '0.1.0', started: '2026-11-25T12:00:00.000Z', pid: process.pid });
    // Who ran it, for the run report.
    expect(header).to.include({ user: userInfo().username });
    expect(first).to.deep.equal({ kind: 'event', at: '2026-11-25T12:00:00.000Z', event: { type: 'task.start', name: 'upgrade', hosts: ['n1'] } });
    expect(end).to.deep.equal({ kind: 'end', ended: '2026-11-25T12:00:00.000Z', exitCode: 0, interrupted: false });
  });

  it('redacts secret-looking keys in events', () => {
    const fs = new RecordingFs();
    const journal = open(fs);
    journal.record({ type: 'task.result', result: { host: 'n1', status: 'ok', task: 'login', data: { become_password: 'hunter2', user: 'root' } } });
    const text = fs.text.get(3)!;
    expect(text).not.to.contain('hunter2');
    expect(text).to.contain('[REDACTED]').and.contain('root');
  });

  it('records host counts from the recap and the interruption in the final line', () => {
    const fs = new RecordingFs();
    const journal = open(fs);
    const zero = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
    journal.record({ type: 'recap', stats: { a: { ...zero, ok: 3 }, b: { ...zero, failed: 1 }, c: { ...zero, unreachable: 1 } } });
    journal.close({ exitCode: 130, interrupted: true });
    expect(fs.lines().at(-1)).to.include({ kind: 'end', exitCode: 130, interrupted: true }).and.to.have.deep.property('hosts', { done: 1, failed: 2 });
  });

  it('a write failure is reported once, at once; nothing more is recorded; the end line after it says where the record stops', () => {
    const fs = new RecordingFs();
    const journal = open(fs);
    const failures: string[] = [];
    journal.onFailure((err) => failures.push(err.message));
    journal.record({ type: 'warning', message: 'recorded' });
    fs.failWritesAfter = 0;
    journal.record({ type: 'task.start', name: 'lost', hosts: ['n1'] });
    expect(failures).to.deep.equal(['ENOSPC: no space left on device']);
    expect(journal.failed?.message).to.contain('ENOSPC');
    fs.failWritesAfter = Infinity; // room again (the reserve freed): only the end line is written
    journal.record({ type: 'warning', message: 'after the failure' });
    const failure = journal.close({ exitCode: 74, interrupted: true });
    expect(failure?.message).to.contain('ENOSPC');
    expect(failures).to.have.length(1);
    const parsed = parseJournalText(fs.text.get(3)!);
    expect(parsed.events.map((e) => (e as { message?: string }).message)).to.deep.equal(['recorded']);
    expect(parsed.end).to.include({ kind: 'end', exitCode: 74, interrupted: true, journalError: 'ENOSPC: no space left on device' });
    expect(fs.calls.at(-1)).to.equal('close 3');
    // A listener added after the failure hears of it at once.
    let late = '';
    journal.onFailure((err) => (late = err.message));
    expect(late).to.contain('ENOSPC');
  });

  it('a short write (a filling disk) goes on with the rest; a line torn by the failure does not swallow the end line', () => {
    const fs = new RecordingFs();
    const journal = open(fs);
    let budget = 40;
    fs.writeSync = (fd: number, data: Buffer): number => {
      if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = Math.min(budget, data.length);
      budget -= n;
      fs.text.set(fd, fs.text.get(fd) + data.subarray(0, n).toString('utf8'));
      return n;
    };
    journal.record({ type: 'warning', message: 'a line longer than what is left on the disk' });
    budget = 10_000;
    journal.close({ exitCode: 74 });
    const text = fs.text.get(3)!;
    expect(text).to.contain('{"kind":"event"'); // the torn part
    expect(parseJournalText(text).end).to.include({ exitCode: 74 }).and.to.have.property('journalError').that.contains('ENOSPC');
  });

  it('keeps a reserve beside the journal while the run lasts and frees it at close; a disk too full for it refuses the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-journal-'));
    try {
      const journal = Journal.open({ runId: 'res', command: 'drydock play x', stateDir: dir });
      expect(statSync(join(dir, 'runs', 'res.reserve')).size).to.equal(RESERVE_BYTES);
      journal.close({ exitCode: 0 });
      expect(existsSync(join(dir, 'runs', 'res.reserve'))).to.equal(false);
      const fs = new RecordingFs();
      fs.failWritesAfter = 0;
      expect(() => Journal.open({ runId: 'full', command: 'x', stateDir: '/state', fs })).to.throw(/ENOSPC/);
      expect(fs.calls).to.include('unlink /state/runs/full.reserve').and.include('unlink /state/runs/full.jsonl');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a real file readable by its owner only, and refuses to overwrite another run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-journal-'));
    try {
      const journal = Journal.open({ runId: 'abc', command: 'drydock play x', stateDir: dir });
      journal.record({ type: 'warning', message: 'hello' });
      journal.close({ exitCode: 2 });
      const path = join(dir, 'runs', 'abc.jsonl');
      expect(statSync(path).mode & 0o777).to.equal(0o600);
      expect(readFileSync(path, 'utf8').trimEnd().split('\n')).to.have.length(3);
      expect(() => Journal.open({ runId: 'abc', command: 'again', stateDir: dir })).to.throw(/EEXIST/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a journal that cannot be created refuses a playbook run (JournalWriteError); an ad hoc run only warns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-journal-'));
    try {
      const notADir = join(dir, 'file');
      writeFileSync(notADir, '');
      const warnings: string[] = [];
      expect(() => startRunJournal(new EventBus(), 'r', { stateDir: notADir, argv: ['play', 'x'], warn: (m) => warnings.push(m), required: true })).to.throw(JournalWriteError, /ENOTDIR/);
      expect(warnings).to.deep.equal([]);
      expect(startRunJournal(new EventBus(), 'r', { stateDir: notADir, argv: ['run', 'x'], warn: (m) => warnings.push(m) })).to.equal(undefined);
      expect(warnings).to.have.length(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('state folder: DRYDOCK_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(defaultStateDir({ DRYDOCK_STATE_DIR: '/s', XDG_STATE_HOME: '/x' })).to.equal('/s');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x' })).to.equal('/x/drydock');
    expect(defaultStateDir({})).to.match(/\/\.local\/state\/drydock$/);
  });

  it('masks secrets in the recorded command line', () => {
    const line = redactCommandLine(['drydock', 'play', 'site.yml', '-e', 'ansible_become_password=hunter2 user=root', '--extra-vars=api_token=abc', '-e', '{"password":"pw","n":1}']);
    expect(line).not.to.contain('hunter2').and.not.to.contain('abc').and.not.to.contain('"pw"');
    expect(line).to.contain('user=root').and.contain('ansible_become_password=[REDACTED]').and.contain('api_token=[REDACTED]').and.contain('site.yml');
  });
});
